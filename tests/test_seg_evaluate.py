"""Per-case metrics, the per-case table, the summary and its bootstrap, on small synthetic folders."""

import json
import math
import subprocess
import sys

import numpy as np
import pytest

from radiogenomics.case_io import write_mask_case
from radiogenomics.errors import InputError
from radiogenomics.nifti_io import Geometry, write_nifti
from segmentation.evaluate import (
    EMPTY_RULE,
    bootstrap_ci,
    case_metrics,
    evaluate_folders,
    write_evaluation,
)

SHAPE = (4, 16, 16)


def box(z=(1, 3), y=(4, 10), x=(4, 10), shape=SHAPE):
    mask = np.zeros(shape, bool)
    mask[z[0] : z[1], y[0] : y[1], x[0] : x[1]] = True
    return mask


def test_case_metrics_by_hand():
    prediction, truth = (
        box(x=(4, 10)),
        box(x=(6, 12)),
    )  # 2 slices x 6 rows x 6 columns each, overlap 4 columns
    m = case_metrics(prediction, truth, spacing=(3.0, 0.5, 2.0))
    assert m.dice == pytest.approx(2 * 48 / 144) and m.iou == pytest.approx(48 / 96)
    assert m.volume_prediction == m.volume_truth == pytest.approx(72 * 3.0) and m.volume_difference == 0
    assert m.relative_volume_difference == 0 and m.empty == ""
    # every surface voxel of one box is 2 columns (4 mm) from the other's surface, or nearer (2 mm, 0 mm)
    assert 0 < m.assd < m.hd95 <= 4.0
    bigger = case_metrics(box(x=(4, 13)), truth)  # 108 against 72 voxels
    assert bigger.relative_volume_difference == pytest.approx(0.5) and bigger.volume_difference == 36


@pytest.mark.parametrize(
    ("prediction", "truth", "expected"),
    [
        (
            np.zeros(SHAPE, bool),
            np.zeros(SHAPE, bool),
            dict(dice=1, iou=1, hd95=0, assd=0, rvd=0, empty="both"),
        ),
        (np.zeros(SHAPE, bool), box(), dict(dice=0, iou=0, hd95=18, assd=18, rvd=-1, empty="prediction")),
        (box(), np.zeros(SHAPE, bool), dict(dice=0, iou=0, hd95=18, assd=18, rvd=math.nan, empty="truth")),
    ],
)
def test_empty_mask_rule(prediction, truth, expected):
    m = case_metrics(prediction, truth, spacing=(4.0, 0.5, 0.5))  # diagonal sqrt(16^2 + 8^2 + 8^2) = 19.6
    diagonal = math.sqrt(16**2 + 8**2 + 8**2)
    expected = {**expected, **{k: diagonal for k in ("hd95", "assd") if expected[k] == 18}}
    assert (m.dice, m.iou, m.hd95, m.assd) == pytest.approx(
        (expected["dice"], expected["iou"], expected["hd95"], expected["assd"])
    )
    assert m.empty == expected["empty"]
    assert m.relative_volume_difference == pytest.approx(expected["rvd"], nan_ok=True)


@pytest.mark.parametrize("seed", range(6))
def test_case_metrics_equal_medpy(seed):
    binary = pytest.importorskip("medpy.metric.binary")
    rng = np.random.default_rng(seed)
    shape = (6, 20, 20)
    spacing = tuple(rng.uniform(0.5, 3, 3))
    prediction, truth = (rng.random(shape) < 0.02 for _ in range(2))
    prediction[2:4, 5:12, 6:14] = True
    truth[2:5, 7:13, 5:12] = True
    m = case_metrics(prediction, truth, spacing=spacing)
    assert m.dice == pytest.approx(binary.dc(prediction, truth), rel=1e-12)
    assert m.iou == pytest.approx(binary.jc(prediction, truth), rel=1e-12)
    assert m.hd95 == pytest.approx(binary.hd95(prediction, truth, voxelspacing=spacing), rel=1e-12)
    assert m.assd == pytest.approx(binary.assd(prediction, truth, voxelspacing=spacing), rel=1e-12)
    assert m.relative_volume_difference == pytest.approx(binary.ravd(prediction, truth), rel=1e-12)


