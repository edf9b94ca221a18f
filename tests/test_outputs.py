"""Output paths checked before any work; outputs that describe each other committed sidecar first."""

import json
import os

import pytest

from radiogenomics.errors import InputError
from radiogenomics.outputs import check_output, check_outputs, sidecar_path, write_outputs


def test_check_output_makes_nothing(tmp_path):
    assert check_output(tmp_path / "a" / "b" / "r.csv") == tmp_path / "a" / "b" / "r.csv"
    assert check_output(tmp_path / "report", option="--report", folder=True) == tmp_path / "report"
    assert list(tmp_path.iterdir()) == []  # the writers make the folders, after the command's own checks


@pytest.mark.parametrize(
    ("path", "folder", "match"),
    [
        (
            "file.txt/r.csv",
            False,
            r"--out .*file.txt/r.csv: .*file.txt is a file, not a folder; choose another --out",
        ),
        ("file.txt/x/y/r.csv", False, r"file.txt is a file, not a folder"),
        ("file.txt", True, r"--out .*file.txt: is a file; give a folder"),
        ("dir", False, r"--out .*dir: is a folder; give a file name"),
    ],
)
def test_check_output_refuses_files_in_the_way(tmp_path, path, folder, match):
    (tmp_path / "file.txt").write_text("x")
    (tmp_path / "dir").mkdir()
    with pytest.raises(InputError, match=match):
        check_output(tmp_path / path, folder=folder)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir", "file.txt"]  # nothing made


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_check_output_refuses_a_read_only_folder(tmp_path):
    (tmp_path / "ro").mkdir(mode=0o500)
    with pytest.raises(InputError, match="cannot be written"):
        check_output(tmp_path / "ro" / "x" / "r.csv")


@pytest.mark.parametrize(
    ("table", "sidecar"),
    [("features.csv", "features.json"), ("r.csv.gz", "r.json"), ("a.b.csv", "a.b.json"), ("r", "r.json")],
)
def test_sidecar_path(table, sidecar):
    assert sidecar_path(f"/x/{table}").name == sidecar


def test_write_outputs_names_each_digest_and_check_outputs_finds_a_cut_run(tmp_path):
    table, report = tmp_path / "r.csv", tmp_path / "report" / "index.html"
    sidecar = write_outputs(tmp_path / "r.json", {"seed": 1}, {report: "<html>", table: "a,b\n1,2\n"})
    description = json.loads(sidecar.read_text())
    assert description["seed"] == 1 and list(description["outputs"]) == ["report/index.html", "r.csv"]
    assert check_outputs(sidecar) == []
    # a second run killed after its sidecar: the new sidecar beside the old table
    sidecar.write_text(json.dumps({"seed": 2, "outputs": {"r.csv": "0" * 64}}))
    assert check_outputs(sidecar) == [f"{table} is not the file r.json describes (its SHA-256 differs)"]
    table.unlink()
    assert check_outputs(sidecar) == [f"{table} is missing"]
    sidecar.write_text("{")
    assert "cannot be read as JSON" in check_outputs(sidecar)[0]
