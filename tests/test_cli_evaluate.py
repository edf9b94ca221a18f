"""``rg evaluate``: exit codes, messages, files written, figures and the page."""

import json
import re

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from PIL import Image

from cli.main import rg
from radiogenomics.case_io import iter_cases, write_mask_case
from radiogenomics.nifti_io import Geometry, write_nifti


def box(x=(4, 10), slices=4):
    mask = np.zeros((slices, 16, 16), bool)
    mask[1:3, 4:10, x[0] : x[1]] = True
    return mask


def write_cases(root, cases):
    for name, mask in cases.items():
        write_mask_case(root, name, list(range(1, len(mask) + 1)), mask)
    return root


def run(*args):
    return CliRunner().invoke(rg, ["evaluate", *map(str, args)])


def test_help_has_an_example():
    result = run("--help")
    assert result.exit_code == 0 and "Example" in result.output and "--no-figures" in result.output


def test_ground_truth_against_itself_gives_dice_1_with_figures(synthetic_cohort, tmp_path):
    out = tmp_path / "ev"
    result = run(synthetic_cohort, synthetic_cohort, "--out", out, "--resamples", 1000)
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "per_case.csv")
    tumour = {c.name for c in iter_cases(synthetic_cohort, images=False) if c.mask.any()}
    assert len(table) == 12 and set(table["case"]) >= tumour and (table["status"] == "ok").all()
    assert (table.loc[table["case"].isin(tumour), "dice"] == 1).all()
    assert (table["hd95"] == 0).all() and (table["volume_difference"] == 0).all()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["metrics"]["dice"]["mean"] == 1 and summary["metrics"]["dice"]["n"] == 12
    assert "both masks empty: Dice 1" in summary["empty_rule"] and summary["unit"] == "pixel"
    assert "12 cases: Dice mean 100.00 %" in result.stdout
    names = sorted(p.name for p in (out / "overlays").iterdir())
    assert len(names) == 24 and all(n.endswith((".png", ".gif")) for n in names)
    with Image.open(out / "overlays" / names[0]) as gif:
        assert gif.n_frames == table.loc[0, "slices"] and max(gif.size) <= 128  # every slice, kept small
    page = (out / "index.html").read_text()
    assert 'src="dice.png"' in page and f'src="overlays/{names[1]}"' in page and "Empty-mask rule" in page
    assert "http" not in page  # nothing fetched
    with Image.open(out / "dice.png") as figure:
        assert figure.size[0] > 300


@pytest.fixture
def pair(tmp_path):
    truth = write_cases(
        tmp_path / "gt",
        {"TCGA_AA_0001_20000101": box(), "TCGA_AA_0002_20000101": box(), "TCGA_AA_0003_20000101": box()},
    )
    prediction = write_cases(
        tmp_path / "pred",
        {
            "TCGA_AA_0001_20000101": box(x=(6, 12)),
            "TCGA_AA_0002_20000101": box(slices=5),  # does not match its manual mask
            "TCGA_AA_0009_20000101": box(),  # no manual mask
        },
    )
    return prediction, truth


def test_one_sided_cases_are_listed_and_a_bad_case_fails_at_the_end(pair, tmp_path):
    prediction, truth = pair
    out = tmp_path / "ev"
    result = run(prediction, truth, "--out", out, "--resamples", 1000)
    assert result.exit_code == 1
    assert f"1 case(s) only in {prediction}, not evaluated: TCGA_AA_0009_20000101" in result.stderr
    assert f"1 case(s) only in {truth}, not evaluated: TCGA_AA_0003_20000101" in result.stderr
    assert "error: TCGA_AA_0002_20000101: " in result.stderr and "(5, 16, 16)" in result.stderr
    assert "1 of 4 cases failed" in result.stderr and "Traceback" not in result.output
    assert "note: no overlays: " in result.stderr and "--images" in result.stderr
    table = pd.read_csv(out / "per_case.csv").set_index("case")  # written all the same, every case listed
    assert table.loc["TCGA_AA_0001_20000101", "dice"] == pytest.approx(2 / 3)
    assert table.loc["TCGA_AA_0009_20000101", "status"] == "prediction only"
    assert table.loc["TCGA_AA_0003_20000101", "status"] == "manual only"
    page = (out / "index.html").read_text()
    assert "TCGA_AA_0009_20000101" in page and "no overlays" in page
    assert sorted(p.name for p in out.iterdir()) == ["dice.png", "index.html", "per_case.csv", "summary.json"]


