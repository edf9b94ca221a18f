"""``rg features``: exit codes, messages, files written."""

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from cli.main import rg
from radiogenomics.case_io import write_mask_case
from radiogenomics.nifti_io import write_nifti


def ball_mask(radius=6, slices=7):
    z, y, x = np.mgrid[:slices, :24, :24]
    return (3 * (z - slices // 2)) ** 2 + (y - 12) ** 2 + (x - 12) ** 2 <= radius**2


def write_masks(root, names, *, empty=(), broken=()):
    for name in names:
        mask = np.zeros((5, 24, 24), bool) if name in empty else ball_mask()
        write_mask_case(root, name, list(range(1, len(mask) + 1)), mask)
        if name in broken:
            (root / name / f"{name}_3_mask.tif").write_bytes(b"\x00" * 10)
    return root


def test_help_has_an_example():
    result = CliRunner().invoke(rg, ["features", "--help"])
    assert result.exit_code == 0 and "Example" in result.output and "--no-pyradiomics" in result.output


def test_writes_the_table_and_its_sidecar(tmp_path):
    masks = write_masks(tmp_path / "masks", ["TCGA_AA_0001_20000101", "TCGA_AA_0002_20000101"])
    out = tmp_path / "out" / "features.csv"
    result = CliRunner().invoke(rg, ["features", str(masks), "--out", str(out), "--spacing", "3", "1", "1"])
    assert result.exit_code == 0, result.output
    assert f"wrote 2 rows (2 ok) to {out}" in result.stdout
    table = pd.read_csv(out, index_col="patient")
    assert list(table.index) == ["TCGA_AA_0001", "TCGA_AA_0002"] and (table.status == "ok").all()
    assert "original_shape_Sphericity" in table.columns and "original_shape2D_Perimeter" in table.columns
    sidecar = json.loads((tmp_path / "out" / "features.json").read_text())
    assert sidecar["spacing"]["value"] == [3.0, 1.0, 1.0] and sidecar["spacing"]["source"] == "--spacing"
    assert sorted(p.name for p in out.parent.iterdir()) == ["features.csv", "features.json"]  # no temp files


def test_default_spacing_is_pixel_units_and_pyradiomics_can_be_skipped(tmp_path):
    masks = write_masks(tmp_path / "masks", ["TCGA_AA_0001_20000101"])
    out = tmp_path / "f.csv"
    result = CliRunner().invoke(
        rg, ["features", str(masks), "-o", str(out), "--no-pyradiomics", "--jobs", "1"]
    )
    assert result.exit_code == 0, result.output
    assert not any(c.startswith("original_") for c in pd.read_csv(out).columns)
    sidecar = json.loads((tmp_path / "f.json").read_text())
    assert sidecar["spacing"]["unit"] == "pixel" and sidecar["pyradiomics"] is False


PIXEL_NOTE = "note: no spacing given: features are in pixel units (give --spacing S R C in mm)\n"


@pytest.mark.parametrize(
    ("layout", "spacing", "note"),
    [("tiff", [], True), ("tiff", ["--spacing", "3", "1", "1"], False), ("nifti", [], False)],
)
def test_pixel_units_are_said_once_on_stderr(tmp_path, layout, spacing, note):
    masks = tmp_path / "masks"
    if layout == "tiff":
        write_masks(masks, ["TCGA_AA_0001_20000101"])
    else:
        masks.mkdir()
        write_nifti(masks / "case_mask.nii.gz", ball_mask())
    args = ["features", str(masks), "--out", str(tmp_path / "f.csv"), "--no-pyradiomics", *spacing]
    result = CliRunner().invoke(rg, args)
    assert result.exit_code == 0, result.output
    assert result.stderr.count(PIXEL_NOTE) == int(note) and "note" not in result.stdout
    assert (PIXEL_NOTE in result.stderr) == note


def test_empty_mask_warns_and_a_bad_case_fails_at_the_end(tmp_path):
    names = ["TCGA_AA_0001_20000101", "TCGA_AA_0002_20000101", "TCGA_AA_0003_20000101"]
    masks = write_masks(tmp_path / "masks", names, empty=[names[1]], broken=[names[2]])
    out = tmp_path / "features.csv"
    result = CliRunner().invoke(rg, ["features", str(masks), "--out", str(out), "--jobs", "2"])
    assert result.exit_code == 1
    assert "warning: TCGA_AA_0002_20000101: mask is empty" in result.stderr
    assert "error: " in result.stderr and "TCGA_AA_0003_20000101_3_mask.tif" in result.stderr
    assert "1 of 3 cases failed" in result.stderr
    assert "Traceback" not in result.output
    table = pd.read_csv(out, index_col="patient")  # written all the same, with every case
    assert table.status.tolist()[:2] == ["ok", "empty mask"] and table.status.iloc[2].startswith("error: ")
    assert table.loc["TCGA_AA_0002"].drop(["case", "status"]).isna().all()


def test_spacing_with_nifti_is_a_one_line_error(tmp_path):
    write_nifti(tmp_path / "case_mask.nii.gz", ball_mask())
    result = CliRunner().invoke(
        rg, ["features", str(tmp_path), "--out", str(tmp_path / "f.csv"), "--spacing", "1", "1", "1"]
    )
    assert result.exit_code == 1
    assert "drop --spacing" in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "f.csv").exists()


def test_bad_options_are_refused_by_click(tmp_path):
    masks = write_masks(tmp_path / "masks", ["TCGA_AA_0001_20000101"])
    runner = CliRunner()
    result = runner.invoke(
        rg, ["features", str(masks), "--out", str(tmp_path / "f.csv"), "--spacing", "0", "1", "1"]
    )
    assert result.exit_code == 2 and "--spacing" in result.stderr
    result = runner.invoke(rg, ["features", str(tmp_path / "nowhere"), "--out", str(tmp_path / "f.csv")])
    assert result.exit_code == 2 and "does not exist" in result.stderr
    result = runner.invoke(rg, ["features", str(masks)])
    assert result.exit_code == 2 and "--out" in result.stderr
