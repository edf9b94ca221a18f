"""The one reader of feature tables: infinite values, text cells, text columns, a sidecar that disagrees."""

import numpy as np
import pandas as pd
import pytest

from radiogenomics.errors import InputError, InputWarning
from radiogenomics.features.extract import read_features
from radiogenomics.outputs import write_outputs
from radiogenomics.stats.associate import AssociateConfig, associate
from radiogenomics.stats.feature_table import finite_features, read_feature_table


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
    with pytest.raises(InputError, match="feature 'BEVR' is a column of .*f.csv that holds no number"):
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
