"""``benchmarks.ship_model``: one model or a seeds' ensemble into the package, with a card rg checks and uses.

Mechanics with small untrained models on a synthetic cohort (the real shipped model: test_shipped_model.py).
"""

import json
import sys
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import torch
from click.testing import CliRunner

from benchmarks import ship_model
from cli.main import rg
from radiogenomics.case_io import find_case_dirs
from radiogenomics.synthetic import CohortConfig, synth_cohort
from segmentation import model_files
from segmentation.config import TrainConfig
from segmentation.model import build_model, cpu_state, file_sha256, save_model

torch.set_num_threads(2)
NET = TrainConfig(size=32, features=4, depth=2, batch_size=2)


def test_agreement_check_against_hand_computed_values():
    table = pd.DataFrame(
        {"agreement": [0.9, 0.8, 0.5, 0.3, 0.95, 0.75], "dice": [0.85, 0.9, 0.2, 0.1, 0.8, 0.0]}
    )
    check = ship_model.agreement_check(table)
    # ranks: agreement 5 4 2 1 6 3, Dice 5 6 3 2 4 1; sum of squared differences 14; 1 - 6 * 14 / (6 * 35)
    assert check["spearman_rho"] == pytest.approx(0.6)
    assert check["cases_flagged"] == 2 and check["dice_mean_flagged"] == pytest.approx(0.15)
    assert check["dice_mean_others"] == pytest.approx((0.85 + 0.9 + 0.8 + 0.0) / 4)
    assert check["cases_with_dice_below_flag_not_flagged"] == 1  # Dice 0 at agreement 0.75


def _run(root, name: str, config: TrainConfig, cases: list[str], dice: float):
    """A finished run folder as benchmarks.lgg_cv --final leaves it (an untrained model stands for the trained)."""
    run = root / name
    (run / "fold_all").mkdir(parents=True)
    torch.manual_seed(config.seed)
    save_model(
        run / "fold_all" / "model.pt", cpu_state(build_model(config, 3)), config, in_channels=3, epoch=4
    )
    done = {"train": cases, "best_epoch": 4, "seconds": 60.0, "versions": {"device": "cpu", "threads": 2}}
    (run / "fold_all" / "done.json").write_text(json.dumps(done))
    (run / "summary.json").write_text(
        json.dumps({"dice_per_patient_mean": dice, "dice_per_patient_median": dice})
    )
    return run


def _ensemble_cv(root):
    """benchmarks.lgg_ensemble --out's files, then benchmarks.lgg_science's (figures made up): eight out-of-fold
    cases, two flagged (agreement < 0.7) whose features are off; the others' features equal the manual ones'."""
    cv = root / "ens"
    (cv / "science").mkdir(parents=True)
    (cv / "summary.json").write_text(
        json.dumps({"dice_per_patient_mean": 0.8, "dice_per_patient_median": 0.85})
    )
    dice = {"n": 8, "mean": 0.8, "median": 0.85, "mean_ci": [0.7, 0.9]}
    science = {"metrics": {"dice": dice}, "units": "pixels", "icc": {"MF": {"icc2_1": 0.6}}, "study2019": []}
    (cv / "science" / "summary.json").write_text(json.dumps(science))
    patients = [f"TCGA_AA_{i:04d}" for i in range(8)]
    cases = [f"{p}_20000101" for p in patients]
    table = pd.DataFrame({"case": cases, "dice": [0.9, 0.1, 0.8, 0.85, 0.0, 0.75, 0.6, 0.9],
                          "agreement": [0.9, 0.2, 0.85, 0.95, 0.5, 0.8, 0.9, 0.7]})  # fmt: skip
    table.to_csv(cv / "oof_dice.csv", index=False)
    manual = np.random.default_rng(0).uniform(0.1, 1.0, (8, 4)) * [0.1, 0.05, 0.5, 20000]
    predicted = manual.copy()
    predicted[[1, 4]] = manual[[4, 1]] * 3  # the flagged cases: masks on the wrong structure
    for name, values in (("predicted", predicted), ("manual", manual)):
        frame = pd.DataFrame(values, columns=["ASD", "MF", "BEVR", "volume"])
        frame.insert(0, "status", "ok")
        frame.insert(0, "case", cases)
        frame.insert(0, "patient", patients)
        frame.to_csv(cv / "science" / f"features_{name}.csv", index=False)
    return cv


@pytest.fixture
def shipping(tmp_path, monkeypatch):
    """A synthetic cohort, two seeds' runs of one recipe, their ensemble's CV, and an empty weights folder."""
    data = synth_cohort(tmp_path / "data", CohortConfig(cases=3, seed=3, size=64, min_slices=6, max_slices=8))
    cases = [c.name for c in find_case_dirs(data)]
    runs = [_run(tmp_path, f"s{seed}", replace(NET, seed=seed), cases, 0.7 + seed / 100) for seed in (0, 1)]
    weights = tmp_path / "weights"
    weights.mkdir()
    monkeypatch.setattr(model_files, "WEIGHTS", weights)
    monkeypatch.setattr(model_files, "DEFAULT_MODEL", "toy")
    return data, runs, _ensemble_cv(tmp_path), weights


