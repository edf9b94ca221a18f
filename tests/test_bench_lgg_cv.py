"""benchmarks.lgg_cv's options: the retrain script of the shipped model trains preset ``fast``'s recipe, at two seeds."""

import shlex
from dataclasses import replace
from pathlib import Path

import pytest

from benchmarks.lgg_cv import build_parser, train_config
from study.presets import FAST

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "retrain-default-model"


def _lgg_cv_calls(script: str) -> list[list[str]]:
    """The options of each of the script's ``python -m benchmarks.lgg_cv`` calls, continuation lines joined."""
    words = shlex.split(script.replace("\\\n", " "), comments=True)
    calls = []
    for start in (i + 1 for i, word in enumerate(words) if word == "benchmarks.lgg_cv"):
        stop = words.index("python", start)
        calls.append(words[start:stop])
    return calls


def _recipe_options(options: list[str]) -> list[str]:
    """The options without those that may differ between the two seeds' calls (seed, split, folder)."""
    kept, skip = [], False
    for word in options:
        if skip:
            skip = False
        elif word in ("--seed", "--split-from", "--out"):
            skip = True
        else:
            kept.append(word)
    return kept


def test_the_retrain_script_trains_the_recipe_of_preset_fast_at_two_seeds_on_one_split():
    calls = _lgg_cv_calls(SCRIPT.read_text())
    assert len(calls) == 2
    configs = [train_config(build_parser().parse_args(options)) for options in calls]
    assert configs[0] == FAST.train  # seed 0: the preset's own CV
    assert replace(configs[1], seed=FAST.train.seed) == FAST.train and configs[1].seed != FAST.train.seed
    assert all("--final" in options for options in calls)  # the shipped models: every case, after the CV
    assert _recipe_options(calls[0]) == _recipe_options(calls[1])
    second = build_parser().parse_args(calls[1])
    assert second.split_from is not None  # the second seed on the first seed's folds


def test_a_changed_option_is_seen():
    options = _lgg_cv_calls(SCRIPT.read_text())[0]
    changed = [*options, "--modality-dropout", "0.1"]
    assert train_config(build_parser().parse_args(changed)) != FAST.train


def test_benchmarks_read_the_data_named_by_rg_lgg_data(tmp_path, monkeypatch):
    from benchmarks.lgg_data import default_data

    monkeypatch.setenv("RG_LGG_DATA", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="no data.csv there; name a kaggle_3m folder"):
        default_data()
    (tmp_path / "data.csv").write_text("Patient\n")
    assert default_data() == tmp_path