def test_overlays_from_an_images_folder_and_no_figures(pair, synthetic_cohort, tmp_path):
    prediction, truth = pair
    result = run(prediction, truth, "--out", tmp_path / "a", "--no-figures", "--resamples", 1000)
    assert result.exit_code == 1  # the bad case still fails
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["per_case.csv", "summary.json"]
    result = run(synthetic_cohort, synthetic_cohort, "--out", tmp_path / "b", "--no-figures")
    assert result.exit_code == 0 and not (tmp_path / "b" / "index.html").exists()
    # masks without images, images from another folder: cases without images there are named
    masks = write_cases(
        tmp_path / "masks", {c.name: c.mask for c in iter_cases(synthetic_cohort, images=False)}
    )
    first = sorted(p.name for p in masks.iterdir())[0]
    result = run(masks, masks, "--out", tmp_path / "c", "--images", synthetic_cohort, "--resamples", 1000)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "c" / "overlays" / f"{first}.gif").exists()
    result = run(masks, masks, "--out", tmp_path / "d", "--images", tmp_path / "gt", "--resamples", 1000)
    assert result.exit_code == 0 and "note: no overlays: " in result.stderr


def test_spacing_from_nifti_headers_or_the_option(tmp_path):
    geometry = Geometry(spacing=(3.0, 0.5, 0.5))
    write_nifti(tmp_path / "gt" / "c1_mask.nii.gz", box(), geometry)
    write_nifti(tmp_path / "pred" / "c1.nii.gz", box(x=(6, 12)), geometry)
    result = run(tmp_path / "pred", tmp_path / "gt", "--out", tmp_path / "a", "--no-figures")
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "a" / "summary.json").read_text())
    assert summary["unit"] == "mm" and summary["spacing"]["source"] == "NIfTI headers"
    assert summary["spacing"]["per_case"] == {"c1": "3 0.5 0.5"}
    assert summary["metrics"]["dice"]["mean_ci"] == [None, None]  # one case: no interval, said so
    assert summary["metrics"]["dice"]["mean_ci_method"] == "none (n < 2)"
    result = run(tmp_path / "pred", tmp_path / "gt", "--out", tmp_path / "b", "--spacing", 1, 1, 1)
    assert result.exit_code == 1 and "drop --spacing" in result.stderr and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1 and not (tmp_path / "b").exists()
    # TIFF masks: pixel units unless --spacing is given
    write_cases(tmp_path / "tp", {"c1": box(x=(6, 12))})
    write_cases(tmp_path / "tg", {"c1": box()})
    result = run(tmp_path / "tp", tmp_path / "tg", "--out", tmp_path / "c", "--spacing", 3, 0.5, 0.5)
    assert result.exit_code == 0 and "HD95 median 1 mm" in result.stdout
    result = run(tmp_path / "tp", tmp_path / "tg", "--out", tmp_path / "d", "--no-figures")
    assert result.exit_code == 0 and "HD95 median 2 pixel" in result.stdout


def test_bad_input_is_a_one_line_error(tmp_path, pair):
    prediction, truth = pair
    (tmp_path / "empty").mkdir()
    for args, expected, code in [
        ((tmp_path / "empty", truth), "holds no case folders", 1),
        ((prediction, write_cases(tmp_path / "other", {"x": box()})), "no case name in common", 1),
        ((prediction, truth, "--spacing", 0, 1, 1), "--spacing", 2),
        ((prediction, tmp_path / "nowhere"), "does not exist", 2),
    ]:
        result = run(*args, "--out", tmp_path / "out")
        assert result.exit_code == code and expected in result.stderr, result.output
        assert "Traceback" not in result.output
    result = run(prediction, truth)
    assert result.exit_code == 2 and "--out" in result.stderr


@pytest.fixture
def with_training(tmp_path):
    """Three cases, the second predicted shifted (Dice 2/3); the first and third are 'training cases'."""
    names = ["TCGA_AA_0001_20000101", "TCGA_AA_0002_20000101", "TCGA_AA_0003_20000101"]
    truth = write_cases(tmp_path / "gt", dict.fromkeys(names, box()))
    prediction = write_cases(tmp_path / "pred", {names[0]: box(), names[1]: box(x=(6, 12)), names[2]: box()})
    return prediction, truth, [names[0], names[2]]


