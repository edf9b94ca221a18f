"""Ship a run's final model inside the package: half-precision weights and their model card.

Takes ``RUN/fold_all/model.pt`` (``benchmarks.lgg_cv --final``), the run's CV figures (``RUN/summary.json``)
and what the science needs (``RUN/science/summary.json``, ``benchmarks.lgg_science``), and writes
``segmentation/weights/<name>.pt`` (float16 storage: half the bytes) and ``<name>.json`` (the card: the
file's sha256, training cases, recipe, CV figures with CIs, software versions, input expectations,
intended use and limits). Before writing, it segments ``--check`` cases with the float32 and the float16
weights and records how far their masks differ (storage must not change the CV numbers).

Usage::

    .venv/bin/python -m benchmarks.ship_model RUN --name lgg-flair [--data .cache/lgg/kaggle_3m]
"""

import argparse
import json
import time
from datetime import date
from pathlib import Path

from benchmarks.lgg_data import lgg_root
from radiogenomics.atomic import write_json

INPUT = (
    "Three MR channels per slice in the LGG dataset's order: pre-contrast, FLAIR, post-contrast (the "
    "Kaggle lgg-mri-segmentation layout <case>/<case>_<n>.tif as RGB slices, or NIfTI <case>_0000/1/2.nii.gz or "
    "one 3-channel file); axial slices of any size (resampled to the model's side and back); intensities as "
    "acquired (each volume is normalised by its own percentiles)."
)
INTENDED_USE = (
    "Research: masks of the FLAIR abnormality of lower-grade gliomas (WHO grade II-III), for shape features "
    "and their association with genomic subtypes. Not a medical device; not for diagnosis or treatment."
)
LIMITS = [
    "Trained on {cases} cases of {institutions} TCGA institutions (the public LGG set); other scanners, protocols, "
    "tumour types or skull-stripped inputs are untested.",
    "Its own training cases are in-sample: its masks of them are not an estimate of accuracy; the CV figures "
    "are (models trained on {share} of the cases, scored on the rest).",
    "2D slice model at {size}² (masks upsampled to the input size): margins are coarser than a 256² model's; "
    "shape features of its masks agree with the manual masks' only as far as the ICCs below say.",
    "Largest 3D component kept: a multifocal tumour loses its smaller foci.",
]


def half(state: dict) -> dict:
    """The state dict with floating tensors stored as float16 (integer buffers unchanged)."""
    return {k: v.half() if v.is_floating_point() else v for k, v in state.items()}


def storage_check(full, halved, cases: list[Path]) -> dict:
    """Masks of the float32 and float16 weights on ``cases``: their Dice to each other and to the manual masks."""
    import numpy as np

    from radiogenomics.case_io import read_case
    from segmentation.metrics import dice
    from segmentation.predict import segment_volume

    between, manual_full, manual_half = [], [], []
    for path in cases:
        case = read_case(path)
        a = segment_volume([full], case.image).mask
        b = segment_volume([halved], case.image).mask
        between.append(dice(a, b))
        manual_full.append(dice(a, case.mask))
        manual_half.append(dice(b, case.mask))
    return {
        "cases": len(cases),
        "dice_float16_vs_float32_masks_mean": float(np.mean(between)),
        "dice_float16_vs_float32_masks_min": float(np.min(between)),
        "dice_to_manual_float32_mean": float(np.mean(manual_full)),
        "dice_to_manual_float16_mean": float(np.mean(manual_half)),
        "note": "in-sample cases (the model trained on them): a check of storage, not of accuracy",
    }


