"""Training with k-fold CV on small synthetic cohorts: the run folder, the rules, determinism, resume, CLI.

The learning test and the kill-and-resume test train for real and are marked ``slow``.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from click.testing import CliRunner

from cli.main import rg
from radiogenomics.case_io import find_case_dirs, iter_cases, read_case
from radiogenomics.errors import InputError
from radiogenomics.synthetic import CohortConfig, synth_cohort
from segmentation.config import TrainConfig
from segmentation.metrics import dice, largest_component
from segmentation.model import load_model
from segmentation.predict import segment_volume
from segmentation.train import train_cv

torch.set_num_threads(2)
REPO = Path(__file__).resolve().parents[1]

#: six 64² cases, 8-10 slices: a whole 3-fold CV of a 4-feature U-Net takes a few seconds
TINY = CohortConfig(cases=6, seed=1, size=64, min_slices=8, max_slices=10)
QUICK = TrainConfig(
    folds=3, epochs=2, size=32, features=4, depth=2, batch_size=8, samples_per_epoch=16, inner_val=0.34
)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    return synth_cohort(tmp_path_factory.mktemp("tiny"), TINY)


@pytest.fixture(scope="module")
def quick_run(tiny, tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "run"
    return train_cv(tiny, out, QUICK, progress=False)


def test_run_folder_layout(quick_run):
    run = quick_run.run
    for name in ["config.json", "folds.json", "oof_dice.csv", "summary.json"]:
        assert (run / name).is_file(), name
    for fold in range(3):
        for name in ["checkpoint.pt", "log.csv", "model.pt", "test_dice.csv", "done.json"]:
            assert (run / f"fold_{fold}" / name).is_file(), (fold, name)
    log = pd.read_csv(run / "fold_0" / "log.csv")
    assert list(log.columns) == ["epoch", "loss", "val_dice", "lr", "seconds", "images_per_s"]
    assert log["epoch"].tolist() == [1, 2] and (log["images_per_s"] > 0).all()
    assert log["lr"].iloc[-1] < log["lr"].iloc[0]  # cosine schedule
    assert TrainConfig.from_json(json.loads((run / "config.json").read_text())) == QUICK
    assert quick_run.complete and len(quick_run.folds) == 3


def test_one_out_of_fold_mask_set_per_case_in_original_geometry(quick_run, tiny):
    oof = quick_run.run / "oof_masks"
    assert [d.name for d in find_case_dirs(oof)] == [d.name for d in find_case_dirs(tiny)]
    for case, predicted in zip(iter_cases(tiny), iter_cases(oof, images=False), strict=True):
        assert predicted.slices == case.slices  # every slice, the same file numbers
        assert predicted.mask.shape == case.mask.shape
    table = pd.read_csv(quick_run.run / "oof_dice.csv")
    assert sorted(table["case"]) == sorted(d.name for d in find_case_dirs(tiny))
    assert table["dice"].between(0, 1).all()


def test_out_of_fold_dice_both_post_processings(quick_run):
    # the written masks follow keep_components; dice_largest_only scores the reference's rule on the
    # same probabilities, so the two agree wherever the written mask is a single component
    table = pd.read_csv(quick_run.run / "oof_dice.csv")
    assert table["dice_largest_only"].between(0, 1).all()
    for row in table.itertuples():
        mask = read_case(quick_run.run / "oof_masks" / row.case, images=False).mask
        assert int(mask.sum()) == row.predicted_voxels
        if np.array_equal(largest_component(mask), mask):
            assert row.dice == pytest.approx(row.dice_largest_only)
    summary = json.loads((quick_run.run / "summary.json").read_text())
    assert 0 <= summary["dice_per_patient_mean_largest_only"] <= 1


def test_folds_are_patient_level_and_test_never_trains(quick_run):
    plan = json.loads((quick_run.run / "folds.json").read_text())
    tested = [case for fold in plan["folds"] for case in fold["test"]]
    assert sorted(tested) == sorted(plan["cases"])  # each case tested exactly once
    patient = {c: c.rsplit("_", 1)[0] for c in plan["cases"]}
    for fold in plan["folds"]:
        held_out = {patient[c] for c in fold["test"]}
        assert not held_out & {patient[c] for c in fold["train"]}
        assert not held_out & {patient[c] for c in fold["inner_val"]}
        assert fold["inner_val"], "each training fold keeps an inner validation patient"
        done = json.loads((quick_run.run / f"fold_{fold['fold']}" / "done.json").read_text())
        assert done["test"] == fold["test"]


def test_checkpoint_loads_weights_only(quick_run):
    saved = torch.load(quick_run.run / "fold_0" / "checkpoint.pt", weights_only=True)
    assert {"model", "optimizer", "scheduler", "generator", "torch_rng", "epoch", "history"} <= set(saved)
    assert saved["epoch"] == 2
    model = load_model(quick_run.run / "fold_0" / "model.pt")
    assert model.config == QUICK and not model.network.training


def test_finished_folds_never_retrained(quick_run, tiny):
    before = (quick_run.run / "fold_1" / "checkpoint.pt").stat().st_mtime_ns
    again = train_cv(tiny, quick_run.run, QUICK, progress=False)
    assert all(f.skipped for f in again.folds)
    assert (quick_run.run / "fold_1" / "checkpoint.pt").stat().st_mtime_ns == before
    assert again.dice.equals(quick_run.dice)


def test_out_of_fold_masks_rewritten_whole_after_a_kill(quick_run, tiny, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(quick_run.run, run)
    case = pd.read_csv(run / "fold_0" / "test_dice.csv")["case"].iloc[0]
    # as a kill while fold 0 wrote its masks leaves it: not done, a temporary in the case's folder
    (run / "fold_0" / "done.json").unlink()
    leftover = run / "oof_masks" / case / f".{case}_1_mask.x1y2z3.tif"
    leftover.write_bytes(b"")
    train_cv(tiny, run, QUICK, fold=0, progress=False)
    assert not leftover.exists() and not (run / "fold_0" / "oof_staging").exists()
    for name in (case, *[d.name for d in find_case_dirs(quick_run.run / "oof_masks")]):
        assert sorted(p.name for p in (run / "oof_masks" / name).iterdir()) == sorted(
            p.name for p in (quick_run.run / "oof_masks" / name).iterdir()
        )


def test_same_seed_same_weights(tiny, tmp_path):
    config = TrainConfig(**{**QUICK.to_json(), "folds": 2})
    weights = []
    for name in ("a", "b"):
        train_cv(tiny, tmp_path / name, config, fold=0, progress=False)
        weights.append(torch.load(tmp_path / name / "fold_0" / "model.pt", weights_only=True)["state_dict"])
    assert weights[0].keys() == weights[1].keys()
    assert all(torch.equal(weights[0][k], weights[1][k]) for k in weights[0])
    other = TrainConfig(**{**config.to_json(), "seed": 1})
    train_cv(tiny, tmp_path / "c", other, fold=0, progress=False)
    third = torch.load(tmp_path / "c" / "fold_0" / "model.pt", weights_only=True)["state_dict"]
    assert not torch.equal(third["head.weight"], weights[0]["head.weight"])


def test_one_fold_then_gather(tiny, tmp_path):
    config = TrainConfig(**{**QUICK.to_json(), "folds": 2, "epochs": 1})
    first = train_cv(tiny, tmp_path / "run", config, fold=1, progress=False)
    assert not first.complete and [f.fold for f in first.folds] == [1]
    assert not (tmp_path / "run" / "fold_0").exists()
    second = train_cv(tiny, tmp_path / "run", config, fold=0, progress=False)
    assert second.complete and len(second.dice) == 6


def test_fold_all_trains_on_every_case_and_writes_no_out_of_fold_masks(tiny, tmp_path):
    config = TrainConfig(**{**QUICK.to_json(), "folds": 2, "epochs": 2, "inner_val": 0.0})
    run = tmp_path / "run"
    result = train_cv(tiny, run, config, fold="all", progress=False)
    (item,) = result.folds
    cases = sorted(p.name for p in find_case_dirs(tiny))
    assert item.fold == "all" and item.cases == len(cases) and item.best_epoch == 2 and not item.skipped
    done = json.loads((run / "fold_all" / "done.json").read_text())
    assert sorted(done["train"]) == cases and done["test"] == []
    assert not (run / "oof_masks").exists() and not (run / "fold_all" / "test_dice.csv").exists()
    assert not (run / "fold_0").exists() and not result.complete
    model = load_model(run / "fold_all" / "model.pt")
    assert model.epoch == 2 and model.config == config
    assert len(pd.read_csv(run / "fold_all" / "log.csv")) == 2
    again = train_cv(tiny, run, config, fold="all", progress=False)
    assert again.folds[0].skipped  # resumes as the folds do: done is never retrained
    assert load_model(run / "fold_all" / "model.pt").sha256 == model.sha256


def test_fold_all_resumes_from_its_checkpoint(tiny, tmp_path, monkeypatch):
    config = TrainConfig(**{**QUICK.to_json(), "folds": 2, "epochs": 2, "inner_val": 0.0})
    whole = train_cv(tiny, tmp_path / "whole", config, fold="all", progress=False)
    import segmentation.train as train_module

    real_write_csv = train_module.write_csv

    def killed(*args, **kwargs):  # the log is written right after the epoch's checkpoint: stop there
        raise KeyboardInterrupt

    monkeypatch.setattr(train_module, "write_csv", killed)
    with pytest.raises(KeyboardInterrupt):
        train_cv(tiny, tmp_path / "cut", config, fold="all", progress=False)
    checkpoint = torch.load(tmp_path / "cut" / "fold_all" / "checkpoint.pt", weights_only=True)
    assert checkpoint["epoch"] == 1
    monkeypatch.setattr(train_module, "write_csv", real_write_csv)
    resumed = train_cv(tiny, tmp_path / "cut", config, fold="all", progress=False)
    assert resumed.folds[0].best_epoch == whole.folds[0].best_epoch == 2
    # epoch 1 came from the checkpoint, not trained again
    log = pd.read_csv(tmp_path / "cut" / "fold_all" / "log.csv")
    assert log["seconds"].iloc[0] == checkpoint["history"][0]["seconds"]
    a = torch.load(tmp_path / "whole" / "fold_all" / "model.pt", weights_only=True)["state_dict"]
    b = torch.load(tmp_path / "cut" / "fold_all" / "model.pt", weights_only=True)["state_dict"]
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_average_last_is_the_mean_of_the_last_epochs_and_resumes(tiny, tmp_path, monkeypatch):
    """--average-last 2 keeps (epoch 1 + epoch 2) / 2 of the same trajectory, also across a kill after epoch 1."""
    last = TrainConfig(**{**QUICK.to_json(), "folds": 2, "epochs": 2, "inner_val": 0.0})
    averaged = TrainConfig(**{**last.to_json(), "average_last": 2})
    train_cv(tiny, tmp_path / "last", last, fold=0, progress=False)
    train_cv(tiny, tmp_path / "avg", averaged, fold=0, progress=False)
    import segmentation.train as train_module

    real_write_csv = train_module.write_csv

    def killed(*args, **kwargs):  # the log is written right after the epoch's checkpoint: stop there
        raise KeyboardInterrupt

    monkeypatch.setattr(train_module, "write_csv", killed)
    with pytest.raises(KeyboardInterrupt):
        train_cv(tiny, tmp_path / "cut", averaged, fold=0, progress=False)
    first = torch.load(tmp_path / "cut" / "fold_0" / "checkpoint.pt", weights_only=True)["model"]
    monkeypatch.setattr(train_module, "write_csv", real_write_csv)
    train_cv(tiny, tmp_path / "cut", averaged, fold=0, progress=False)

    def weights(name):
        return torch.load(tmp_path / name / "fold_0" / "model.pt", weights_only=True)["state_dict"]

    second, mean, resumed = weights("last"), weights("avg"), weights("cut")
    for name, tensor in mean.items():
        assert torch.equal(resumed[name], tensor), name
        if tensor.is_floating_point():
            assert torch.allclose(tensor, (first[name] + second[name]) / 2, rtol=0, atol=1e-6), name
        else:  # batch norm's step counter: the last epoch's
            assert torch.equal(tensor, second[name]), name
    assert not torch.equal(mean["head.weight"], second["head.weight"])
    # the mean of the last epoch alone: the last epoch
    one = TrainConfig(**{**last.to_json(), "average_last": 1})
    train_cv(tiny, tmp_path / "one", one, fold=0, progress=False)
    assert all(torch.equal(weights("one")[k], second[k]) for k in second)


def test_context_25d_trains(tiny, tmp_path):
    config = TrainConfig(**{**QUICK.to_json(), "folds": 2, "epochs": 1, "context": 1})
    train_cv(tiny, tmp_path / "run", config, fold=0, progress=False)
    saved = torch.load(tmp_path / "run" / "fold_0" / "model.pt", weights_only=True)
    assert saved["state_dict"]["encoders.0.0.weight"].shape[1] == 9


def test_refuses_another_config(quick_run, tiny):
    with pytest.raises(InputError, match="another config \\(epochs: 2 → 3\\).*--resume.*start fresh"):
        train_cv(tiny, quick_run.run, TrainConfig(**{**QUICK.to_json(), "epochs": 3}), progress=False)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"fold": 3}, "--fold is 3; this run has folds 0 to 2"),
        ({"fold": -1}, "--fold is -1"),
        ({"resume": True}, "nothing to resume"),
        ({"device": "cuda:7"} if not torch.cuda.is_available() else {"device": "tpu"}, "--device is"),
    ],
)
def test_bad_options(tiny, tmp_path, kwargs, match):
    with pytest.raises(InputError, match=match):
        train_cv(tiny, tmp_path / "run", QUICK, progress=False, **kwargs)
    assert not (tmp_path / "run").exists()  # nothing written for a refused call


def test_fewer_patients_than_folds(tiny, tmp_path):
    with pytest.raises(InputError, match="--folds is 7 but the data holds 6 patient"):
        train_cv(tiny, tmp_path / "run", TrainConfig(**{**QUICK.to_json(), "folds": 7}), progress=False)
    assert not (tmp_path / "run").exists()


def test_no_cases(tmp_path):
    (tmp_path / "data").mkdir()
    with pytest.raises(InputError, match="holds no case folders"):
        train_cv(tmp_path / "data", tmp_path / "run", QUICK, progress=False)


# --- the CLI ------------------------------------------------------------------------------------------

QUICK_ARGS = ["--epochs", "1", "--size", "32", "--features", "4", "--depth", "2", "--batch-size", "8",
              "--samples-per-epoch", "16", "--quiet"]  # fmt: skip


def test_cli_trains_and_resumes(tiny, tmp_path):
    runner = CliRunner()
    out = tmp_path / "run"
    result = runner.invoke(
        rg, ["train", str(tiny), "--folds", "2", "--out", str(out), "--fold", "0", *QUICK_ARGS]
    )
    assert result.exit_code == 0, result.output
    assert "fold 0: trained" in result.output and "folds not done yet: 1" in result.output
    result = runner.invoke(rg, ["train", str(tiny), "--out", str(out), "--resume", "-q"])
    assert result.exit_code == 0, result.output
    assert "fold 0: already done" in result.output and "all folds done: per-patient Dice" in result.output
    assert (out / "oof_dice.csv").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--folds", "2", "--fold", "2"], "Error: --fold is 2; this run has folds 0 to 1, or all"),
        (["--folds", "2", "--fold", "last"], "Error: --fold is last; give a fold number (0 … K-1) or all"),
        (["--folds", "9"], "Error: --folds is 9 but the data holds 6 patient(s)"),
        (["--resume"], "nothing to resume"),
        (["--size", "30"], "Error: --size is 30; expected a multiple of 2**depth = 4"),
        (["--sample-background", "-1"], "Error: --sample-background is -1.0; expected 0 or more"),
        (["--average-last", "2"], "Error: --average-last is 2; expected 0 to --epochs (1)"),
    ],
)
def test_cli_errors_one_line(tiny, tmp_path, args, message):
    result = CliRunner().invoke(rg, ["train", str(tiny), "--out", str(tmp_path / "run"), *QUICK_ARGS, *args])
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_cli_fold_all(tiny, tmp_path):
    out = tmp_path / "run"
    result = CliRunner().invoke(rg, ["train", str(tiny), "--folds", "2", "--out", str(out), "--fold", "all",
                                     "--inner-val", "0", *QUICK_ARGS])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "fold all: trained to epoch 1 on all 6 case(s)" in result.output
    assert (out / "fold_all" / "model.pt").is_file() and not (out / "oof_masks").exists()


def test_cli_resume_refuses_config_options(quick_run, tiny):
    result = CliRunner().invoke(
        rg, ["train", str(tiny), "--out", str(quick_run.run), "--resume", "--epochs", "5"]
    )
    assert result.exit_code == 1
    assert "--epochs: --resume goes on with the run's saved config" in result.output


def test_cli_other_config_says_how_to_start_fresh(quick_run, tiny):
    result = CliRunner().invoke(rg, ["train", str(tiny), "--out", str(quick_run.run), "--folds", "3", "-q"])
    assert result.exit_code == 1 and "start fresh" in result.output


def test_cli_help_has_example():
    result = CliRunner().invoke(rg, ["train", "--help"])
    assert result.exit_code == 0 and "rg train ~/lgg/kaggle_3m --folds 22 --out runs/lgg" in result.output


# --- slow: real learning, a real kill ------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("loss", ["dice", "dice+boundary"])
def test_learns_synthetic_tumours(tmp_path, loss):
    """A small U-Net reaches per-case Dice > 0.8 on its own training cases (64² slices), with each loss.

    12 epochs of 256 draws (192 steps): ~6 s on 2 idle cores (speed is the benchmarks' business: a time limit
    here failed on a shared machine, where oversubscribed threads spin and inflate CPU time 60-fold).
    """
    data = synth_cohort(
        tmp_path / "cohort", CohortConfig(cases=8, seed=0, size=64, min_slices=12, max_slices=16)
    )
    config = TrainConfig(
        folds=2, epochs=12, size=64, features=8, depth=3, samples_per_epoch=256, lr=3e-3, loss=loss
    )
    train_cv(data, tmp_path / "run", config, fold=0, progress=False)
    model = load_model(tmp_path / "run" / "fold_0" / "model.pt")
    plan = json.loads((tmp_path / "run" / "folds.json").read_text())
    scores = []
    for name in plan["folds"][0]["train"]:
        case = read_case(data / name)
        scores.append(dice(segment_volume([model], case.image).mask, case.mask))
    assert min(scores) > 0.8, scores


def _train_command(data, out, threads=1):
    args = ["train", str(data), "--out", str(out), "--folds", "2", "--fold", "0", "--epochs", "4", "--size",
            "64", "--features", "8", "--depth", "3", "--samples-per-epoch", "320", "--threads", str(threads), "-q",
            "--inner-val", "0.34"]  # an inner validation patient: the chosen checkpoint is resumed too  # fmt: skip
    code = "import sys; from cli.main import rg; rg(sys.argv[1:])"
    return [sys.executable, "-c", code, *args]


@pytest.mark.slow
def test_kill_mid_epoch_and_resume_matches_uninterrupted(tmp_path):
    """SIGKILL a training process mid-epoch, start it again: same weights and Dice as a run never killed.

    Tolerance: none needed on one machine with one thread count (the run is bit-for-bit the same); we
    allow 1e-6 on weights and Dice for other BLAS builds.
    """
    data = synth_cohort(
        tmp_path / "cohort", CohortConfig(cases=6, seed=2, size=64, min_slices=10, max_slices=12)
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    subprocess.run(
        _train_command(data, tmp_path / "whole"), check=True, cwd=REPO, env=env, capture_output=True
    )

    killed = tmp_path / "killed"
    process = subprocess.Popen(_train_command(data, killed), cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)  # fmt: skip
    log = killed / "fold_0" / "log.csv"
    deadline = time.monotonic() + 120
    while not (log.exists() and len(pd.read_csv(log)) >= 2) and time.monotonic() < deadline:
        time.sleep(0.02)
    epoch_seconds = float(pd.read_csv(log)["seconds"].iloc[-1])
    time.sleep(epoch_seconds / 2)  # into epoch 3 of 4
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert not (killed / "fold_0" / "done.json").exists(), "killed too late: the fold had finished"
    saved = torch.load(killed / "fold_0" / "checkpoint.pt", weights_only=True)
    assert 2 <= saved["epoch"] < 4

    subprocess.run(_train_command(data, killed), check=True, cwd=REPO, env=env, capture_output=True)
    whole = torch.load(tmp_path / "whole" / "fold_0" / "model.pt", weights_only=True)["state_dict"]
    resumed = torch.load(killed / "fold_0" / "model.pt", weights_only=True)["state_dict"]
    for name, tensor in whole.items():
        assert torch.allclose(resumed[name].float(), tensor.float(), rtol=0, atol=1e-6), name
    a = pd.read_csv(tmp_path / "whole" / "fold_0" / "test_dice.csv")
    b = pd.read_csv(killed / "fold_0" / "test_dice.csv")
    assert np.allclose(a["dice"], b["dice"], atol=1e-6)
    log_whole = pd.read_csv(tmp_path / "whole" / "fold_0" / "log.csv")
    log_resumed = pd.read_csv(killed / "fold_0" / "log.csv")
    assert np.allclose(log_whole[["loss", "val_dice"]], log_resumed[["loss", "val_dice"]], atol=1e-6)


def test_bank_decodes_to_preprocessed_volume(tiny):
    """The uint8 bank decodes to the float32 preprocessing within the quantisation (1/255 of the window)."""
    from segmentation.dataset import load_bank
    from segmentation.preprocess import preprocess_volume

    bank = load_bank(tiny, size=32)
    assert bank.images.dtype == torch.uint8 and len(bank.cases) == 6
    case = bank.cases[2]
    raw = read_case(case.path)
    expected = preprocess_volume(raw.image, raw.mask, size=32)
    decoded = bank.volume(case).numpy()
    assert np.abs(decoded - expected.image).max() < 0.5 / 255 / expected.image.std() * 10
    assert np.allclose(decoded.mean(axis=(0, 2, 3)), 0, atol=1e-4)
    assert np.array_equal(bank.mask(slice(case.start, case.start + case.count)).numpy(), expected.mask)
    assert np.array_equal(bank.areas()[case.start : case.start + case.count], expected.mask.sum(axis=(1, 2)))
    index = torch.tensor([case.start + 3, case.start])
    assert np.array_equal(bank.mask(index).numpy(), expected.mask[[3, 0]])


def test_manifest_subset_with_an_empty_fold(tiny, tmp_path, monkeypatch):
    """DATA is part of a manifest dataset: its frozen folds are used; a fold with no case present is empty."""
    import types

    names = [d.name for d in find_case_dirs(tiny)]
    table = pd.DataFrame({"case": [*names, "TCGA_SX_9999_20000101"], "fold": [0, 0, 1, 1, 0, 1, 2]})
    module = types.ModuleType("radiogenomics.manifest")
    module.read_manifest = lambda path=None: table
    monkeypatch.setitem(sys.modules, "radiogenomics.manifest", module)
    result = CliRunner().invoke(
        rg, ["train", str(tiny), "--folds", "3", "--out", str(tmp_path / "run"), *QUICK_ARGS]
    )
    assert result.exit_code == 0, result.output
    assert "fold 2: no case of this fold in DATA" in result.output and "all folds done" in result.output
    plan = json.loads((tmp_path / "run" / "folds.json").read_text())
    assert plan["source"] == "manifest" and plan["folds"][2]["test"] == []
    assert sorted(plan["folds"][0]["test"]) == sorted([names[0], names[1], names[4]])
    assert len(pd.read_csv(tmp_path / "run" / "oof_dice.csv")) == 6


def test_bank_masks_unpack_when_size_squared_is_not_a_multiple_of_8():
    from segmentation.dataset import SliceBank

    masks = np.random.default_rng(0).random((4, 3, 3)) > 0.5
    packed = torch.from_numpy(np.packbits(masks.reshape(4, -1), axis=1))
    bank = SliceBank(torch.zeros(4, 3, 3, 3, dtype=torch.uint8), packed,
                     torch.from_numpy(masks.sum(axis=(1, 2))), torch.zeros(4, 3), torch.ones(4, 3), ())  # fmt: skip
    assert packed.shape == (4, 2)
    assert np.array_equal(bank.mask(slice(0, 4)).numpy(), masks)
    assert np.array_equal(bank.mask(torch.tensor([2, 0])).numpy(), masks[[2, 0]])
