"""Every (mask source, target, feature set, model) of one ``rg classify`` run, on shared patients and folds.

For each target the patients are those with a label (rare classes dropped) in every feature table; the
outer folds are built once per target from those labels, so every feature set, model and mask source is
scored on the same patients in the same folds and their AUCs can be compared side by side.
"""

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from radiogenomics.classify.design import (
    DEFAULT_COVARIATES,
    FEATURE_SETS,
    covariate_frame,
    feature_sets,
    make_target,
)
from radiogenomics.classify.metrics import balanced_accuracy, bootstrap_auc
from radiogenomics.classify.models import MODEL_NAMES, build_model
from radiogenomics.classify.nested_cv import macro_auc, nested_cv, outer_folds, permutation_test
from radiogenomics.errors import InputError


@dataclass(frozen=True)
class ClassifyConfig:
    """Settings of one ``rg classify`` run (saved in the JSON sidecar).

    Attributes
    ----------
    targets : clinical columns to predict.
    sets : feature sets (:data:`~radiogenomics.classify.design.FEATURE_SETS`).
    models : model names (:data:`~radiogenomics.classify.models.MODEL_NAMES`).
    covariates : clinical columns of the covariate sets (``institution`` from the id).
    shape : feature columns of the ``shape`` set, or None for every shape feature.
    splits, repeats, inner_splits : outer folds, outer repeats, inner folds.
    permutations : label shuffles of the permutation test (0: no test).
    permutation_models : models that get a permutation test (it reruns their nested CV every shuffle).
    permutation_repeats : outer repeats of each run of the test (its statistic uses the same number).
    select_k : univariate feature selection inside the folds (None: off).
    n_boot, confidence : bootstrap of the AUC's CI.
    min_class_size : smaller classes are dropped (at least ``splits``).
    seed : the one seed of folds, forests, bootstrap and shuffles.
    n_jobs : processes for the permutation test.
    """

    targets: tuple[str, ...] = ("RNASeqCluster",)
    sets: tuple[str, ...] = FEATURE_SETS
    models: tuple[str, ...] = MODEL_NAMES
    covariates: tuple[str, ...] = DEFAULT_COVARIATES
    shape: tuple[str, ...] | None = None
    splits: int = 5
    repeats: int = 3
    inner_splits: int = 3
    permutations: int = 200
    permutation_models: tuple[str, ...] = ("logistic_l2",)
    permutation_repeats: int = 1
    select_k: int | None = None
    n_boot: int = 2000
    confidence: float = 0.95
    min_class_size: int = 5
    seed: int = 0
    n_jobs: int = 1

    def __post_init__(self):
        checks = [
            (self.splits >= 2, f"--splits must be at least 2, got {self.splits}"),
            (self.inner_splits >= 2, f"--inner-splits must be at least 2, got {self.inner_splits}"),
            (self.repeats >= 1, f"--repeats must be at least 1, got {self.repeats}"),
            (1 <= self.permutation_repeats <= self.repeats, "--permutation-repeats must be in 1..--repeats"),
            (self.permutations >= 0, f"--permutations must be 0 or more, got {self.permutations}"),
            (
                self.min_class_size >= self.splits,
                f"--min-class-size must be at least --splits ({self.splits})",
            ),
            (bool(self.targets), "give at least one --target"),
            (bool(self.models), "give at least one --model"),
        ]
        for ok, message in checks:
            if not ok:
                raise InputError(message)
        unknown = [m for m in (*self.models, *self.permutation_models) if m not in MODEL_NAMES]
        if unknown:
            raise InputError(f"--model: unknown model '{unknown[0]}'; choose from {', '.join(MODEL_NAMES)}")


@dataclass(frozen=True)
class ClassifyResult:
    """Tables of one run (the CSV files of ``rg classify``).

    Attributes
    ----------
    summary : one row per (masks, target, feature_set, model): n, classes, auc, ci_low, ci_high,
        balanced_accuracy, perm_p, permutations, null_mean, features, not_converged, seconds.
    per_class : one-vs-rest AUC per class with its CI.
    predictions : out-of-fold probabilities per patient, repeat and class (long).
    folds : outer test fold per (target, repeat, patient).
    targets : per target: patients, classes with counts, unlabelled and rare-class patients dropped.
    config : ClassifyConfig
    """

    summary: pd.DataFrame
    per_class: pd.DataFrame
    predictions: pd.DataFrame
    folds: pd.DataFrame
    targets: dict
    config: ClassifyConfig
    unmatched: dict = field(default_factory=dict)


