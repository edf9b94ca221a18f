"""``rg segment``: masks for new images in their own layout and geometry; ensembles, mirroring, shards,
resume after a kill, and the refusals. Mechanics use small untrained models (fast); the learning test
trains one and is marked ``slow``."""

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import SimpleITK as sitk
import tifffile
import torch
from click.testing import CliRunner

from cli.main import rg
from radiogenomics.case_io import find_case_dirs, iter_cases, read_case
from radiogenomics.nifti_io import Geometry, read_nifti, write_nifti
from radiogenomics.synthetic import CohortConfig, synth_cohort
from segmentation.config import TrainConfig
from segmentation.metrics import dice
from segmentation.model import build_model, cpu_state, file_sha256, load_model, save_model
from segmentation.predict import REVIEW_AGREEMENT, agreement, predict_slices, segment_volume
from segmentation.segment import SegmentOptions, copied_from_flair, segment_folder

torch.set_num_threads(2)
SMALL = CohortConfig(cases=4, seed=3, size=64, min_slices=6, max_slices=8)
NET = TrainConfig(size=32, features=4, depth=2, batch_size=2)


def _untrained(path: Path, *, seed: int, channels: int = 3) -> Path:
    torch.manual_seed(seed)
    return save_model(path, cpu_state(build_model(NET, channels)), NET, in_channels=channels, epoch=0)


@pytest.fixture(scope="module")
def cohort(tmp_path_factory) -> Path:
    return synth_cohort(tmp_path_factory.mktemp("cohort"), SMALL)


@pytest.fixture(scope="module")
def images(cohort, tmp_path_factory) -> Path:
    """The cohort's images alone: not one mask file."""
    root = tmp_path_factory.mktemp("images") / "images"
    for case in find_case_dirs(cohort):
        shutil.copytree(case, root / case.name, ignore=shutil.ignore_patterns("*_mask.tif"))
    return root


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("models")
    return [_untrained(folder / f"m{seed}.pt", seed=seed) for seed in range(2)]


def _digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*.tif"))
    }


def test_one_mask_per_input_slice_from_images_without_masks(images, cohort, models, tmp_path):
    assert not list(images.rglob("*_mask.tif"))
    before = _digests(images)
    result = CliRunner().invoke(rg, ["segment", str(images), "--out", str(tmp_path / "out"), "--model",
                                     str(models[0]), "-q"])  # fmt: skip
    assert result.exit_code == 0, result.output
    for truth, predicted in zip(iter_cases(cohort), iter_cases(tmp_path / "out", images=False), strict=True):
        assert predicted.name == truth.name and predicted.slices == truth.slices
        assert predicted.mask.shape == truth.mask.shape
    table = pd.read_csv(tmp_path / "out" / "cases.csv")
    assert table["status"].eq("ok").all() and len(table) == SMALL.cases
    record = json.loads((tmp_path / "out" / "segment.json").read_text())
    assert record["models"][0]["sha256"] == hashlib.sha256(models[0].read_bytes()).hexdigest()
    assert record["cases"]["complete"] and record["seconds_per_case"] > 0
    assert _digests(images) == before  # the input is never written


def test_channels_copied_from_flair_are_named():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (5, 8, 8, 3), dtype=np.uint8)
    assert copied_from_flair(image) == ""
    post = image.copy()
    post[..., 2] = post[..., 1]
    assert copied_from_flair(post) == "post-contrast"
    both = post.copy()
    both[..., 0] = both[..., 1]
    assert copied_from_flair(both) == "pre-contrast+post-contrast"
    near = post.copy()
    near[2, 3, 4, 2] ^= 1  # one voxel differs: an acquired sequence, however alike
    assert copied_from_flair(near) == ""
    assert copied_from_flair(both[..., :2]) == ""  # not the LGG layout: nothing to say


