"""``rg classify`` through click's CliRunner: the files it writes, its sidecar, its one-line errors."""

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from cli.classify import MODELS, SETS
from cli.main import rg
from radiogenomics.classify.design import FEATURE_SETS
from radiogenomics.classify.models import MODEL_NAMES


@pytest.fixture
def tables(tmp_path):
    """features.csv (as `rg features` writes) with a planted MF signal, a copy with noise, and data.csv."""
    rng = np.random.default_rng(0)
    n = 40
    ids = [f"TCGA_{('DU', 'HT')[i % 2]}_{i:04d}" for i in range(n)]
    cluster = np.arange(n) % 2 + 1
    features = pd.DataFrame(
        {"patient": ids, "case": [f"{p}_19990101" for p in ids], "status": "ok", "ASD": rng.normal(size=n),
         "MF": rng.normal(size=n) + 3 * (cluster == 2), "BEVR": rng.uniform(0.3, 0.9, n), "largest_slice": 7}
    )  # fmt: skip
    predicted = features.assign(MF=features["MF"] + rng.normal(scale=0.5, size=n))
    clinical = pd.DataFrame(
        {"Patient": ids, "RNASeqCluster": cluster.astype(float), "age_at_initial_pathologic": rng.integers(20, 70, n),
         "gender": rng.integers(1, 3, n)}
    )  # fmt: skip
    clinical.loc[0, "RNASeqCluster"] = np.nan
    paths = tmp_path / "features.csv", tmp_path / "predicted.csv", tmp_path / "data.csv"
    features.to_csv(paths[0], index=False)
    predicted.to_csv(paths[1], index=False)
    clinical.to_csv(paths[2], index=False)
    return paths


FAST = ["--model", "logistic_l2", "--splits", "3", "--inner-splits", "2", "--repeats", "1", "--bootstrap", "100",
        "--permutations", "2"]  # fmt: skip


def test_classify_writes_every_output(tables, tmp_path):
    features, predicted, clinical = tables
    out = tmp_path / "out"
    args = ["classify", str(features), str(clinical), "--target", "RNASeqCluster", "--out", str(out), "--compare",
            str(predicted), "--names", "manual,predicted", "--sets", "study", "--sets", "covariates",
            "--report", str(tmp_path / "report"), *FAST]  # fmt: skip
    result = CliRunner().invoke(rg, args)
    assert result.exit_code == 0, result.output
    assert "wrote 4 rows" in result.output and "RNASeqCluster: 39 patients, 1 dropped" in result.output
    summary = pd.read_csv(out / "summary.csv").set_index(["masks", "feature_set"])
    assert summary.loc[("manual", "study"), "auc"] > 0.9 and set(summary["permutations"]) == {2}
    assert summary.loc[("manual", "covariates"), "auc"] == summary.loc[("predicted", "covariates"), "auc"]
    predictions = pd.read_csv(out / "predictions.csv")
    assert len(predictions) == 4 * 39 * 2  # cells × patients × classes (one repeat)
    sums = predictions.groupby(["masks", "feature_set", "patient", "repeat"])["probability"].sum()
    assert np.allclose(sums, 1)
    folds = pd.read_csv(out / "folds.csv")
    assert len(folds) == 39 and set(folds["fold"]) == {0, 1, 2}
    sidecar = json.loads((out / "classify.json").read_text())
    assert sidecar["config"]["permutations"] == 2 and "scikit-learn" in sidecar["software"]
    assert sidecar["targets"]["RNASeqCluster"]["unlabelled_dropped"] == 1
    pngs = sorted(p.name for p in (out / "figures").iterdir())
    assert pngs == ["confusion_manual_RNASeqCluster.png", "confusion_predicted_RNASeqCluster.png",
                    "roc_manual_RNASeqCluster.png", "roc_predicted_RNASeqCluster.png"]  # fmt: skip
    html = (tmp_path / "report" / "index.html").read_text()
    assert html.count("data:image/png;base64,") == 4 and "http" not in html


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--target", "Nope"], "--target Nope: no such column of the clinical table (columns: RNASeqCluster, "),
        (["--target", "RNASeqClustr"], "--target RNASeqClustr: no such column of the clinical table; did you mean RNASeqCluster?"),
        (["--target", "RNASeqCluster", "--covariates", "weight"], "--covariates weight: no such column"),
        (["--target", "RNASeqCluster", "--covariates", "age,gendr"], "--covariates age: no such column of the clinical table (or institution, from the TCGA id); did you mean age_at_initial_pathologic?"),
        (["--target", "RNASeqCluster", "--covariates", "gendr"], "did you mean gender? (columns: RNASeqCluster, age_at_initial_pathologic, gender)"),
        (["--target", "RNASeqCluster", "--features", "volume"], "--features volume: no such feature of FEATURES"),
        (["--target", "RNASeqCluster", "--features", "M"], "--features M: no such feature of FEATURES; did you mean MF?"),
        (["--target", "RNASeqCluster", "--splits", "30"], "--min-class-size must be at least --splits"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line(tables, tmp_path, extra, message):
    features, _, clinical = tables
    result = CliRunner().invoke(
        rg, ["classify", str(features), str(clinical), "--out", str(tmp_path / "o"), *extra]
    )
    assert result.exit_code == 1, result.output
    assert result.output.startswith("Error: ") and result.output.count("\n") == 1
    assert message in result.output
    assert not (tmp_path / "o" / "summary.csv").exists()


def test_cli_choices_equal_the_library():
    assert SETS == FEATURE_SETS and MODELS == MODEL_NAMES
