"""The default model shipped inside the package: its card, its hash, its size, and its masks of real cases.

Its training cases are the shipped LGG cases, so its masks of them are in-sample: the floor below is the
card's cross-validated Dice (models that did not see the case), which in-sample masks must clear.
"""

import json
import shutil

import pandas as pd
import pytest
import torch

from radiogenomics.case_io import read_case
from radiogenomics.errors import InputError
from segmentation import model_files
from segmentation.metrics import dice
from segmentation.model import file_sha256
from segmentation.predict import segment_volume
from segmentation.training_cases import for_models

torch.set_num_threads(2)


def _card() -> dict:
    return json.loads((model_files.WEIGHTS / f"{model_files.DEFAULT_MODEL}.json").read_text())


def test_default_model_ships_with_a_card_that_names_its_hash():
    card = _card()
    assert model_files.DEFAULT_MODEL in model_files.shipped_models()
    for item in card["files"]:
        assert file_sha256(model_files.WEIGHTS / item["file"]) == item["sha256"]
    total = sum(p.stat().st_size for p in model_files.WEIGHTS.iterdir())
    assert total <= 20 * 2**20  # weights and cards together
    for key in ("headline", "input", "intended_use", "limits", "training", "recipe", "cross_validation",
                "software", "reproduce"):  # fmt: skip
        assert card[key], key
    assert set(card["cross_validation"]["feature_icc21_auto_vs_manual"]) >= {"ASD", "MF", "BEVR"}


def test_the_cards_training_cases_are_found_by_the_weights_hash():
    card = _card()
    training = for_models(item["sha256"] for item in card["files"][:1])  # one member is enough
    assert training.source == f"model card {model_files.DEFAULT_MODEL}"
    assert training.cases == tuple(sorted(card["training"]["case_list"])) and len(training.cases) == 81
    assert for_models(["0" * 64]) is None  # a model no card names
    first = training.cases[0]
    patient = first.rsplit("_", 1)[0]
    marks = training.marks([first, f"{patient}_20990101", "TCGA_ZZ_0000_20000101", "case1"])
    assert marks == [True, True, False, False]  # another scan of a training patient is in-sample too


def test_default_model_loads_checked(tmp_path, monkeypatch):
    models = model_files.load_models()
    assert [model.sha256 for model in models] == [item["sha256"] for item in _card()["files"]]
    assert all(model.in_channels == 3 for model in models)
    copy = tmp_path / "weights"
    shutil.copytree(model_files.WEIGHTS, copy)
    weights = copy / _card()["files"][-1]["file"]
    data = bytearray(weights.read_bytes())
    data[-100] ^= 1  # one bit of one weight
    weights.write_bytes(bytes(data))
    monkeypatch.setattr(model_files, "WEIGHTS", copy)
    with pytest.raises(InputError, match="sha256 is .* its model card says .* reinstall rg"):
        model_files.load_models()


@pytest.mark.slow
def test_default_model_segments_real_cases_above_its_cv_dice(lgg_root, lgg_cases_csv):
    models = model_files.load_models()
    shipped = pd.read_csv(lgg_cases_csv).query("images_ship == 'yes'")["case"].sort_values()
    scores = []
    for name in shipped.iloc[:2]:
        case = read_case(lgg_root / "kaggle_3m" / name)
        scores.append(dice(segment_volume(models, case.image).mask, case.mask))
    floor = _card()["cross_validation"]["dice_per_patient_mean"]
    assert min(scores) > floor, (scores, floor)