def test_a_case_without_a_sequence_is_flagged(images, models, tmp_path):
    """A case whose post-contrast channel is the dataset's copy of FLAIR: named in cases.csv and in a note."""
    changed = tmp_path / "images"
    shutil.copytree(images, changed)
    case = find_case_dirs(changed)[1]
    for path in sorted(case.glob("*.tif")):
        rgb = tifffile.imread(path)
        rgb[..., 2] = rgb[..., 1]
        tifffile.imwrite(path, rgb, photometric="rgb")
    result = CliRunner().invoke(rg, ["segment", str(changed), "--out", str(tmp_path / "out"), "--model",
                                     str(models[0]), "-q"])  # fmt: skip
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "out" / "cases.csv", keep_default_na=False).set_index("case")
    assert table["copied_from_flair"].to_dict() == {
        p.name: "post-contrast" if p.name == case.name else "" for p in find_case_dirs(changed)
    }
    assert f"note: 1 case(s) carry a copy of FLAIR in place of a sequence ({case.name};" in result.output
    assert "trained without --aug-modality-dropout segments such cases less accurately" in result.output
    torch.manual_seed(0)
    dropout = replace(NET, aug_modality_dropout=0.2)
    trained_for_it = save_model(tmp_path / "md.pt", cpu_state(build_model(dropout, 3)), dropout, in_channels=3,
                                epoch=0)  # fmt: skip
    noted = CliRunner().invoke(rg, ["segment", str(changed), "--out", str(tmp_path / "md"), "--model",
                                    str(trained_for_it), "-q"])  # fmt: skip
    assert noted.exit_code == 0, noted.output
    assert "the model trained with such copies (rg train --aug-modality-dropout)" in noted.output
    assert "less accurately" not in noted.output
    plain = CliRunner().invoke(rg, ["segment", str(images), "--out", str(tmp_path / "plain"), "--model",
                                    str(models[0]), "-q"])  # fmt: skip
    assert plain.exit_code == 0 and "note:" not in plain.output


def test_the_same_weights_make_the_same_file(tmp_path):
    """A model file's sha256 (what a model card names) depends on its content only, not on its name."""
    first, second = _untrained(tmp_path / "a.pt", seed=5), _untrained(tmp_path / "other name.pt", seed=5)
    assert file_sha256(first) == file_sha256(second)
    assert file_sha256(_untrained(tmp_path / "c.pt", seed=6)) != file_sha256(first)


def test_ensemble_of_identical_models_equals_one_model(cohort, models):
    case = next(iter_cases(cohort))
    one = load_model(models[0])
    single = segment_volume([one], case.image)
    double = segment_volume([one, load_model(models[0])], case.image)
    np.testing.assert_array_equal(single.mask, double.mask)
    np.testing.assert_allclose(single.probabilities, double.probabilities, atol=1e-7)
    assert np.isnan(single.agreement) and double.agreement == 1.0


def test_cases_the_models_disagree_on_are_named(images, models, tmp_path):
    """An ensemble of two models whose masks differ: the cases below the review agreement named in a note; of
    two identical models (agreement 1), none."""
    torch.manual_seed(0)
    state = cpu_state(build_model(NET, 3))
    biased = {}
    for bias in (-50.0, 50.0):  # no tumour; tumour everywhere in the crop box
        state["head.bias"] = torch.full_like(state["head.bias"], bias)
        biased[bias] = save_model(tmp_path / f"bias{bias:+g}.pt", state, NET, in_channels=3, epoch=0)
    for name, members in (("differ", [biased[-50.0], biased[50.0]]), ("same", [models[0], models[0]])):
        run = tmp_path / name
        for k, path in enumerate(members):
            (run / f"fold_{k}").mkdir(parents=True)
            shutil.copyfile(path, run / f"fold_{k}" / "model.pt")
        result = CliRunner().invoke(rg, ["segment", str(images), "--out", str(tmp_path / f"out-{name}"), "--model",
                                         str(run), "-q"])  # fmt: skip
        assert result.exit_code == 0, result.output
        table = pd.read_csv(tmp_path / f"out-{name}" / "cases.csv")
        low = table.loc[table["agreement"] < REVIEW_AGREEMENT, "case"].tolist()
        if name == "same":
            assert (table["agreement"] == 1.0).all() and "agree less" not in result.output
        else:
            assert low, table["agreement"]
            assert f"note: in {len(low)} case(s) the models agree less than 0.7 ({low[0]}" in result.output


def test_agreement_is_mean_pairwise_dice():
    a = np.zeros((1, 2, 4), bool)
    b, c = a.copy(), a.copy()
    a[0, 0, :2] = True  # 2 voxels
    b[0, 0, :4] = True  # 4 voxels, 2 shared with a
    c[0, 1, :] = True  # 4 voxels, none shared
    assert agreement([a, b, c]) == pytest.approx((2 * 2 / 6 + 0 + 0) / 3)
    assert np.isnan(agreement([a]))


