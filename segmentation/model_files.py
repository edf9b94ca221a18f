"""Which model files ``--model`` means: a run folder, a model file, or the name of a model shipped with rg.

- a **run folder** of ``rg train``: its folds' chosen models ``fold_K/model.pt`` (an ensemble: their
  probabilities are averaged), or one of them (``fold="K"``; ``fold="all"``: the model trained on every case);
- a **model file** (``model.pt``, or a training ``checkpoint.pt``: the last epoch's weights);
- a **name**: a model shipped inside the package, ``segmentation/weights/<name>.json`` (its model card:
  ``files`` and their ``sha256``, ``headline``, training data, CV figures), its weight files beside it.
  Loading checks each file's sha256 against the card. ``None`` means :data:`DEFAULT_MODEL`.
"""

import json
from dataclasses import dataclass
from pathlib import Path

from radiogenomics.errors import InputError

#: Where shipped models live (package data).
WEIGHTS = Path(__file__).resolve().parent / "weights"
#: The model ``rg segment`` uses without ``--model``.
DEFAULT_MODEL = "lgg-flair"


@dataclass(frozen=True)
class ModelFile:
    """One weight file to load, and the sha256 it must have (shipped models) or None."""

    path: Path
    sha256: str | None = None


def shipped_models() -> dict[str, dict]:
    """The model cards of the models shipped in the package, by name."""
    cards = {}
    for path in sorted(WEIGHTS.glob("*.json")):
        try:
            card = json.loads(path.read_text())
        except json.JSONDecodeError as err:
            raise InputError(f"{path}: model card is not valid JSON ({err}); reinstall rg") from err
        cards[path.stem] = card
    return cards


def _run_models(run: Path, fold: str | None) -> list[ModelFile]:
    if fold is not None:
        path = run / f"fold_{fold}" / "model.pt"
        if not path.is_file():
            raise InputError(
                f"{run}: no {path.relative_to(run)}; that fold is not trained (finish it with rg train)"
            )
        return [ModelFile(path)]
    folds = sorted(
        (int(p.parent.name[5:]), p) for p in run.glob("fold_*/model.pt") if p.parent.name[5:].isdigit()
    )
    if folds:
        return [ModelFile(path) for _, path in folds]
    if (run / "fold_all" / "model.pt").is_file():
        return [ModelFile(run / "fold_all" / "model.pt")]
    raise InputError(
        f"{run}: holds no trained fold (fold_K/model.pt); train it with rg train, or give a model file"
    )


def resolve_model_files(spec: str | Path | None = None, *, fold: str | None = None) -> list[ModelFile]:
    """The weight files that ``--model spec [--fold K]`` names (see the module text).

    Raises :class:`InputError` naming the fix when nothing fits.
    """
    if spec is None:
        spec = DEFAULT_MODEL
    path = Path(spec)
    if path.is_dir():
        return _run_models(path, fold)
    if fold is not None:
        raise InputError(f"--fold {fold}: only a run folder has folds; {spec} is not a folder")
    if path.is_file():
        return [ModelFile(path)]
    cards = shipped_models()
    if str(spec) in cards:
        card = cards[str(spec)]
        return [ModelFile(WEIGHTS / item["file"], item["sha256"]) for item in card["files"]]
    available = ", ".join(cards) or "none ships with this version yet"
    if str(spec) == DEFAULT_MODEL:
        raise InputError(
            f"no default model ({DEFAULT_MODEL}) ships with this version of rg; give --model a run folder of "
            "rg train or a model file"
        )
    raise InputError(
        f"--model {spec}: no such run folder, model file or shipped model (shipped: {available}); "
        "give a run folder of rg train, a model.pt, or a shipped model's name (rg models lists them)"
    )


def load_models(spec: str | Path | None = None, *, fold: str | None = None, device="cpu") -> list:
    """Load what ``--model spec [--fold K]`` names: a list of :class:`~segmentation.model.LoadedModel`."""
    from segmentation.model import load_model

    return [load_model(f.path, device=device, sha256=f.sha256) for f in resolve_model_files(spec, fold=fold)]
