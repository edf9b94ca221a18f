"""Nested CV and the permutation test: planted signal found, shuffled labels not, no leakage from the folds."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from radiogenomics.classify.compare import ClassifyConfig, classify
from radiogenomics.classify.design import make_target
from radiogenomics.classify.models import ModelSpec, build_model
from radiogenomics.classify.nested_cv import (
    macro_auc,
    nested_cv,
    outer_folds,
    permutation_test,
    select_params,
)
from radiogenomics.errors import InputError


def cohort(n=60, k=2, noise=8, signal=2.0, seed=0):
    """n patients, class = index mod k; feature 0 shifted by ``signal`` SDs per class, the rest noise."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % k
    x = rng.normal(size=(n, 1 + noise))
    x[:, 0] += signal * y
    return x, y


def one_candidate_l2() -> ModelSpec:
    """Ridge logistic at C = 1 with no grid: the fast model for the default tests."""
    pipeline = Pipeline(
        [("scale", StandardScaler()), ("model", LogisticRegression(solver="newton-cholesky"))]
    )
    return ModelSpec("l2_c1", pipeline, ({},))


def test_outer_folds_are_stratified_partitions():
    y = np.array([0] * 12 + [1] * 8 + [2] * 5)
    folds = outer_folds(y, splits=4, repeats=3, seed=5)
    assert folds.shape == (3, 25) and set(folds.ravel()) == {0, 1, 2, 3}
    for r in range(3):
        for f in range(4):
            counts = np.bincount(y[folds[r] == f], minlength=3)
            assert counts.tolist() in ([3, 2, 1], [3, 2, 2])  # 12/4, 8/4, 5/4 split as evenly as they can be
    assert not np.array_equal(folds[0], folds[1])
    assert np.array_equal(folds, outer_folds(y, splits=4, repeats=3, seed=5))
    with pytest.raises(ValueError, match="at least 6 patients"):
        outer_folds(y, splits=6)


def test_inner_selection_matches_gridsearchcv():
    x, y = cohort(n=60, k=3, noise=5, signal=0.8, seed=2)
    spec = build_model("logistic_l2", n_features=x.shape[1])
    best, scores = select_params(spec, x, y, splits=3, seed=11)
    grid = {"model__C": [g["model__C"] for g in spec.grid]}
    search = GridSearchCV(spec.pipeline, grid, cv=StratifiedKFold(3, shuffle=True, random_state=11),
                          scoring="roc_auc_ovr").fit(x, y)  # fmt: skip
    assert scores == pytest.approx(search.cv_results_["mean_test_score"], abs=1e-10)
    assert spec.grid[best] == search.best_params_


@pytest.mark.parametrize("k", [2, 3])
def test_planted_signal_is_found(k):
    x, y = cohort(k=k, signal=3.0)
    spec = one_candidate_l2()
    folds = outer_folds(y, splits=5, seed=0)
    cv = nested_cv(spec, x, y, folds=folds)
    observed = macro_auc(y, cv.mean_proba)
    assert observed > 0.8
    test = permutation_test(spec, x, y, observed=observed, permutations=39, seed=0)
    assert test.pvalue == pytest.approx(1 / 40) and test.permutations == 39
    assert 0.35 < test.null.mean() < 0.65


def test_shuffled_labels_give_chance_and_a_large_p():
    x, y = cohort(n=120, noise=4, signal=2.0)
    y = np.random.default_rng(3).permutation(y)  # the null AUC's SD at n = 120 is about 0.05
    spec = one_candidate_l2()
    cv = nested_cv(spec, x, y, folds=outer_folds(y, splits=5, seed=0))
    observed = macro_auc(y, cv.mean_proba)
    assert abs(observed - 0.5) < 0.15
    assert permutation_test(spec, x, y, observed=observed, permutations=19, seed=0).pvalue > 0.1


def test_selection_inside_the_folds_does_not_leak():
    # 60 patients, 1000 noise features: choosing 10 on all the data and then cross-validating "finds" them
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 1000))
    y = np.arange(60) % 2
    folds = outer_folds(y, splits=5, seed=0)
    leaky_x = SelectKBest(f_classif, k=10).fit_transform(x, y)
    leaky = nested_cv(one_candidate_l2(), leaky_x, y, folds=folds)
    assert macro_auc(y, leaky.mean_proba) > 0.8
    ours = nested_cv(build_model("logistic_l2", n_features=1000, select_k=10), x, y, folds=folds)
    assert abs(macro_auc(y, ours.mean_proba) - 0.5) < 0.2


