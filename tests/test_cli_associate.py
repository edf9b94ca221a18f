"""``rg associate`` and ``rg agree`` through click's CliRunner, and the HTML report."""

import base64
import json
import re
from html import escape as html_escape

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from cli.main import rg
from radiogenomics.case_io import write_mask_case
from radiogenomics.report import SORT_SCRIPT, render_report
from radiogenomics.stats.associate import AssociateConfig, associate


@pytest.fixture
def tables(tmp_path):
    """features.csv (as `rg features` writes: patient, case, status, features) and data.csv."""
    rng = np.random.default_rng(0)
    n = 60
    ids = [f"TCGA_{('DU', 'HT')[i % 2]}_{i:04d}" for i in range(n)]
    cluster = rng.integers(1, 4, n)
    features = pd.DataFrame(
        {
            "patient": ids,
            "case": [f"{p}_19990101" for p in ids],
            "status": "ok",
            "ASD": rng.normal(size=n),
            "MF": rng.normal(size=n) + 1.5 * (cluster == 2),
            "BEVR": rng.uniform(0.3, 0.9, n),
        }
    )
    clinical = pd.DataFrame(
        {
            "Patient": ids,
            "RNASeqCluster": cluster,
            "CNCluster": rng.integers(1, 3, n),
            "gender": rng.integers(1, 3, n),
        }
    )
    clinical.loc[3, "RNASeqCluster"] = np.nan
    features_path, clinical_path = tmp_path / "features.csv", tmp_path / "data.csv"
    features.to_csv(features_path, index=False)
    clinical.iloc[:-2].to_csv(clinical_path, index=False)  # two patients lack a clinical row
    return features_path, clinical_path


def test_associate_writes_results_sidecar_and_report(tables, tmp_path):
    features, clinical = tables
    out = tmp_path / "out" / "results.csv"
    hypotheses = tmp_path / "family.csv"
    hypotheses.write_text("feature,label\nMF,RNASeqCluster\nBEVR,RNASeqCluster\n")
    args = ["associate", str(features), str(clinical), "--out", str(out), "--hypotheses", str(hypotheses),
            "--test", "fisher", "--test", "mannwhitney", "--report", str(tmp_path / "report")]  # fmt: skip
    result = CliRunner().invoke(rg, args)
    assert result.exit_code == 0, result.output
    assert "of 2 hypotheses significant" in result.output
    assert "2 patient id(s) in one table only" in result.output
    table = pd.read_csv(out)
    assert set(table["family"]) == {"confirmatory", "exploratory"}
    mf = table[(table.feature == "MF") & (table.family == "confirmatory") & (table.test == "fisher")].iloc[0]
    assert mf["n"] == 57 and mf["reject"]
    sidecar = json.loads(out.with_suffix(".json").read_text())
    assert sidecar["features_only"] == ["TCGA_DU_0058", "TCGA_HT_0059"]
    assert sidecar["dropped_feature_columns"] == ["case", "status"]
    assert "statsmodels" in sidecar["software"]
    html = (tmp_path / "report" / "index.html").read_text()
    assert html.count("data:image/png;base64,") >= 1


def test_associate_preset_needs_the_study_columns(tables, tmp_path):
    features, clinical = tables
    result = CliRunner().invoke(
        rg,
        [
            "associate",
            str(features),
            str(clinical),
            "--out",
            str(tmp_path / "r.csv"),
            "--preset",
            "study2019",
        ],
    )
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert (
        "--preset study2019: label MethylationCluster: no such column of the clinical table" in result.output
    )


def test_associate_missing_patient_column_is_one_line(tables, tmp_path):
    _, clinical = tables
    bad = tmp_path / "bad.csv"
    bad.write_text("id,ASD\nA,1.0\n")
    result = CliRunner().invoke(rg, ["associate", str(bad), str(clinical), "--out", str(tmp_path / "r.csv")])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and result.output.count("\n") == 1
    assert "no 'patient' column" in result.output and "bad.csv" in result.output
    assert not (tmp_path / "r.csv").exists()


def test_associate_unknown_feature_is_one_line(tables, tmp_path):
    features, clinical = tables
    args = [
        "associate",
        str(features),
        str(clinical),
        "--out",
        str(tmp_path / "r.csv"),
        "--features",
        "ASD,volume",
    ]
    result = CliRunner().invoke(rg, args)
    assert result.exit_code == 1 and result.output.count("\n") == 1
    assert "--features volume: no such feature (columns: ASD, MF, BEVR)" in result.output


@pytest.mark.parametrize(
    ("option", "given", "expected"),
    [
        ("--covariates", "gender,gendr", "--covariates gendr: no such column of the clinical table; did you mean gender?"),
        ("--labels", "rnaseqclustr", "--labels rnaseqclustr: no such label column of the clinical table; did you mean RNASeqCluster or CNCluster?"),
        ("--features", "BVR", "--features BVR: no such feature; did you mean BEVR?"),
    ],
)  # fmt: skip
def test_unknown_names_give_the_nearest_first(tables, tmp_path, option, given, expected):
    features, clinical = tables
    args = ["associate", str(features), str(clinical), "--out", str(tmp_path / "r.csv"), option, given]
    result = CliRunner().invoke(rg, [*args, "--test", "logistic"])
    assert result.exit_code == 1 and result.output.count("\n") == 1, result.output
    assert expected in result.output


