import numpy as np
import pandas as pd
import pytest

from radiogenomics.clinical import join_on_patient, read_clinical
from radiogenomics.errors import InputError

ROWS = [
    ["Patient", "RNASeqCluster", "gender"],
    ["TCGA_A", "1", "2"],
    ["TCGA_B", "", "1"],
    ["TCGA_C", "3", ""],
]


def _write(path, sep, newline, final):
    text = newline.join(sep.join(row) for row in ROWS) + (newline if final else "")
    path.write_bytes(text.encode())
    return path


@pytest.mark.parametrize("sep", [",", ";"])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("final", [True, False])
def test_formats_give_the_same_frame(tmp_path, sep, newline, final):
    frame = read_clinical(_write(tmp_path / "t.csv", sep, newline, final))
    reference = read_clinical(_write(tmp_path / "r.csv", ",", "\n", True))
    pd.testing.assert_frame_equal(frame, reference)
    assert list(frame.index) == ["TCGA_A", "TCGA_B", "TCGA_C"]
    assert np.isnan(frame.loc["TCGA_B", "RNASeqCluster"])
    assert frame.loc["TCGA_C", "RNASeqCluster"] == 3


def test_missing_patient_column(tmp_path):
    (tmp_path / "t.csv").write_text("id,x\nA,1\n")
    with pytest.raises(InputError, match=r"t\.csv: no 'Patient' column \(columns: id, x\)"):
        read_clinical(tmp_path / "t.csv")


def test_duplicate_ids(tmp_path):
    (tmp_path / "t.csv").write_text("Patient,x\nA,1\nB,2\nA,3\n")
    with pytest.raises(InputError, match="patient ids appear twice: A"):
        read_clinical(tmp_path / "t.csv")


def test_empty_table(tmp_path):
    (tmp_path / "t.csv").write_text("")
    with pytest.raises(InputError, match="is empty"):
        read_clinical(tmp_path / "t.csv")


def test_join_reports_one_sided_ids():
    left = pd.DataFrame({"f": [1.0, 2.0, 3.0]}, index=["A", "B", "C"])
    right = pd.DataFrame({"g": [5, 6]}, index=["B", "D"])
    joined = join_on_patient(left, right)
    assert list(joined.frame.index) == ["B"]
    assert joined.frame.loc["B"].tolist() == [2.0, 5]
    assert joined.left_only == ("A", "C") and joined.right_only == ("D",)
