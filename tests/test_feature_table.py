"""The one reader of feature tables: infinite values, text cells, text columns, a sidecar that disagrees,
bookkeeping columns, the spacing its sidecar gives."""

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from radiogenomics.errors import InputError, InputWarning
from radiogenomics.features.columns import BOOKKEEPING_COLUMNS, OWN_FEATURES
from radiogenomics.features.extract import read_features
from radiogenomics.outputs import write_outputs
from radiogenomics.stats.associate import AssociateConfig, associate
from radiogenomics.stats.feature_table import (
    check_same_spacing,
    finite_features,
    measured_columns,
    read_feature_table,
    spacing_mismatch,
    table_spacing,
)
from radiogenomics.stats.hypotheses import Family, Hypothesis


def write(path, text):
    path.write_text(text)
    return path


def test_a_plain_table_is_read_as_floats(tmp_path):
    path = write(tmp_path / "f.csv", "patient,case,status,ASD,MF\nA,a,ok,1,2.5\nB,b,empty mask,,\n")
    table = read_feature_table(path)
    assert list(table.columns) == ["ASD", "MF"] and table.dtypes.eq(float).all()
    assert table.attrs["dropped_columns"] == ["case", "status"] and np.isnan(table.loc["B", "ASD"])
    full = read_features(path)
    assert list(full.columns) == ["case", "status", "ASD", "MF"] and full.loc["B", "status"] == "empty mask"


def test_infinite_values_become_missing_with_a_warning_naming_them(tmp_path):
    path = write(tmp_path / "f.csv", "patient,ASD,MF\nA,inf,1\nB,2,-inf\nC,3,4\nD,-Infinity,5\n")
    with pytest.warns(
        InputWarning, match=r"f.csv: 3 infinite value\(s\) set to missing: ASD \(A, D\); MF \(B\)"
    ):
        table = read_feature_table(path)
    assert table.isna().sum().to_dict() == {"ASD": 2, "MF": 1} and table.loc["C", "ASD"] == 3


def test_a_text_cell_in_a_numeric_column_is_an_error_naming_the_cell(tmp_path):
    path = write(tmp_path / "f.csv", "patient,ASD,BEVR\nA,1,0.5\nB,2,#VALUE!\nC,3,n/a?\n")
    with pytest.raises(
        InputError, match=r"f.csv: line 3, patient B, column 'BEVR' holds '#VALUE!', not a number \(1 more"
    ):
        read_feature_table(path)


def test_a_column_without_numbers_is_dropped_with_a_warning(tmp_path):
    path = write(tmp_path / "f.csv", "patient,ASD,notes\nA,1,good\nB,2,\n")
    with pytest.warns(InputWarning, match="column\\(s\\) notes hold no number; left out"):
        table = read_feature_table(path)
    assert list(table.columns) == ["ASD"] and table.attrs["dropped_columns"] == ["notes"]


def test_a_dropped_column_named_by_a_family_is_said_to_hold_no_number(tmp_path):
    ids = [f"P{i}" for i in range(12)]
    path = tmp_path / "f.csv"
    pd.DataFrame({"patient": ids, "ASD": range(12), "BEVR": "#VALUE!"}).to_csv(path, index=False)
    with pytest.warns(InputWarning, match="BEVR hold no number"):
        features = read_feature_table(path)
    clinical = pd.DataFrame({"RNASeqCluster": [1, 2] * 6}, index=pd.Index(ids, name="patient"))
    with pytest.raises(InputError, match="--features BEVR: a column of .*f.csv that holds no number"):
        associate(features, clinical, feature_names=["BEVR"])


@pytest.mark.parametrize("test", ["fisher", "kruskal", "mannwhitney", "logistic"])
def test_associate_on_a_frame_with_infinite_values_tests_the_finite_ones(test):
    rng = np.random.default_rng(0)
    ids = pd.Index([f"P{i:02d}" for i in range(60)], name="patient")
    cluster = np.arange(60) % 2
    features = pd.DataFrame({"ASD": rng.normal(size=60) + 3 * cluster}, index=ids)
    features.iloc[:3, 0] = np.inf
    clinical = pd.DataFrame({"RNASeqCluster": cluster + 1}, index=ids)
    with pytest.warns(InputWarning, match="3 infinite"):
        result = associate(features, clinical, config=AssociateConfig(tests=(test,)))
    row = result.table.iloc[0]
    assert row["n"] == 57 and row["p"] < 1e-4 and not row["note"].startswith("not run")


def test_finite_features_leaves_a_finite_table_alone():
    table = pd.DataFrame({"a": [1.0, np.nan]})
    assert finite_features(table) is table


def test_a_sidecar_that_does_not_describe_the_table_is_named(tmp_path):
    table = tmp_path / "features.csv"
    write_outputs(tmp_path / "features.json", {"spacing": "3 1 1"}, {table: "patient,ASD\nA,1\n"})
    read_feature_table(table)  # consistent: no warning
    table.write_text("patient,ASD\nA,2\n")  # another run's table beside the old sidecar
    with pytest.warns(InputWarning, match="features.json: does not describe this table .*SHA-256 differs"):
        read_feature_table(table)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("", "cannot read the feature table"),
        ("id,ASD\nA,1\n", "no 'patient' column"),
        ("patient,ASD\nA,1\nA,2\n", "patient ids appear twice: A"),
        ("patient,case,status\nA,a,ok\n", "no numeric feature column"),
    ],
)
def test_unusable_tables(tmp_path, text, match):
    with pytest.raises(InputError, match=match):
        read_feature_table(write(tmp_path / "f.csv", text))