def test_bootstrap_ci_degenerate_seeded_and_like_a_plain_bootstrap():
    assert bootstrap_ci([0.8], np.mean) == (None, None, "none (n < 2)")
    assert bootstrap_ci([1.0, 1.0, 1.0], np.mean) == (1.0, 1.0, "all values equal")
    x = np.random.default_rng(1).normal(0.8, 0.1, 40)
    first = bootstrap_ci(x, np.mean, seed=3)
    assert first == bootstrap_ci(x, np.mean, seed=3) and first.method == "BCa"
    assert first.low < x.mean() < first.high
    # a bootstrap written out by hand gives nearly the same percentile interval
    rng = np.random.default_rng(7)
    means = x[rng.integers(0, x.size, (20_000, x.size))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    ours = bootstrap_ci(x, np.mean, method="percentile")
    assert ours.low == pytest.approx(low, abs=0.004) and ours.high == pytest.approx(high, abs=0.004)
    median = bootstrap_ci(x, np.median, method="percentile")
    assert median.low < np.median(x) < median.high


def cohort(root, cases: dict[str, np.ndarray]):
    for name, mask in cases.items():
        write_mask_case(root, name, list(range(1, len(mask) + 1)), mask)
    return root


@pytest.fixture
def folders(tmp_path):
    truth = cohort(
        tmp_path / "gt",
        {
            "TCGA_AA_0001_20000101": box(),
            "TCGA_AA_0002_20000101": box(),
            "TCGA_AA_0003_20000101": box(),
            "TCGA_AA_0004_20000101": np.zeros(SHAPE, bool),
            "TCGA_AA_0005_20000101": box(),
            "TCGA_AA_0007_20000101": box(),
        },
    )
    prediction = cohort(
        tmp_path / "pred",
        {
            "TCGA_AA_0001_20000101": box(),  # perfect
            "TCGA_AA_0002_20000101": box(x=(6, 12)),  # shifted
            "TCGA_AA_0003_20000101": np.zeros(SHAPE, bool),  # missed
            "TCGA_AA_0004_20000101": np.zeros(SHAPE, bool),  # both empty
            "TCGA_AA_0005_20000101": box(shape=(3, 16, 16)),  # a slice short: an error of this case
            "TCGA_AA_0006_20000101": box(),  # no manual mask
        },
    )
    return prediction, truth


def test_folders_table_and_summary(folders, tmp_path):
    prediction, truth = folders
    result = evaluate_folders(prediction, truth, seed=0, resamples=2000)
    table = result.table.set_index("case")
    assert table["status"].to_dict() == {
        "TCGA_AA_0001_20000101": "ok",
        "TCGA_AA_0002_20000101": "ok",
        "TCGA_AA_0003_20000101": "ok",
        "TCGA_AA_0004_20000101": "ok",
        "TCGA_AA_0005_20000101": table.loc["TCGA_AA_0005_20000101", "status"],
        "TCGA_AA_0006_20000101": "prediction only",
        "TCGA_AA_0007_20000101": "manual only",
    }
    error = table.loc["TCGA_AA_0005_20000101", "status"]
    assert error.startswith("error: ") and "TCGA_AA_0005_20000101" in error and "(3, 16, 16)" in error
    assert table["dice"].tolist()[:4] == pytest.approx([1.0, 2 * 48 / 144, 0.0, 1.0])
    assert table["empty_rule"].fillna("").tolist()[:4] == [
        "",
        "",
        f"predicted mask empty: Dice 0, IoU 0, HD95 = ASSD = volume diagonal {math.sqrt(16 + 256 + 256):.6g} pixel",
        "both masks empty: Dice 1, IoU 1, HD95 0, ASSD 0",
    ]
    assert (
        set(table["unit"].dropna()) == {"pixel"} and table.loc["TCGA_AA_0001_20000101", "spacing"] == "1 1 1"
    )
    assert table.loc["TCGA_AA_0006_20000101", ["dice", "hd95"]].isna().all()

    summary = result.summary
    assert summary["cases"]["prediction_only"] == ["TCGA_AA_0006_20000101"]
    assert summary["cases"]["truth_only"] == ["TCGA_AA_0007_20000101"]
    assert (
        list(summary["cases"]["failed"]) == ["TCGA_AA_0005_20000101"] and summary["cases"]["evaluated"] == 4
    )
    assert summary["empty_rule"] == EMPTY_RULE and summary["unit"] == "pixel"
    dice = summary["metrics"]["dice"]
    values = [1.0, 2 * 48 / 144, 0.0, 1.0]
    assert dice["n"] == 4 and dice["mean"] == pytest.approx(np.mean(values))
    assert dice["median"] == pytest.approx(np.median(values))
    assert dice["mean_ci"][0] <= dice["mean"] <= dice["mean_ci"][1]
    assert summary["bootstrap"]["seed"] == 0 and summary["bootstrap"]["resamples"] == 2000
    assert result.failed == summary["cases"]["failed"]

    csv_path, json_path = write_evaluation(result, tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["per_case.csv", "summary.json"]
    assert json.loads(json_path.read_text())["metrics"]["dice"]["n"] == 4
    assert csv_path.read_text().splitlines()[0].startswith("case,status,empty_rule,unit,spacing,slices,dice")


def test_seeded(folders):
    prediction, truth = folders
    one = evaluate_folders(prediction, truth, seed=5, resamples=1000).summary["metrics"]
    assert one == evaluate_folders(prediction, truth, seed=5, resamples=1000).summary["metrics"]


def test_nifti_spacing_from_the_headers(tmp_path):
    geometry = Geometry(spacing=(3.0, 0.5, 0.5))
    write_nifti(tmp_path / "gt" / "case1_mask.nii.gz", box(x=(4, 6)), geometry)
    write_nifti(tmp_path / "gt" / "case1.nii.gz", np.zeros(SHAPE, np.int16), geometry)  # image beside
    write_nifti(tmp_path / "pred" / "case1.nii.gz", box(x=(8, 10)), geometry)
    result = evaluate_folders(tmp_path / "pred", tmp_path / "gt")
    row = result.table.iloc[0]
    assert row["status"] == "ok" and row["unit"] == "mm" and row["spacing"] == "3 0.5 0.5"
    assert row["hd95"] == pytest.approx(4 * 0.5)  # 4 columns apart, 0.5 mm each
    assert row["volume_truth"] == pytest.approx(2 * 6 * 2 * 0.75)
    assert result.summary["spacing"]["source"] == "NIfTI headers" and result.summary["unit"] == "mm"
    with pytest.raises(InputError, match="drop --spacing"):
        evaluate_folders(tmp_path / "pred", tmp_path / "gt", spacing=(1.0, 1.0, 1.0))


def test_tiff_spacing_option_and_differing_nifti_spacing(tmp_path, folders):
    prediction, truth = folders
    result = evaluate_folders(prediction, truth, spacing=(2.0, 1.0, 1.0), resamples=1000)
    assert result.summary["unit"] == "mm" and result.summary["spacing"]["value"] == [2.0, 1.0, 1.0]
    assert result.table.set_index("case").loc["TCGA_AA_0003_20000101", "hd95"] == pytest.approx(
        math.sqrt(64 + 256 + 256)
    )
    write_nifti(tmp_path / "a" / "c.nii.gz", box(), Geometry(spacing=(3.0, 1.0, 1.0)))
    write_nifti(tmp_path / "b" / "c_mask.nii.gz", box(), Geometry(spacing=(1.0, 1.0, 1.0)))
    status = evaluate_folders(tmp_path / "a", tmp_path / "b").table["status"].iloc[0]
    assert status.startswith("error: ") and "resample the prediction" in status


def test_no_common_case_is_an_input_error(tmp_path):
    cohort(tmp_path / "a", {"one": box()})
    cohort(tmp_path / "b", {"two": box()})
    with pytest.raises(InputError, match="no case name in common"):
        evaluate_folders(tmp_path / "a", tmp_path / "b")


def test_evaluation_modules_never_import_torch():
    code = (
        "import sys, segmentation.distances, segmentation.evaluate, segmentation.evaluate_figures, cli.evaluate\n"
        "print([m for m in sys.modules if m == 'torch' or m.startswith('torch.')])"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