def classify(
    features: dict[str, pd.DataFrame], clinical: pd.DataFrame, config: ClassifyConfig
) -> ClassifyResult:
    """Nested-CV AUCs of every target × feature set × model × feature table.

    Parameters
    ----------
    features : {mask source name: (patients, features) DataFrame}; one or two tables (e.g. manual and
        predicted masks); only patients in all of them and in ``clinical`` are used.
    clinical : clinical table indexed by patient id.
    config : ClassifyConfig

    Returns
    -------
    ClassifyResult
    """
    common = sorted(set.intersection(*(set(f.index) for f in features.values())) & set(clinical.index))
    unmatched = {
        name: sorted(set(f.index) - set(common)) for name, f in {**features, "clinical": clinical}.items()
    }
    if not common:
        raise InputError("no patient id is in both FEATURES and CLINICAL; check the id columns")
    covariates = covariate_frame(clinical.loc[common], config.covariates)
    designs = {
        name: feature_sets(table.loc[common], covariates, sets=config.sets, shape=config.shape)
        for name, table in features.items()
    }
    rows, per_class, predictions, fold_rows, targets = [], [], [], [], {}
    for target_name in config.targets:
        target = make_target(clinical, target_name, common, min_class_size=config.min_class_size)
        folds = outer_folds(target.y, splits=config.splits, repeats=config.repeats, seed=config.seed)
        targets[target_name] = {
            "patients": len(target.patients),
            "classes": target.counts,
            "unlabelled_dropped": target.unlabelled,
            "rare_classes_dropped": target.rare,
        }
        for r in range(config.repeats):
            fold_rows.append(
                pd.DataFrame(
                    {"target": target_name, "repeat": r, "patient": target.patients, "fold": folds[r]}
                )
            )
        done_covariates = None
        for masks, sets in designs.items():
            for set_name, design in sets.items():
                if set_name == "covariates" and done_covariates is not None:
                    rows += [{**row, "masks": masks} for row in done_covariates[0]]
                    per_class += [{**row, "masks": masks} for row in done_covariates[1]]
                    predictions += [frame.assign(masks=masks) for frame in done_covariates[2]]
                    continue  # no mask features: identical for every mask source
                x = design.loc[list(target.patients)].to_numpy(float)
                cell = {"masks": masks, "target": target_name, "feature_set": set_name}
                new_rows, new_classes, new_predictions = [], [], []
                for model_name in config.models:
                    row, classes_rows, preds = _evaluate(x, target, folds, model_name, config)
                    new_rows.append({**cell, "model": model_name, "features": design.shape[1], **row})
                    new_classes += [{**cell, "model": model_name, **c} for c in classes_rows]
                    new_predictions.append(preds.assign(**cell, model=model_name))
                rows += new_rows
                per_class += new_classes
                predictions += new_predictions
                if set_name == "covariates":
                    done_covariates = (new_rows, new_classes, new_predictions)
    summary = pd.DataFrame(rows)
    order = ["masks", "target", "feature_set", "model"]
    summary = summary[order + [c for c in summary.columns if c not in order]]
    prediction_table = pd.concat(predictions, ignore_index=True)
    prediction_table = prediction_table[order + [c for c in prediction_table.columns if c not in order]]
    per_class_table = pd.DataFrame(per_class)
    per_class_table = per_class_table[order + [c for c in per_class_table.columns if c not in order]]
    return ClassifyResult(
        summary,
        per_class_table,
        prediction_table,
        pd.concat(fold_rows, ignore_index=True),
        targets,
        config,
        unmatched,
    )


def _evaluate(x, target, folds, model_name: str, config: ClassifyConfig):
    """Nested CV, AUC with CI, balanced accuracy and (if asked) the permutation test of one model."""
    start = time.perf_counter()
    spec = build_model(model_name, n_features=x.shape[1], select_k=config.select_k, seed=config.seed)
    settings = {"inner_splits": config.inner_splits, "seed": config.seed}
    cv = nested_cv(spec, x, target.y, folds=folds, **settings)
    mean = cv.mean_proba
    auc = bootstrap_auc(target.y, mean, n_boot=config.n_boot, confidence=config.confidence, seed=config.seed)
    k = len(target.classes)
    row = {
        "n": auc.n,
        "classes": k,
        "auc": auc.auc,
        "ci_low": auc.ci_low,
        "ci_high": auc.ci_high,
        "balanced_accuracy": balanced_accuracy(target.y, mean.argmax(axis=1), classes=k),
        "chance_balanced_accuracy": 1 / k,
        "perm_p": np.nan,
        "permutations": 0,
        "perm_statistic": np.nan,
        "null_mean": np.nan,
        "not_converged": cv.not_converged,
    }
    if config.permutations and model_name in config.permutation_models:
        observed = macro_auc(target.y, cv.proba[: config.permutation_repeats].mean(axis=0))
        test = permutation_test(
            spec, x, target.y, observed=observed, permutations=config.permutations, splits=config.splits,
            repeats=config.permutation_repeats, n_jobs=config.n_jobs, **settings,
        )  # fmt: skip
        row.update(
            perm_p=test.pvalue,
            permutations=test.permutations,
            perm_statistic=observed,
            null_mean=float(test.null.mean()),
        )
    row["seconds"] = time.perf_counter() - start
    classes_rows = [
        {"class": c, "patients": int(np.sum(target.y == i)), "auc": a, "ci_low": lo, "ci_high": hi}
        for i, (c, a, (lo, hi)) in enumerate(
            zip(target.classes, auc.per_class, auc.per_class_ci, strict=True)
        )
    ]
    repeats, n, _ = cv.proba.shape
    preds = pd.DataFrame(
        {
            "patient": np.tile(np.repeat(target.patients, k), repeats),
            "repeat": np.repeat(np.arange(repeats), n * k),
            "fold": np.repeat(folds, k, axis=1).ravel(),
            "label": np.tile(np.repeat(np.array(target.classes)[target.y], k), repeats),
            "class": np.tile(np.array(target.classes), repeats * n),
            "probability": cv.proba.ravel(),
        }
    )
    return row, classes_rows, preds