def card(name: str, run: Path, model, weights: Path, sha256: str, storage: dict) -> dict:
    """The model card (see the module text)."""
    from radiogenomics.case_io import parse_case_name
    from radiogenomics.versions import software_versions

    config = model.config
    cv, science = (json.loads((run / f).read_text()) for f in ("summary.json", "science/summary.json"))
    done = json.loads((run / "fold_all" / "done.json").read_text())
    cases = sorted(done["train"])
    patients = sorted({parse_case_name(c)[0] for c in cases})
    institutions = sorted({parse_case_name(c)[1] for c in cases})
    dice = science["metrics"]["dice"]
    headline = (
        f"2D U-Net ({config.size}², {config.features} features, {config.norm} norm), FLAIR abnormality of "
        "lower-grade gliomas; "
        f"trained on {len(cases)} LGG cases; {config.folds}-fold CV Dice {dice['mean']:.3f} mean / "
        f"{dice['median']:.3f} median; research use only"
    )
    return {
        "name": name,
        "headline": headline,
        "created": date.today().isoformat(),
        "files": [
            {
                "file": weights.name,
                "sha256": sha256,
                "bytes": weights.stat().st_size,
                "storage": "float16 (loaded into float32)",
            }
        ],
        "input": INPUT,
        "output": "A binary mask per slice in the input's geometry (threshold 0.5, largest 3D component).",
        "intended_use": INTENDED_USE,
        "limits": [
            text.format(
                cases=len(cases),
                institutions=len(institutions),
                size=config.size,
                share=f"{config.folds - 1}/{config.folds}",
            )
            for text in LIMITS
        ],
        "training": {
            "data": "The public LGG MRI segmentation set (TCGA-LGG, Buda et al. 2019; Kaggle "
            "'lgg-mri-segmentation'): the cases whose images this project's data ships",
            "cases": len(cases),
            "patients": len(patients),
            "institutions": institutions,
            "case_list": cases,
            "epochs": done["best_epoch"],
            "checkpoint": (
                f"the mean of the last {config.average_last} epochs' weights"
                if config.average_last
                else "last epoch (no inner validation: the CV measured it better than choosing by it)"
            ),
            "seconds": round(done["seconds"]),
            "device": done["versions"]["device"],
            "threads": done["versions"]["threads"],
        },
        "recipe": config.to_json(),
        "cross_validation": {
            "what": f"{config.folds}-fold patient-level CV of the same recipe on the same {len(cases)} cases; each "
            "case's mask from the fold model that did not train on it",
            "dice_per_patient_mean": cv["dice_per_patient_mean"],
            "dice_per_patient_median": cv["dice_per_patient_median"],
            "metrics": science["metrics"],
            "units": science["units"],
            "feature_icc21_auto_vs_manual": science["icc"],
            # the same over the cases whose mask found the tumour: what the margins alone cost
            "feature_icc21_where_found": science.get("icc_where_found"),
            "study2019_family": science["study2019"],
        },
        "storage_check": storage,
        "software": {**software_versions("torch", "numpy", "SimpleITK"), **done["versions"]},
        "reproduce": "scripts/retrain-default-model (the CV, the science figures, the final model and this card)",
        "loading": "rg checks the file's sha256 against this card, then torch.load(weights_only=True)",
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="A run folder with fold_all/ and science/ done.")
    parser.add_argument("--name", default="lgg-flair")
    parser.add_argument("--data", type=Path, help="Kaggle-layout folder (default: the shared LGG cases)")
    parser.add_argument("--check", type=int, default=8, help="Cases for the float16 storage check.")
    args = parser.parse_args()
    for needed in ("fold_all/done.json", "summary.json", "science/summary.json"):
        if not (args.run / needed).exists():
            raise SystemExit(
                f"{args.run / needed}: missing; run benchmarks.lgg_cv --final and benchmarks.lgg_science"
            )
    data = args.data or lgg_root() / "kaggle_3m"

    import torch

    from radiogenomics.case_io import find_case_dirs
    from segmentation.model import file_sha256, load_model, save_model
    from segmentation.model_files import WEIGHTS

    torch.set_num_threads(2)
    start = time.perf_counter()
    full = load_model(args.run / "fold_all" / "model.pt")
    saved = torch.load(args.run / "fold_all" / "model.pt", map_location="cpu", weights_only=True)
    weights = WEIGHTS / f"{args.name}.pt"
    WEIGHTS.mkdir(exist_ok=True)
    save_model(
        weights, half(saved["state_dict"]), full.config, in_channels=full.in_channels, epoch=full.epoch
    )
    sha256 = file_sha256(weights)
    halved = load_model(weights, sha256=sha256)
    storage = storage_check(full, halved, find_case_dirs(data)[: args.check])
    write_json(WEIGHTS / f"{args.name}.json", card(args.name, args.run, full, weights, sha256, storage))
    print(json.dumps(storage, indent=2))
    print(f"wrote {weights} ({weights.stat().st_size / 1e6:.1f} MB, sha256 {sha256[:12]}…) and its card "
          f"{WEIGHTS / (args.name + '.json')} in {time.perf_counter() - start:.0f} s")  # fmt: skip


if __name__ == "__main__":
    main()