def test_mirroring_averages_the_mirrored_prediction(models):
    model = load_model(models[1]).network
    x = torch.randn(3, 3, 32, 32)
    plain = predict_slices(model, x, precision="fp32")
    mirrored = predict_slices(model, x.flip(-1), precision="fp32")[..., ::-1]
    both = predict_slices(model, x, precision="fp32", mirror=True)
    np.testing.assert_allclose(both, 0.5 * (plain + mirrored), atol=1e-6)
    assert not np.allclose(plain, mirrored, atol=1e-3)  # the test can tell


def test_nifti_round_trip_keeps_geometry(cohort, models, tmp_path):
    geometry = Geometry(spacing=(3.0, 0.9, 0.8), origin=(10.0, -5.0, 2.5),
                        direction=(0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, -1.0))  # fmt: skip
    root = tmp_path / "nifti"
    for i, case in enumerate(iter_cases(cohort)):
        if i == 2:
            break
        for channel in range(case.image.shape[-1]):
            write_nifti(root / f"{case.name}_{channel:04d}.nii.gz", case.image[..., channel], geometry)
    result = segment_folder(root, tmp_path / "out", [load_model(models[0])],
                            options=SegmentOptions(probabilities=True))  # fmt: skip
    assert len(result.written) == 2 and not result.failed
    for name in result.written:
        mask, found = read_nifti(tmp_path / "out" / f"{name}.nii.gz")
        assert found.matches(geometry) and mask.dtype == np.uint8 and set(np.unique(mask)) <= {0, 1}
        probabilities = sitk.ReadImage(str(tmp_path / "out" / "probabilities" / f"{name}.nii.gz"))
        assert probabilities.GetPixelID() == sitk.sitkFloat32
        np.testing.assert_allclose(probabilities.GetSpacing(), tuple(reversed(geometry.spacing)), rtol=1e-6)
        image, _ = read_nifti(root / f"{name}_0000.nii.gz")
        assert mask.shape == image.shape


def test_shards_union_equals_whole_run(images, models, tmp_path):
    model = [load_model(models[0])]
    segment_folder(images, tmp_path / "whole", model)
    for index in range(3):
        segment_folder(images, tmp_path / "sharded", model, shard=(index, 3))
    assert _digests(tmp_path / "sharded") == _digests(tmp_path / "whole")
    whole = pd.read_csv(tmp_path / "whole" / "cases.csv").drop(columns="seconds")
    sharded = pd.read_csv(tmp_path / "sharded" / "cases.csv").drop(columns="seconds")
    pd.testing.assert_frame_equal(whole, sharded)
    assert json.loads((tmp_path / "sharded" / "segment.json").read_text())["cases"]["complete"]


def test_a_second_batch_into_the_same_folder_keeps_the_first_in_its_tables(
    synthetic_cohort, models, tmp_path
):
    """Two inputs into one folder, the second holding one new case: cases.csv and segment.json then describe
    all the folder's cases, as one run over both inputs would (the second call wrote its one case's row only);
    the second call's notes are of its own cases (a first-batch case with a copy of FLAIR is not named again)."""
    cases = find_case_dirs(synthetic_cohort)[:4]  # 4 of its 12 cases: quick
    for batch, chosen in (("first", cases[:-1]), ("second", cases[-1:]), ("both", cases)):
        for case in chosen:
            shutil.copytree(case, tmp_path / batch / case.name, ignore=shutil.ignore_patterns("*_mask.tif"))
    for batch in ("first", "both"):  # post-contrast a copy of FLAIR, as in 9 LGG cases
        for path in sorted((tmp_path / batch / cases[0].name).glob("*.tif")):
            rgb = tifffile.imread(path)
            rgb[..., 2] = rgb[..., 1]
            tifffile.imwrite(path, rgb, photometric="rgb")
    model = [load_model(models[0])]
    segment_folder(tmp_path / "both", tmp_path / "whole", model)
    segment_folder(tmp_path / "first", tmp_path / "batches", model)
    second = CliRunner().invoke(rg, ["segment", str(tmp_path / "second"), "--out", str(tmp_path / "batches"),
                                     "--model", str(models[0]), "-q"])  # fmt: skip
    assert second.exit_code == 0, second.output
    assert "segmented 1 case(s), 0 already done" in second.output and "note:" not in second.output
    assert _digests(tmp_path / "batches") == _digests(tmp_path / "whole")
    whole = pd.read_csv(tmp_path / "whole" / "cases.csv").drop(columns="seconds")
    batches = pd.read_csv(tmp_path / "batches" / "cases.csv").drop(columns="seconds")
    pd.testing.assert_frame_equal(batches, whole)
    assert list(batches["case"]) == [case.name for case in cases]
    assert batches.set_index("case").loc[cases[0].name, "copied_from_flair"] == "post-contrast"
    counts = json.loads((tmp_path / "batches" / "segment.json").read_text())["cases"]
    assert counts == {"input": 1, "finished": len(cases), "input_finished": 1, "complete": True}


