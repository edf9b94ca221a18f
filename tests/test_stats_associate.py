"""The association table: planted signal found, shuffled labels not, missing values per test, families."""

import numpy as np
import pandas as pd
import pytest

from radiogenomics.case_io import institution_of
from radiogenomics.errors import InputError
from radiogenomics.stats.associate import (
    COLUMNS,
    AssociateConfig,
    associate,
    label_values,
)
from radiogenomics.stats.fisher import fisher_exact_2xk
from radiogenomics.stats.hypotheses import STUDY2019, Family, Hypothesis, read_hypotheses


def planted(seed: int = 0, n: int = 90, shift: float = 1.2) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Features and clinical tables: MF depends on RNASeqCluster (class 1 larger); ASD is noise."""
    rng = np.random.default_rng(seed)
    ids = pd.Index([f"TCGA_{('DU', 'HT', 'CS')[i % 3]}_{i:04d}" for i in range(n)], name="patient")
    cluster = rng.integers(1, 4, n).astype(float)
    clinical = pd.DataFrame(
        {
            "RNASeqCluster": cluster,
            "MethylationCluster": rng.integers(1, 4, n).astype(float),
            "age_at_initial_pathologic": rng.integers(20, 75, n).astype(float),
            "gender": rng.integers(1, 3, n).astype(float),
        },
        index=ids,
    )
    features = pd.DataFrame(
        {
            "MF": rng.normal(size=n) + shift * (cluster == 1),
            "ASD": rng.normal(size=n),
            "BEVR": rng.uniform(size=n),
        },
        index=ids,
    )
    return features, clinical


def rows(result, **where) -> pd.DataFrame:
    table = result.table
    for key, value in where.items():
        table = table[table[key] == value]
    return table


def test_planted_association_is_found():
    features, clinical = planted()
    result = associate(features, clinical, config=AssociateConfig(tests=("fisher", "kruskal", "mannwhitney")))
    assert list(result.table.columns) == list(COLUMNS)
    fisher = rows(result, feature="MF", label="RNASeqCluster", test="fisher").iloc[0]
    assert fisher["p_adjusted"] < 0.05 and fisher["reject"]
    assert "exact" in fisher["method"]
    mw = rows(result, feature="MF", label="RNASeqCluster", test="mannwhitney", level="1").iloc[0]
    assert mw["effect"] > 0.7 and mw["ci_low"] > 0.5
    assert not rows(result, feature="ASD", test="kruskal")["reject"].any()
    assert set(result.table["family"]) == {"exploratory"}
    assert (rows(result, test="fisher")["correction"] == "fdr_bh m=6").all()


def test_shuffled_labels_keep_the_false_positive_rate_near_alpha():
    features, clinical = planted(seed=1)
    x = features["MF"].to_numpy()
    y = clinical["RNASeqCluster"].to_numpy()
    high = x > np.median(x)
    rng = np.random.default_rng(2)
    hits = 0
    repeats = 300
    for _ in range(repeats):
        shuffled = rng.permutation(y)
        table = np.array(
            [
                [np.sum(~high & (shuffled == k)) for k in (1, 2, 3)],
                [np.sum(high & (shuffled == k)) for k in (1, 2, 3)],
            ]
        )
        hits += fisher_exact_2xk(table).pvalue < 0.05
    rate = hits / repeats
    assert 0.01 < rate <= 0.05 + 3 * np.sqrt(0.05 * 0.95 / repeats)  # exact test: at most α, up to noise
    assert (
        fisher_exact_2xk(
            np.array(
                [[np.sum(~high & (y == k)) for k in (1, 2, 3)], [np.sum(high & (y == k)) for k in (1, 2, 3)]]
            )
        ).pvalue
        < 0.01
    )


def test_missing_values_are_dropped_per_test():
    features, clinical = planted()
    clinical.loc[clinical.index[:7], "RNASeqCluster"] = np.nan
    features.loc[features.index[5:9], "MF"] = np.nan  # overlaps the 5th and 6th missing labels
    result = associate(features, clinical, config=AssociateConfig(tests=("kruskal",)))
    n = rows(result, test="kruskal").set_index(["feature", "label"])["n"]
    assert n["MF", "RNASeqCluster"] == 90 - 9
    assert n["ASD", "RNASeqCluster"] == 90 - 7
    assert n["MF", "MethylationCluster"] == 90 - 4
    assert n["ASD", "MethylationCluster"] == 90


def test_tests_that_cannot_run_say_why():
    features, clinical = planted(n=30)
    clinical["OneClass"] = 1.0
    clinical["Sparse"] = np.nan
    clinical.loc[clinical.index[:4], "Sparse"] = [1.0, 2.0, 1.0, 2.0]
    features["Flat"] = 3.0
    config = AssociateConfig(tests=("fisher", "kruskal", "mannwhitney", "logistic"))
    result = associate(features, clinical, labels=["OneClass", "Sparse", "RNASeqCluster"], config=config)
    notes = result.table.set_index(["feature", "label", "test"])["note"]
    assert notes["MF", "OneClass", "fisher"].startswith("not run: a single class")
    assert notes["MF", "Sparse", "kruskal"] == "not run: 4 patients with both values, fewer than 10"
    assert notes["Flat", "RNASeqCluster", "logistic"] == "not run: the feature is constant"
    not_run = result.table[result.table["note"].str.startswith("not run")]
    assert not_run["p"].isna().all() and not not_run["reject"].any()


def test_confirmatory_family_with_bonferroni_and_logistic_covariates():
    features, clinical = planted()
    family = Family("mine", (Hypothesis("mf", "RNASeqCluster"), Hypothesis("ASD", "RNASeqCluster")), "test")
    config = AssociateConfig(
        tests=("fisher", "logistic"), covariates=("age_at_initial_pathologic", "gender", "institution")
    )
    result = associate(features, clinical, family=family, config=config)
    confirmatory = rows(result, family="confirmatory")
    assert len(confirmatory) == 4
    assert (confirmatory["correction"] == "bonferroni m=2").all()
    fisher = confirmatory[confirmatory["test"] == "fisher"].set_index("feature")
    assert fisher.loc["MF", "p_adjusted"] == pytest.approx(min(1, 2 * fisher.loc["MF", "p"]))
    logistic = confirmatory[confirmatory["test"] == "logistic"].set_index("feature")
    assert "institution" in logistic.loc["MF", "method"]
    assert logistic.loc["MF", "p"] < 0.01
    assert len(rows(result, family="exploratory")) == 3 * 2 * 2


def test_unknown_names_are_input_errors():
    features, clinical = planted()
    with pytest.raises(InputError, match="--features volume: no such feature"):
        associate(features, clinical, feature_names=["volume"])
    with pytest.raises(InputError, match="--preset study2019: label CNCluster: no such column"):
        associate(features, clinical, family=STUDY2019)


def test_no_shared_patients_is_an_input_error():
    features, clinical = planted()
    features.index = [f"X{i}" for i in range(len(features))]
    with pytest.raises(InputError, match="no patient is in both tables"):
        associate(features, clinical)


def test_study2019_preset_has_ten_pairs_over_the_three_features():
    assert len(STUDY2019.pairs) == len(set(STUDY2019.pairs)) == 10
    assert {h.feature for h in STUDY2019.pairs} == {"ASD", "MF", "BEVR"}
    assert {
        Hypothesis("BEVR", "RNASeqCluster"),
        Hypothesis("MF", "RNASeqCluster"),
        Hypothesis("ASD", "RNASeqCluster"),
    } <= set(STUDY2019.pairs)


def test_read_hypotheses(tmp_path):
    path = tmp_path / "family.csv"
    path.write_text(
        "Feature, Label ,why\nMF,RNASeqCluster,paper\nASD, RNASeqCluster,x\nMF,RNASeqCluster,dup\n"
    )
    family = read_hypotheses(path)
    assert family.pairs == (Hypothesis("MF", "RNASeqCluster"), Hypothesis("ASD", "RNASeqCluster"))
    assert family.source == str(path)


@pytest.mark.parametrize(
    ("text", "match"),
    [("feature,cluster\nMF,RNASeqCluster\n", "no 'label' column"), ("feature,label\nMF,\n", "blank feature or label on line"),
     ("feature,label\n", "no hypotheses")],
)  # fmt: skip
def test_bad_hypotheses_files(tmp_path, text, match):
    path = tmp_path / "family.csv"
    path.write_text(text)
    with pytest.raises(InputError, match=match):
        read_hypotheses(path)


def test_label_values_and_institution():
    assert label_values(pd.Series([1.0, np.nan, 2.0, "x"])).tolist()[::2] == ["1", "2"]
    assert institution_of("TCGA_DU_7010") == "DU" and institution_of("TCGA_DU_7010_19990101") == "DU"
    assert institution_of("P001") == "" and institution_of("TCGA_DU") == ""
