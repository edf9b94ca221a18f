"""Every choice list of the CLI equals the library's (the CLI keeps copies so that `rg --help` stays fast)."""

import click
import pytest

from cli.main import rg


def library_choices() -> dict[tuple[str, str], tuple[str, ...]]:
    """(command, option) -> the library's list; a new click.Choice must be added here."""
    from radiogenomics.classify.design import FEATURE_SETS
    from radiogenomics.classify.models import MODEL_NAMES
    from radiogenomics.stats.associate import TESTS
    from radiogenomics.stats.hypotheses import PRESETS
    from radiogenomics.stats.multitest import CORRECTIONS
    from segmentation.config import PRECISIONS
    from segmentation.folds import SPLITS
    from segmentation.losses import LOSSES
    from segmentation.metrics import CONNECTIVITIES
    from segmentation.unet import NORMS
    from study.presets import REPRODUCE_PRESETS

    return {
        ("associate", "tests"): TESTS,
        ("associate", "correction"): CORRECTIONS,
        ("associate", "preset"): tuple(PRESETS),
        ("train", "norm"): NORMS,
        ("train", "loss"): LOSSES,
        ("train", "split"): SPLITS,
        ("train", "precision"): PRECISIONS,
        ("segment", "precision"): PRECISIONS,
        ("classify", "sets"): FEATURE_SETS,
        ("classify", "models"): MODEL_NAMES,
        ("classify", "permutation_models"): MODEL_NAMES,
        ("segment", "connectivity"): tuple(str(c) for c in CONNECTIVITIES),
        ("reproduce", "preset"): REPRODUCE_PRESETS,
        ("reproduce", "norm"): NORMS,
        ("reproduce", "precision"): PRECISIONS,
    }


def cli_choices(group: click.Group = rg, path: str = "") -> dict[tuple[str, str], tuple[str, ...]]:
    found = {}
    for name, command in group.commands.items():
        full = f"{path} {name}".strip()
        if isinstance(command, click.Group):
            found.update(cli_choices(command, full))
            continue
        for param in command.params:
            if isinstance(param.type, click.Choice):
                found[(full, param.name)] = tuple(param.type.choices)
    return found


def test_every_cli_choice_list_is_registered():
    assert set(cli_choices()) == set(library_choices())


@pytest.mark.parametrize("key", sorted(library_choices()))
def test_cli_choice_list_equals_the_library(key):
    assert set(cli_choices()[key]) == set(library_choices()[key]), f"rg {key[0]} --{key[1]}"