def test_a_case_killed_while_written_leaves_nothing_behind(images, models, tmp_path):
    """What a kill mid-case leaves in the staging folder (a half-written mask, an atomic write's temporary) never
    reaches the output: the rerun writes that case from an empty staging folder."""
    model = [load_model(models[0])]
    segment_folder(images, tmp_path / "whole", model, shard=(0, 2))
    case = sorted(p.name for p in (tmp_path / "whole").iterdir() if p.name.startswith("TCGA"))[0]
    staging = tmp_path / "killed" / ".segment" / "tmp" / case
    staging.mkdir(parents=True)
    # atomic_path's temporary of an unfinished write
    (staging / f".{case}_1_mask.x1y2z3.tif").write_bytes(b"")
    (staging / f"{case}_99_mask.tif").write_bytes(b"half")
    segment_folder(images, tmp_path / "killed", model, shard=(0, 2))
    assert _digests(tmp_path / "killed") == _digests(tmp_path / "whole")


def test_rerun_skips_finished_cases(images, models, tmp_path):
    model = [load_model(models[0])]
    first = segment_folder(images, tmp_path / "out", model)
    again = segment_folder(images, tmp_path / "out", model)
    assert len(first.written) == SMALL.cases and not again.written and len(again.skipped) == SMALL.cases


def test_refusals(images, models, tmp_path):
    model = [load_model(models[0])]
    with pytest.raises(ValueError, match="overlaps IMAGES"):
        segment_folder(images, images / "masks", model)
    # refused: nothing made (an empty folder there would be a case to every later command)
    assert not (images / "masks").exists()
    other = tmp_path / "other"
    other.mkdir()
    (other / "TCGA_XX_0001_20000101").mkdir()
    with pytest.raises(ValueError, match="holds other files .*--overwrite"):
        segment_folder(images, other, model)
    assert segment_folder(images, other, model, overwrite=True).written
    with pytest.raises(ValueError, match="made with other models"):
        segment_folder(images, other, [load_model(models[1])])
    with pytest.raises(ValueError, match="--shard 3/3"):
        segment_folder(images, tmp_path / "s", model, shard=(3, 3))
    assert not (tmp_path / "s").exists()


def test_channel_mismatch_is_one_line_error(images, tmp_path):
    wrong = _untrained(tmp_path / "one_channel.pt", seed=0, channels=1)
    result = CliRunner().invoke(
        rg, ["segment", str(images), "--out", str(tmp_path / "out"), "--model", str(wrong)]
    )
    assert result.exit_code == 1
    assert "channel(s)" in result.output and "takes 1" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
    # refused at the first case: no .segment/run.json, which would refuse the right model next
    assert not (tmp_path / "out").exists()


def test_unreadable_case_named_others_written(images, models, tmp_path):
    broken = tmp_path / "images"
    shutil.copytree(images, broken)
    bad = find_case_dirs(broken)[1]
    victim = sorted(bad.glob("*.tif"))[0]
    victim.write_bytes(b"not a tiff")
    result = CliRunner().invoke(rg, ["segment", str(broken), "--out", str(tmp_path / "out"), "--model",
                                     str(models[0]), "-q"])  # fmt: skip
    assert result.exit_code == 1
    assert bad.name in result.output and "1 case(s) could not be segmented" in result.output
    written = [d.name for d in find_case_dirs(tmp_path / "out")]
    assert len(written) == SMALL.cases - 1 and bad.name not in written
    table = pd.read_csv(tmp_path / "out" / "cases.csv")
    assert table.set_index("case").loc[bad.name, "status"].startswith("error:")