def _ship(monkeypatch, *args):
    monkeypatch.setattr(sys, "argv", ["ship_model", *map(str, args)])
    ship_model.main()


def test_an_ensemble_ships_as_checked_files_that_rg_segment_uses_by_default(shipping, monkeypatch, tmp_path):
    data, runs, cv, weights = shipping
    (weights / "toy.pt").write_bytes(b"an earlier single model of this name")
    (weights / "toy-extra.pt").write_bytes(b"another model's file")
    _ship(monkeypatch, *runs, "--cv", cv, "--name", "toy", "--data", data, "--check", 2)

    card = json.loads((weights / "toy.json").read_text())
    assert [item["file"] for item in card["files"]] == ["toy-1.pt", "toy-2.pt"]
    assert [item["seed"] for item in card["files"]] == [0, 1] and card["ensemble"]["seeds"] == [0, 1]
    for item in card["files"]:
        assert file_sha256(weights / item["file"]) == item["sha256"]
    assert not (weights / "toy.pt").exists() and (weights / "toy-extra.pt").exists()
    assert card["headline"].startswith("ensemble of 2 2D U-Nets (32², 4 features, batch norm; seeds 0, 1,")
    assert card["cross_validation"]["dice_per_patient_mean"] == 0.8  # the ensemble's CV, not a member's
    assert [m["dice_per_patient_mean"] for m in card["cross_validation"]["members_alone"]] == [0.7, 0.71]
    check = card["cross_validation"]["agreement"]
    assert check["cases_flagged"] == 2 and check["cases_with_dice_below_flag_not_flagged"] == 1  # Dice 0.6
    kept = check["feature_icc21_where_not_flagged"]
    assert [kept[f]["n"] for f in ("ASD", "MF", "BEVR")] == [6, 6, 6]
    assert [kept[f]["icc21"] for f in ("ASD", "MF", "BEVR")] == pytest.approx([1.0] * 3)  # identical features
    assert card["cross_validation"]["feature_icc21_auto_vs_manual"] == {"MF": {"icc2_1": 0.6}}  # every case
    assert card["limits"][-1].endswith("Without the flagged cases, ICC(2,1) MF 1.00, BEVR 1.00.")
    assert card["storage_check"]["dice_float16_vs_float32_masks_min"] > 0.9
    assert len(model_files.resolve_model_files("toy")) == 2

    images = tmp_path / "out"
    result = CliRunner().invoke(rg, ["segment", str(data), "--out", str(images), "-q"])
    assert result.exit_code == 0, result.output
    assert pd.read_csv(images / "cases.csv")["agreement"].notna().all()  # two models: their agreement


def test_one_run_ships_as_one_file_and_replaces_an_ensemble(shipping, monkeypatch):
    data, runs, _, weights = shipping
    (weights / "toy-1.pt").write_bytes(b"an earlier member")
    (weights / "toy-2.pt").write_bytes(b"an earlier member")
    (runs[0] / "science").mkdir()
    (runs[0] / "science" / "summary.json").write_text((shipping[2] / "science" / "summary.json").read_text())
    _ship(monkeypatch, runs[0], "--name", "toy", "--data", data, "--check", 1)
    card = json.loads((weights / "toy.json").read_text())
    assert [item["file"] for item in card["files"]] == ["toy.pt"]
    assert sorted(p.name for p in weights.glob("*.pt")) == ["toy.pt"]
    assert "agreement" not in card["cross_validation"] and card["headline"].startswith("2D U-Net")


def test_members_of_other_recipes_or_cases_are_refused(shipping, monkeypatch, tmp_path):
    data, runs, cv, _ = shipping
    wider = _run(tmp_path, "wide", replace(NET, seed=1, features=8), ["TCGA_SA_A000_20100101"], 0.7)
    with pytest.raises(SystemExit, match="recipe differs .* beyond the seed"):
        _ship(monkeypatch, runs[0], wider, "--cv", cv, "--name", "toy", "--data", data)
    other = _run(tmp_path, "other", replace(NET, seed=1), ["TCGA_SA_A000_20100101"], 0.7)
    with pytest.raises(SystemExit, match="trained on other cases"):
        _ship(monkeypatch, runs[0], other, "--cv", cv, "--name", "toy", "--data", data)
    with pytest.raises(SystemExit, match="--cv: an ensemble's card needs"):
        _ship(monkeypatch, *runs, "--name", "toy", "--data", data)