def test_associate_bad_option_values(tables, tmp_path):
    features, clinical = tables
    base = ["associate", str(features), str(clinical), "--out", str(tmp_path / "r.csv")]
    assert CliRunner().invoke(rg, [*base, "--test", "ttest"]).exit_code == 2
    both = CliRunner().invoke(rg, [*base, "--preset", "study2019", "--hypotheses", str(features)])
    assert both.exit_code == 2 and "choose one family" in both.output


def test_agree_reports_unmatched_ids(tmp_path):
    rng = np.random.default_rng(0)
    ids = [f"P{i:02d}" for i in range(20)]
    a = pd.DataFrame(
        {"patient": ids, "status": "ok", "ASD": rng.normal(size=20), "BEVR": rng.uniform(size=20)}
    )
    b = a.copy()
    b["ASD"] += rng.normal(scale=0.1, size=20)
    b = b.iloc[1:]
    pa, pb, out = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "agreement.csv"
    a.to_csv(pa, index=False)
    b.to_csv(pb, index=False)
    result = CliRunner().invoke(rg, ["agree", str(pa), str(pb), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "wrote 2 features x 19 patients" in result.output
    assert "1 patient id(s) only in A, left out: P00" in result.output
    table = pd.read_csv(out).set_index("feature")
    assert table.loc["BEVR", "icc2_1"] == pytest.approx(1.0)
    assert 0.9 < table.loc["ASD", "icc3_1"] < 1
    assert json.loads(out.with_suffix(".json").read_text())["only_a"] == ["P00"]
    # the study's features' ICC(2,1), those present, with their interval
    asd = table.loc["ASD"]
    assert result.stdout.splitlines()[-3:] == [
        "feature  ICC(2,1)  95 % CI             n",
        f"ASD     {asd['icc2_1']:9.2f}  {asd['icc2_1_low']:.2f} to {asd['icc2_1_high']:.2f}{19:>9}",
        f"BEVR    {1.0:9.2f}  1.00 to 1.00{19:>9}",
    ]
    quiet = CliRunner().invoke(rg, ["agree", str(pa), str(pb), "-o", str(tmp_path / "q.csv"), "-q"])
    assert quiet.exit_code == 0 and "ICC(2,1)" not in quiet.output and (tmp_path / "q.csv").exists()


def test_agree_missing_patient_column(tmp_path):
    a = tmp_path / "a.csv"
    a.write_text("case,ASD\nX,1\n")
    result = CliRunner().invoke(rg, ["agree", str(a), str(a), "--out", str(tmp_path / "o.csv")])
    assert result.exit_code == 1 and result.output.count("\n") == 1 and "no 'patient' column" in result.output


def rg_features_table(tmp_path, name, spacing=()):
    """A table written by `rg features` (no pyradiomics) on 12 ellipsoids of growing size."""
    masks = tmp_path / "masks"
    if not masks.exists():
        z, y, x = np.mgrid[:7, :24, :24]
        for i in range(12):
            mask = (3 * (z - 3)) ** 2 + (y - 12) ** 2 + ((x - 12) * (1 + i / 10)) ** 2 <= (4 + i / 3) ** 2
            write_mask_case(masks, f"TCGA_AA_{i:04d}_20000101", list(range(1, 8)), mask)
    out = tmp_path / name
    args = ["features", str(masks), "--out", str(out), "--no-pyradiomics", *spacing]
    result = CliRunner().invoke(rg, args)
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture
def clinical_of_12(tmp_path):
    path = tmp_path / "data.csv"
    ids = [f"TCGA_AA_{i:04d}" for i in range(12)]
    pd.DataFrame({"Patient": ids, "RNASeqCluster": np.arange(12) % 2 + 1}).to_csv(path, index=False)
    return path


BOOKKEEPING = {"largest_slice", "components"}


def test_associate_and_agree_leave_out_the_bookkeeping_columns_of_rg_features(tmp_path, clinical_of_12):
    features = rg_features_table(tmp_path, "features.csv")
    assert BOOKKEEPING <= set(pd.read_csv(features).columns)
    out = tmp_path / "r.csv"
    result = CliRunner().invoke(rg, ["associate", str(features), str(clinical_of_12), "--out", str(out)])
    assert result.exit_code == 0, result.output
    tested = set(pd.read_csv(out).query("family == 'exploratory'")["feature"])
    assert {"ASD", "MF", "BEVR", "volume"} <= tested and not tested & BOOKKEEPING
    assert set(json.loads(out.with_suffix(".json").read_text())["untested_feature_columns"]) == BOOKKEEPING
    result = CliRunner().invoke(rg, ["agree", str(features), str(features), "--out", str(tmp_path / "a.csv")])
    assert result.exit_code == 0, result.output
    compared = set(pd.read_csv(tmp_path / "a.csv")["feature"])
    assert "BEVR" in compared and not compared & BOOKKEEPING
    sidecar = json.loads((tmp_path / "a.json").read_text())
    assert sidecar["shared_columns_not_compared"] == ["largest_slice", "components"]


def test_a_bookkeeping_column_named_with_features_is_tested(tmp_path, clinical_of_12):
    features = rg_features_table(tmp_path, "features.csv")
    out = tmp_path / "r.csv"
    args = [
        "associate",
        str(features),
        str(clinical_of_12),
        "--out",
        str(out),
        "--features",
        "largest_slice,ASD",
    ]
    result = CliRunner().invoke(rg, args)
    assert result.exit_code == 0, result.output
    assert pd.read_csv(out)["feature"].tolist() == ["largest_slice", "ASD"]


@pytest.mark.parametrize(
    ("spacing_a", "spacing_b", "warning"),
    [
        ([], ["--spacing", "3", "1", "1"], "unit pixel in A (1 x 1 x 1 pixel), mm in B (3 x 1 x 1 mm)"),
        (["--spacing", "3", "1", "1"], ["--spacing", "1", "1", "1"], "spacing 3 x 1 x 1 mm in A, 1 x 1 x 1 mm in B"),
        (["--spacing", "3", "1", "1"], ["--spacing", "3", "1", "1"], None),
        ([], [], None),
    ],
)  # fmt: skip
def test_agree_warns_when_the_sidecars_disagree_on_spacing(tmp_path, spacing_a, spacing_b, warning):
    a = rg_features_table(tmp_path, "a/features.csv", spacing_a)
    b = rg_features_table(tmp_path, "b/features.csv", spacing_b)
    result = CliRunner().invoke(rg, ["agree", str(a), str(b), "--out", str(tmp_path / "agreement.csv")])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    if warning is None:
        assert warnings == []
    else:
        assert len(warnings) == 1 and warning in warnings[0] and "same --spacing" in warnings[0]
        assert f"{a} (A) and {b} (B)" in warnings[0]


def test_agree_says_nothing_of_spacing_when_a_sidecar_is_absent(tmp_path):
    a = rg_features_table(tmp_path, "a/features.csv", ["--spacing", "3", "1", "1"])
    b = rg_features_table(tmp_path, "b/features.csv")
    (tmp_path / "b" / "features.json").unlink()  # a plain CSV
    result = CliRunner().invoke(rg, ["agree", str(a), str(b), "--out", str(tmp_path / "agreement.csv")])
    assert result.exit_code == 0, result.output
    assert "warning" not in result.stderr


def test_report_is_offline_and_escapes_values():
    rng = np.random.default_rng(0)
    n = 40
    ids = pd.Index([f"<b>id{i}</b>" for i in range(n)], name="patient")
    cluster = np.where(np.arange(n) % 2, "<script>alert(1)</script>", "A&B")
    features = pd.DataFrame(
        {"<img src=x onerror=alert(1)>": rng.normal(size=n) + 3 * (np.arange(n) % 2)}, index=ids
    )
    clinical = pd.DataFrame({"Cluster<i>": cluster}, index=ids)
    clinical_extra = clinical.iloc[:-1]  # one id unmatched, shown escaped
    result = associate(
        features, clinical_extra, labels=["Cluster<i>"], config=AssociateConfig(tests=("fisher", "kruskal"))
    )
    assert result.table["reject"].any()
    html = render_report(result)
    assert html.count(SORT_SCRIPT) == 1  # the report's own script (sorting); no other may get in
    html = html.replace(SORT_SCRIPT, "")
    assert "http" not in html and "url(" not in html and "href" not in html and "<link" not in html
    assert "<script>" not in html and "<b>" not in html and "<i>" not in html and "<img src" not in html
    assert "&lt;script&gt;" in html and "A&amp;B" in html and "&lt;b&gt;id39&lt;/b&gt;" in html
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert images and base64.b64decode(images[0])[:8] == b"\x89PNG\r\n\x1a\n"


def test_report_reads_top_down_with_definitions_and_methods(tmp_path, clinical_of_12):
    features = rg_features_table(tmp_path, "features.csv")
    report = tmp_path / "report"
    args = [
        "associate",
        str(features),
        str(clinical_of_12),
        "--out",
        str(tmp_path / "r.csv"),
        "--report",
        str(report),
    ]
    result = CliRunner().invoke(rg, args)
    assert result.exit_code == 0, result.output
    html = (report / "index.html").read_text()
    order = [html.index(h) for h in ("<h2>Summary", "<h2>Significant pairs", "<summary>Exploratory table",
                                     "<h2>Features: definitions and units", "<h2>Methods")]  # fmt: skip
    assert order == sorted(order)
    sidecar = json.loads((tmp_path / "features.json").read_text())["columns"]
    assert html_escape(sidecar["BEVR"]["definition"]) in html  # definitions from the feature table's sidecar
    assert "measured in pixel units (no voxel spacing given)" in html and "dichotomised at its median" in html
    assert "<table class=sortable>" in html and "largest_slice" not in html.split("<h2>Methods")[0]