def test_unknown_model_and_missing_default_are_one_line_errors(images, tmp_path, monkeypatch):
    import segmentation.model_files as model_files

    monkeypatch.setattr(model_files, "WEIGHTS", tmp_path / "no-weights")  # a build that ships no model
    for args, text in [(["--model", "no-such-model"], "no such run folder, model file or shipped model"),
                       ([], "no default model")]:  # fmt: skip
        result = CliRunner().invoke(rg, ["segment", str(images), "--out", str(tmp_path / "o"), *args])
        assert result.exit_code == 1 and text in result.output, result.output
    run = tmp_path / "run"
    run.mkdir()
    result = CliRunner().invoke(
        rg, ["segment", str(images), "--out", str(tmp_path / "o"), "--model", str(run)]
    )
    assert result.exit_code == 1 and "holds no trained fold" in result.output
    result = CliRunner().invoke(rg, ["models"])
    assert result.exit_code == 0 and "no model ships with this version" in result.output


@pytest.fixture
def shipped(models, tmp_path, monkeypatch) -> Path:
    """A package whose weights folder holds one model, ``toy``, the default: its card and weight file."""
    import segmentation.model_files as model_files

    folder = tmp_path / "weights"
    folder.mkdir()
    shutil.copyfile(models[0], folder / "toy.pt")
    card = {"name": "toy", "headline": "an untrained toy model", "files": [
        {"file": "toy.pt", "sha256": hashlib.sha256((folder / "toy.pt").read_bytes()).hexdigest()}]}  # fmt: skip
    (folder / "toy.json").write_text(json.dumps(card))
    monkeypatch.setattr(model_files, "WEIGHTS", folder)
    monkeypatch.setattr(model_files, "DEFAULT_MODEL", "toy")
    return folder


def test_rg_models_lists_shipped_models_with_their_headline(shipped):
    result = CliRunner().invoke(rg, ["models"])
    assert result.exit_code == 0 and "* toy: an untrained toy model" in result.output
    result = CliRunner().invoke(rg, ["models", "toy"])
    assert result.exit_code == 0 and json.loads(result.output) == json.loads(
        (shipped / "toy.json").read_text()
    )
    result = CliRunner().invoke(rg, ["models", "nope"])
    assert result.exit_code == 1 and "nope: no such shipped model" in result.output


def test_default_model_segments_without_model_option(shipped, images, models, tmp_path):
    result = CliRunner().invoke(rg, ["segment", str(images), "--out", str(tmp_path / "a"), "-q"])
    assert result.exit_code == 0, result.output
    by_path = CliRunner().invoke(rg, ["segment", str(images), "--out", str(tmp_path / "b"), "--model",
                                      str(models[0]), "-q"])  # fmt: skip
    assert by_path.exit_code == 0, by_path.output
    for case in find_case_dirs(tmp_path / "b"):
        for mask in case.glob("*_mask.tif"):
            assert (tmp_path / "a" / case.name / mask.name).read_bytes() == mask.read_bytes()


def test_a_cards_training_cases_are_marked_in_training(shipped, images, cohort, models, tmp_path):
    """A card that lists its training cases: cases.csv marks them, segment.json records the list, a note says
    so, and rg evaluate of those masks scores the other cases apart. Found by hash: by name or by file."""
    names = [p.name for p in find_case_dirs(images)]
    card = json.loads((shipped / "toy.json").read_text())
    card["training"] = {"case_list": names[:3]}
    (shipped / "toy.json").write_text(json.dumps(card))
    for given in ("toy", str(shipped / "toy.pt")):
        out = tmp_path / Path(given).stem
        result = CliRunner().invoke(rg, ["segment", str(images), "--out", str(out), "--model", given, "-q"])
        assert result.exit_code == 0, result.output
        table = pd.read_csv(out / "cases.csv").set_index("case")
        assert table["in_training"].to_dict() == {n: n in names[:3] for n in names}
        record = json.loads((out / "segment.json").read_text())["training_cases"]
        assert record["source"] == "model card toy" and record["cases"] == names[:3]
        assert record["count"] == 3 and record["in_this_folder"] == 3
        assert f"note: 3 of these {len(names)} case(s) are the model's training cases" in result.output
    result = CliRunner().invoke(rg, ["evaluate", str(tmp_path / "toy"), str(cohort),
                                     "--out", str(tmp_path / "ev"), "--no-figures"])  # fmt: skip
    assert f"{len(names)} cases (3 the model's training cases)" in result.output, result.output
    # a model without a card: nothing marked
    other = CliRunner().invoke(rg, ["segment", str(images), "--out", str(tmp_path / "plain"), "--model",
                                    str(models[1]), "-q"])  # fmt: skip
    assert other.exit_code == 0, other.output
    assert "in_training" not in pd.read_csv(tmp_path / "plain" / "cases.csv").columns
    assert json.loads((tmp_path / "plain" / "segment.json").read_text())["training_cases"] is None
    assert "training cases" not in other.output


