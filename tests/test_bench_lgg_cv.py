"""benchmarks.lgg_cv's options: the retrain script of the shipped model trains preset ``fast``'s recipe."""

import shlex
from pathlib import Path

from benchmarks.lgg_cv import build_parser, train_config
from study.presets import FAST

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "retrain-default-model"


def _lgg_cv_options(script: str) -> list[str]:
    """The options of the script's ``python -m benchmarks.lgg_cv`` call, its continuation lines joined."""
    words = shlex.split(script.replace("\\\n", " "), comments=True)
    start = words.index("benchmarks.lgg_cv") + 1
    stop = words.index("python", start)
    return words[start:stop]


def test_the_retrain_script_trains_the_recipe_of_preset_fast():
    options = _lgg_cv_options(SCRIPT.read_text())
    assert "--final" in options  # the shipped model: every case, after the CV
    assert train_config(build_parser().parse_args(options)) == FAST.train


def test_a_changed_option_is_seen():
    options = _lgg_cv_options(SCRIPT.read_text())
    changed = [*options, "--modality-dropout", "0.1"]
    assert train_config(build_parser().parse_args(changed)) != FAST.train