def test_bookkeeping_columns_are_columns_of_rg_features_and_are_not_measured():
    assert set(BOOKKEEPING_COLUMNS) == {"largest_slice", "components"} <= set(OWN_FEATURES)
    table = pd.DataFrame(columns=["ASD", "largest_slice", "volume", "components", "BEVR"])
    assert measured_columns(table) == ["ASD", "volume", "BEVR"]


def clusters_and_features(n=40):
    rng = np.random.default_rng(2)
    ids = pd.Index([f"P{i:02d}" for i in range(n)], name="patient")
    cluster = np.arange(n) % 2
    features = pd.DataFrame(
        {"ASD": rng.normal(size=n), "largest_slice": rng.integers(5, 20, n), "components": 1 + 2 * cluster},
        index=ids,
    )
    return features.astype(float), pd.DataFrame({"RNASeqCluster": cluster + 1}, index=ids)


def test_associate_tests_bookkeeping_columns_only_when_named():
    features, clinical = clusters_and_features()
    default = associate(features, clinical)
    assert default.features == ("ASD",) and set(default.table["feature"]) == {"ASD"}
    named = associate(features, clinical, feature_names=["Components"]).table  # matched case-insensitively
    assert named["feature"].tolist() == ["components"] and named["p"].iloc[0] < 1e-6  # 1 vs 3 by cluster
    hypotheses = associate(
        features, clinical, family=Family("mine", (Hypothesis("largest_slice", "RNASeqCluster"),), "mine.csv")
    )
    confirmatory = hypotheses.table[hypotheses.table["family"] == "confirmatory"]
    assert confirmatory["feature"].tolist() == ["largest_slice"]


def test_a_table_of_bookkeeping_columns_only_needs_them_named():
    features, clinical = clusters_and_features()
    with pytest.raises(InputError, match="only bookkeeping columns .*name them with --features"):
        associate(features[["components"]], clinical)


def write_spacing(table, spacing: dict | None):
    table.write_text("patient,ASD\nA,1\n")
    if spacing is not None:
        (table.parent / "features.json").write_text(json.dumps({"spacing": spacing}))
    return table


MM = {"source": "--spacing", "unit": "mm", "value": [3.0, 0.94, 0.94], "order": "slice, row, column"}
PIXEL = {"source": "default", "unit": "pixel", "value": [1.0, 1.0, 1.0], "order": "slice, row, column"}


def nifti(**per_case):
    return {"source": "NIfTI header of each case", "unit": "mm", "per_case": per_case}


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (MM, MM, ""),
        (MM, {**MM, "value": [3.0, 0.94, 0.9400001]}, ""),  # float32 of a NIfTI header
        (MM, PIXEL, "unit mm in A (3 x 0.94 x 0.94 mm), pixel in B (1 x 1 x 1 pixel)"),
        (PIXEL, nifti(c1=[1, 1, 1]), "unit pixel in A (1 x 1 x 1 pixel), mm in B (from each case's NIfTI header)"),
        (MM, {**MM, "value": [1.0, 0.94, 0.94]}, "spacing 3 x 0.94 x 0.94 mm in A, 1 x 0.94 x 0.94 mm in B"),
        (nifti(c1=[3, 1, 1], c2=[2, 1, 1]), nifti(c2=[2, 1, 1], c3=[9, 9, 9]), ""),  # c2 the only shared case
        (nifti(c1=[3, 1, 1], c2=[2, 1, 1]), nifti(c2=[2, 1, 1], c1=[2.5, 1, 1]),
         "spacing of case c1 3 x 1 x 1 mm in A, 2.5 x 1 x 1 mm in B"),
        (MM, nifti(c1=[3, 0.94, 0.94], c2=[3, 1, 1], c3=None), "spacing of case c2 3 x 0.94 x 0.94 mm in A, 3 x 1 x 1 mm in B"),
    ],
)  # fmt: skip
def test_spacing_mismatch_names_both_values(a, b, expected):
    assert spacing_mismatch(a, b) == expected


@pytest.mark.parametrize(
    "sidecar",
    ["", "[1, 2]", '{"spacing": "3 1 1"}', '{"command": "rg agree"}', '{"spacing": {"value": [1]}}'],
)
def test_a_sidecar_without_a_spacing_entry_gives_none(tmp_path, sidecar):
    table = write_spacing(tmp_path / "features.csv", None)
    assert table_spacing(table) is None  # no sidecar at all
    (tmp_path / "features.json").write_text(sidecar)
    assert table_spacing(table) is None


def test_check_same_spacing_warns_naming_both_tables_and_values(tmp_path):
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir(), (tmp_path / "c").mkdir()
    a = write_spacing(tmp_path / "a" / "features.csv", MM)
    b = write_spacing(tmp_path / "b" / "features.csv", PIXEL)
    plain = write_spacing(tmp_path / "c" / "features.csv", None)
    with pytest.warns(InputWarning, match=r"a/features.csv \(A\) and .*b/features.csv \(B\) .*unit mm in A"):
        check_same_spacing(a, b)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_same_spacing(a, a)
        check_same_spacing(a, plain)
        check_same_spacing(plain, b)