def test_changed_shipped_weights_are_a_one_line_error(shipped, images, tmp_path):
    with open(shipped / "toy.pt", "ab") as handle:
        handle.write(b"\0")
    result = CliRunner().invoke(rg, ["segment", str(images), "--out", str(tmp_path / "o"), "--model", "toy"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert "toy.pt: sha256 is" in result.output and "reinstall rg" in result.output


def test_changed_weights_refused_by_hash(models, tmp_path):
    copy = tmp_path / "m.pt"
    shutil.copyfile(models[0], copy)
    good = hashlib.sha256(copy.read_bytes()).hexdigest()
    assert load_model(copy, sha256=good).sha256 == good
    with open(copy, "ab") as handle:
        handle.write(b"\0")
    with pytest.raises(ValueError, match="sha256 is .* model card says"):
        load_model(copy, sha256=good)


@pytest.mark.slow
def test_kill_then_rerun_gives_the_same_files(images, models, tmp_path):
    args = ["segment", str(images), "--model", str(models[0]), "--threads", "1", "-q"]
    code = "import sys; from cli.main import rg; rg(sys.argv[1:])"
    subprocess.run([sys.executable, "-c", code, *args, "--out", str(tmp_path / "whole")], check=True)
    killed = subprocess.Popen([sys.executable, "-c", code, *args, "--out", str(tmp_path / "killed")])
    state = tmp_path / "killed" / ".segment"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(state.glob("TCGA*.json"))) < 1:
        time.sleep(0.01)
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    finished = len(list(state.glob("TCGA*.json")))
    assert finished < SMALL.cases, "the kill came too late to test anything"
    subprocess.run([sys.executable, "-c", code, *args, "--out", str(tmp_path / "killed")], check=True)
    assert _digests(tmp_path / "killed") == _digests(tmp_path / "whole")
    assert not [p for p in (tmp_path / "killed").rglob("*") if p.name.startswith(".old-")]


@pytest.mark.slow
def test_segment_learns_synthetic_tumours(tmp_path):
    """A model trained < 1 min on synthetic cases segments held-out cases' images (no masks) with Dice > 0.8."""
    from segmentation.train import train_cv

    data = synth_cohort(
        tmp_path / "cohort", CohortConfig(cases=8, seed=0, size=64, min_slices=12, max_slices=16)
    )
    config = TrainConfig(folds=2, epochs=12, size=64, features=8, depth=3, samples_per_epoch=256, lr=3e-3)
    train_cv(data, tmp_path / "run", config, fold=0, progress=False)
    test = json.loads((tmp_path / "run" / "folds.json").read_text())["folds"][0]["test"]
    images = tmp_path / "images"
    for name in test:
        shutil.copytree(data / name, images / name, ignore=shutil.ignore_patterns("*_mask.tif"))
    result = CliRunner().invoke(rg, ["segment", str(images), "--out", str(tmp_path / "out"), "--model",
                                     str(tmp_path / "run"), "--fold", "0", "-q"])  # fmt: skip
    assert result.exit_code == 0, result.output
    scores = [
        dice(read_case(tmp_path / "out" / n, images=False).mask, read_case(data / n).mask) for n in test
    ]
    assert min(scores) > 0.8, scores
    assert os.path.exists(tmp_path / "out" / "segment.json")