def _record(prediction, cases):
    record = {"training_cases": {"source": "model card toy", "count": len(cases), "cases": cases}}
    (prediction / "segment.json").write_text(json.dumps(record))


def test_training_cases_recorded_by_segment_are_marked_and_scored_apart(with_training, tmp_path):
    prediction, truth, training = with_training
    _record(prediction, training)
    out = tmp_path / "ev"
    result = run(prediction, truth, "--out", out, "--resamples", 1000)
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "per_case.csv").set_index("case")
    assert table["in_training"].to_dict() == {
        "TCGA_AA_0001_20000101": True, "TCGA_AA_0002_20000101": False, "TCGA_AA_0003_20000101": True
    }  # fmt: skip
    summary = json.loads((out / "summary.json").read_text())
    assert summary["metrics"]["dice"]["mean"] == pytest.approx((1 + 2 / 3 + 1) / 3)
    others = summary["metrics_not_in_training"]
    assert others["dice"]["n"] == 1 and others["dice"]["mean"] == pytest.approx(2 / 3)
    assert set(others) == set(summary["metrics"])  # every metric, both ways
    assert summary["training_cases"]["evaluated_in_training"] == 2
    assert summary["training_cases"]["cases"] == training
    assert "3 cases (2 the model's training cases): Dice mean 88.89 %" in result.stdout
    assert "over the 1 other mean 66.67 %" in result.stdout
    page = (out / "index.html").read_text()
    assert (
        "<b>Training cases</b>: 2 of the 3 evaluated cases are the model's training cases (model card toy)"
        in page
    )
    assert "<td>not in training</td>" in page


def test_overlays_of_training_cases_say_so(synthetic_cohort, tmp_path):
    first, second = sorted(p.name for p in synthetic_cohort.iterdir() if p.is_dir())[:2]
    listing = tmp_path / "training.csv"
    pd.DataFrame({"case": [first]}).to_csv(listing, index=False)
    out = tmp_path / "ev"
    result = run(
        synthetic_cohort, synthetic_cohort, "--out", out, "--training-cases", listing, "--resamples", 100
    )
    assert result.exit_code == 0, result.output
    page = (out / "index.html").read_text()
    assert re.search(f"{first}: Dice [^<]*\\(a training case: in-sample\\)", page)
    assert not re.search(f"{second}: Dice [^<]*training case", page)


def test_training_cases_from_a_file_or_cases_csv(with_training, tmp_path):
    prediction, truth, training = with_training
    listing = tmp_path / "training.csv"
    pd.DataFrame({"case": training}).to_csv(listing, index=False)
    card = tmp_path / "card.json"
    card.write_text(json.dumps({"name": "toy", "training": {"case_list": training[:1]}}))
    for given, expected in ((listing, 2), (card, 1)):
        out = tmp_path / given.stem
        result = run(prediction, truth, "--out", out, "--no-figures", "--training-cases", given)
        assert result.exit_code == 0, result.output
        assert f"3 cases ({expected} the model's training cases)" in result.stdout
        assert pd.read_csv(out / "per_case.csv")["in_training"].sum() == expected
    pd.DataFrame(
        {"case": sorted(p.name for p in prediction.iterdir()), "in_training": [True, False, False]}
    ).to_csv(prediction / "cases.csv", index=False)  # a cases.csv of rg segment, without its segment.json
    result = run(prediction, truth, "--out", tmp_path / "c", "--no-figures")
    assert result.exit_code == 0 and "3 cases (1 the model's training cases)" in result.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("patient\nx\n")
    result = run(prediction, truth, "--out", tmp_path / "d", "--training-cases", bad)
    assert (
        result.exit_code == 1 and "--training-cases" in result.stderr and "no 'case' column" in result.stderr
    )
    assert len(result.stderr.strip().splitlines()) == 1 and not (tmp_path / "d").exists()


def test_without_training_cases_nothing_is_marked(with_training, tmp_path):
    prediction, truth, _ = with_training
    result = run(prediction, truth, "--out", tmp_path / "ev", "--no-figures")
    assert (
        result.exit_code == 0
        and "3 cases: Dice mean 88.89 %" in result.stdout
        and "other" not in result.stdout
    )
    assert "in_training" not in pd.read_csv(tmp_path / "ev" / "per_case.csv").columns
    summary = json.loads((tmp_path / "ev" / "summary.json").read_text())
    assert "training_cases" not in summary and "metrics_not_in_training" not in summary