class Spy(BaseEstimator, TransformerMixin):
    """Identity transformer that records the rows (their first column: a patient number) of every fit."""

    seen: list = []

    def fit(self, x, y=None):
        Spy.seen.append(frozenset(x[:, 0].astype(int).tolist()))
        return self

    def transform(self, x):
        return x[:, 1:]


def test_every_fit_sees_training_patients_only():
    x, y = cohort(n=40, k=2)
    x = np.column_stack([np.arange(40), x])
    pipeline = Pipeline([("spy", Spy()), ("model", LogisticRegression(solver="newton-cholesky"))])
    spec = ModelSpec("spy", pipeline, tuple({"model__C": c} for c in (0.1, 1.0)))
    folds = outer_folds(y, splits=4, repeats=2, seed=0)
    Spy.seen = []
    nested_cv(spec, x, y, folds=folds, inner_splits=3)
    per_fold = 2 * 3 + 1  # two candidates × three inner folds, then the refit
    assert len(Spy.seen) == 2 * 4 * per_fold
    for index, rows in enumerate(Spy.seen):
        r, f = divmod(index // per_fold, 4)
        train = set(np.flatnonzero(folds[r] != f).tolist())
        assert rows <= train
        if index % per_fold == per_fold - 1:
            assert rows == train  # the refit uses all the outer training patients


def test_make_target_drops_unlabelled_and_rare_classes():
    clinical = pd.DataFrame(
        {"C": [1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, np.nan]}, index=[f"P{i}" for i in range(12)]
    )
    target = make_target(clinical, "C", clinical.index, min_class_size=5)
    assert target.classes == ("1", "2") and target.unlabelled == 1 and target.rare == {"3": 1}
    assert target.counts == {"1": 5, "2": 5} and len(target.patients) == 10
    with pytest.raises(InputError, match=r"--target X: no such column of the clinical table \(columns: C\)"):
        make_target(clinical, "X", clinical.index, min_class_size=5)
    with pytest.raises(InputError, match=r"0 class\(es\) with at least 6"):
        make_target(clinical, "C", clinical.index, min_class_size=6)


def test_classify_compares_sets_on_the_same_folds():
    x, y = cohort(n=50, k=2, noise=3, signal=2.0, seed=1)
    ids = [f"TCGA_{('DU', 'HT')[i % 2]}_{i:04d}" for i in range(50)]
    features = pd.DataFrame(x[:, :3], index=ids, columns=["ASD", "MF", "BEVR"])
    features["volume"] = x[:, 3]
    clinical = pd.DataFrame({"label": y, "age_at_initial_pathologic": 40 + x[:, 3], "gender": 1 + (np.arange(50) % 3 == 0)},
                            index=ids)  # fmt: skip
    clinical.iloc[0, 0] = np.nan
    config = ClassifyConfig(targets=("label",), models=("logistic_l2",), splits=3, inner_splits=2, repeats=1,
                            permutations=0, n_boot=50, min_class_size=3)  # fmt: skip
    result = classify({"manual": features, "predicted": features * 1.01}, clinical, config)
    table = result.summary.set_index(["masks", "feature_set"])
    assert len(table) == 8 and set(table["n"]) == {49}
    assert table.loc[("manual", "study"), "auc"] > 0.8 and table.loc[("manual", "covariates"), "auc"] < 0.7
    # scaling is inside the pipeline, so features × 1.01 predict exactly as the originals
    assert table.loc[("predicted", "shape"), "auc"] == pytest.approx(table.loc[("manual", "shape"), "auc"])
    assert result.targets["label"]["unlabelled_dropped"] == 1
    assert set(result.predictions["fold"]) == {0, 1, 2} and len(result.folds) == 49


def test_not_shape_is_the_feature_modules_bookkeeping_list():
    from radiogenomics.classify.design import NOT_SHAPE
    from radiogenomics.features.columns import BOOKKEEPING_COLUMNS

    assert set(NOT_SHAPE) == set(BOOKKEEPING_COLUMNS)
