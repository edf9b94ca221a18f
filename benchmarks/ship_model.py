"""Ship a run's final model, or several runs' as an ensemble, inside the package: half-precision weights and a card.

Takes ``RUN/fold_all/model.pt`` of each RUN (``benchmarks.lgg_cv --final``), the CV figures (``summary.json``)
and what the science needs (``science/summary.json``, ``benchmarks.lgg_science``) of the one RUN, or, for an
ensemble (several RUNs: the same recipe and folds, other seeds), of ``--cv ENS`` (``benchmarks.lgg_ensemble
RUN RUN --out ENS``, then ``benchmarks.lgg_science ENS``). Writes ``segmentation/weights/<name>.pt`` (one model)
or ``<name>-1.pt``, ``<name>-2.pt``, … (an ensemble; float16 storage: half the bytes), and ``<name>.json`` (the
card: each file's sha256, training cases, recipe, CV figures with CIs, software versions, input expectations,
intended use and limits); other weight files of that name are removed. Before writing, it segments
``--check`` cases with the float32 and the float16 weights and records how far their masks differ (storage
must not change the CV numbers).

Usage::

    .venv/bin/python -m benchmarks.ship_model RUN [RUN ...] [--cv ENS] --name lgg-flair [--data .cache/lgg/kaggle_3m]
"""

import argparse
import json
import re
import time
from datetime import date
from pathlib import Path

from benchmarks.lgg_data import default_data
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
    "2D slice model at {size}² (masks upsampled to the input size); its masks' margins are smoother than the "
    "annotators': shape features of its masks agree with the manual masks' only as far as the ICCs below say.",
    "Largest 3D component kept: a multifocal tumour loses its smaller foci.",
]


def half(state: dict) -> dict:
    """The state dict with floating tensors stored as float16 (integer buffers unchanged)."""
    return {k: v.half() if v.is_floating_point() else v for k, v in state.items()}


def storage_check(full: list, halved: list, cases: list[Path]) -> dict:
    """Masks of the float32 and float16 models on ``cases``: their Dice to each other and to the manual masks."""
    import numpy as np

    from radiogenomics.case_io import read_case
    from segmentation.metrics import dice
    from segmentation.predict import segment_volume

    between, manual_full, manual_half = [], [], []
    for path in cases:
        case = read_case(path)
        a = segment_volume(full, case.image).mask
        b = segment_volume(halved, case.image).mask
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


def agreement_check(table, science: Path | None = None) -> dict:
    """How well an ensemble's agreement flags its poor masks: ``oof_dice.csv`` of ``benchmarks.lgg_ensemble --out``;
    with ``science`` (its ``benchmarks.lgg_science`` folder), also the features' ICCs over the cases not flagged."""
    from scipy.stats import spearmanr

    from benchmarks.lgg_science import icc_items, icc_over
    from segmentation.predict import REVIEW_AGREEMENT as AGREEMENT_FLAG

    low = table["agreement"] < AGREEMENT_FLAG
    rho = spearmanr(table["agreement"], table["dice"])
    kept = None if science is None else icc_over(science, set(table.loc[~low, "case"]))
    return {
        "what": "agreement (mean Dice between the models' own masks; rg segment's cases.csv) against the "
        "ensemble's Dice to the manual mask, per case, out-of-fold",
        "spearman_rho": float(rho.statistic),
        "p": float(rho.pvalue),
        "flag_below": AGREEMENT_FLAG,
        "cases_flagged": int(low.sum()),
        "dice_mean_flagged": float(table.loc[low, "dice"].mean()) if low.any() else None,
        "dice_mean_others": float(table.loc[~low, "dice"].mean()),
        "cases_with_dice_below_flag_not_flagged": int(((table["dice"] < AGREEMENT_FLAG) & ~low).sum()),
        # what a user who sets the flagged cases aside gets: the same ICC(2,1) over the others
        "feature_icc21_where_not_flagged": None if kept is None else icc_items(kept.table),
    }


def card(name: str, runs: list[Path], cv_run: Path, models: list, shipped: list, storage: dict) -> dict:
    """The model card (see the module text): ``models`` the float32 members, ``shipped`` the same loaded from
    their float16 files (each with its path and sha256)."""
    import pandas as pd

    from radiogenomics.case_io import parse_case_name
    from radiogenomics.versions import software_versions

    config = models[0].config
    cv, science = (json.loads((cv_run / f).read_text()) for f in ("summary.json", "science/summary.json"))
    done = [json.loads((run / "fold_all" / "done.json").read_text()) for run in runs]
    cases = sorted(done[0]["train"])
    patients = sorted({parse_case_name(c)[0] for c in cases})
    institutions = sorted({parse_case_name(c)[1] for c in cases})
    seeds = [model.config.seed for model in models]
    dice = science["metrics"]["dice"]
    what = "2D U-Net" if len(models) == 1 else f"ensemble of {len(models)} 2D U-Nets"
    members = "" if len(models) == 1 else f"; seeds {', '.join(map(str, seeds))}, probabilities averaged"
    headline = (
        f"{what} ({config.size}², {config.features} features, {config.norm} norm{members}), FLAIR abnormality of "
        "lower-grade gliomas; "
        f"trained on {len(cases)} LGG cases; {config.folds}-fold CV Dice {dice['mean']:.3f} mean / "
        f"{dice['median']:.3f} median; research use only"
    )
    limits = [
        text.format(cases=len(cases), institutions=len(institutions), size=config.size,
                    share=f"{config.folds - 1}/{config.folds}")
        for text in LIMITS
    ]  # fmt: skip
    cross_validation = {
        "what": f"{config.folds}-fold patient-level CV of the same recipe on the same {len(cases)} cases; each "
        "case's mask from the fold model that did not train on it"
        + (
            ""
            if len(models) == 1
            else " (one a seed, on the same folds; probabilities averaged as rg segment does)"
        ),
        "dice_per_patient_mean": cv["dice_per_patient_mean"],
        "dice_per_patient_median": cv["dice_per_patient_median"],
        "metrics": science["metrics"],
        "units": science["units"],
        "feature_icc21_auto_vs_manual": science["icc"],
        # the same over the cases whose mask found the tumour: what the margins alone cost
        "feature_icc21_where_found": science.get("icc_where_found"),
        "study2019_family": science["study2019"],
    }
    if len(models) > 1:
        check = agreement_check(pd.read_csv(cv_run / "oof_dice.csv"), cv_run / "science")
        cross_validation["agreement"] = check
        cross_validation["members_alone"] = [
            {"seed": seed, "dice_per_patient_mean": json.loads((run / "summary.json").read_text())["dice_per_patient_mean"]}
            for seed, run in zip(seeds, runs, strict=True)
        ]  # fmt: skip
        flag = check["flag_below"]
        flagged = "none" if check["dice_mean_flagged"] is None else f"{check['dice_mean_flagged']:.2f}"
        limits.append(
            f"An ensemble of {len(models)}: rg segment's cases.csv gives each case the models' agreement; in the "
            f"CV, agreement below {flag:g} flagged {check['cases_flagged']} cases (mean Dice "
            f"{flagged}, the others {check['dice_mean_others']:.2f}), but "
            f"{check['cases_with_dice_below_flag_not_flagged']} masks below Dice {flag:g} had agreement "
            f"{flag:g} or more (both models wrong alike): a high agreement is no proof of a good mask."
            + _without_flagged(check["feature_icc21_where_not_flagged"])
        )
    return {
        "name": name,
        "headline": headline,
        "created": date.today().isoformat(),
        "files": [
            {
                "file": model.path.name,
                "sha256": model.sha256,
                "bytes": model.path.stat().st_size,
                "seed": seed,
                "storage": "float16 (loaded into float32)",
            }
            for model, seed in zip(shipped, seeds, strict=True)
        ],  # fmt: skip
        "input": INPUT,
        "output": "A binary mask per slice in the input's geometry (threshold 0.5, largest 3D component)"
        + ("." if len(models) == 1 else "; cases.csv: the models' agreement per case."),
        "intended_use": INTENDED_USE,
        "limits": limits,
        "training": {
            "data": "The public LGG MRI segmentation set (TCGA-LGG, Buda et al. 2019; Kaggle "
            "'lgg-mri-segmentation'): the cases whose images this project's data ships",
            "cases": len(cases),
            "patients": len(patients),
            "institutions": institutions,
            "case_list": cases,
            "epochs": done[0]["best_epoch"],
            "checkpoint": (
                f"the mean of the last {config.average_last} epochs' weights"
                if config.average_last
                else "last epoch (no inner validation: the CV measured it better than choosing by it)"
            ),
            "seconds": round(sum(d["seconds"] for d in done)),
            "device": done[0]["versions"]["device"],
            "threads": done[0]["versions"]["threads"],
        },
        "recipe": config.to_json(),  # an ensemble's first member; the others differ in the seed alone
        **(
            {}
            if len(models) == 1
            else {
                "ensemble": {
                    "seeds": seeds,
                    "combine": "the mean of the models' probabilities, then the recipe's post-processing",
                }
            }
        ),
        "cross_validation": cross_validation,
        "storage_check": storage,
        "software": {**software_versions("torch", "numpy", "SimpleITK"), **done[0]["versions"]},
        "reproduce": "scripts/retrain-default-model (the CV, the final models, the science figures and this card)",
        "loading": "rg checks each file's sha256 against this card, then torch.load(weights_only=True)",
    }


def _without_flagged(icc: dict | None) -> str:
    """' Without the flagged cases, ICC(2,1) MF …, BEVR ….' (empty when not measured)."""
    if not icc or any(icc.get(f, {}).get("icc21") is None for f in ("MF", "BEVR")):
        return ""
    return (
        f" Without the flagged cases, ICC(2,1) MF {icc['MF']['icc21']:.2f}, BEVR {icc['BEVR']['icc21']:.2f}."
    )


def same_recipe(models: list, runs: list[Path]) -> None:
    """Exit naming the run when an ensemble's members differ in anything but the seed, or in training cases."""
    first = {**models[0].config.to_json(), "seed": None}
    cases = json.loads((runs[0] / "fold_all" / "done.json").read_text())["train"]
    for model, run in zip(models[1:], runs[1:], strict=True):
        if {**model.config.to_json(), "seed": None} != first:
            raise SystemExit(
                f"{run}: its recipe differs from {runs[0]}'s beyond the seed; an ensemble ships one recipe"
            )
        if json.loads((run / "fold_all" / "done.json").read_text())["train"] != cases:
            raise SystemExit(f"{run}: trained on other cases than {runs[0]}; train both on the same data")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "runs", nargs="+", type=Path, help="Run folders with fold_all/ done (several: an ensemble)."
    )
    parser.add_argument(
        "--cv", type=Path, help="The ensemble's CV run (benchmarks.lgg_ensemble --out; science done)."
    )
    parser.add_argument("--name", default="lgg-flair")
    parser.add_argument("--data", type=Path, help="Kaggle-layout folder (default: the shared LGG cases)")
    parser.add_argument("--check", type=int, default=8, help="Cases for the float16 storage check.")
    args = parser.parse_args()
    if len(args.runs) > 1 and args.cv is None:
        raise SystemExit(
            "--cv: an ensemble's card needs the ensemble's CV run (benchmarks.lgg_ensemble --out)"
        )
    cv_run = args.cv or args.runs[0]
    needed = [run / "fold_all/done.json" for run in args.runs] + [
        cv_run / "summary.json",
        cv_run / "science/summary.json",
    ]
    for path in needed:
        if not path.exists():
            raise SystemExit(f"{path}: missing; run benchmarks.lgg_cv --final, benchmarks.lgg_ensemble --out and "
                             "benchmarks.lgg_science")  # fmt: skip
    data = args.data or default_data()

    import torch

    from radiogenomics.case_io import find_case_dirs
    from segmentation.model import load_model, save_model
    from segmentation.model_files import WEIGHTS

    torch.set_num_threads(2)
    start = time.perf_counter()
    full = [load_model(run / "fold_all" / "model.pt") for run in args.runs]
    same_recipe(full, args.runs)
    WEIGHTS.mkdir(exist_ok=True)
    names = (
        [f"{args.name}.pt"] if len(full) == 1 else [f"{args.name}-{i}.pt" for i in range(1, len(full) + 1)]
    )
    files = [WEIGHTS / file for file in names]
    for run, model, path in zip(args.runs, full, files, strict=True):
        saved = torch.load(run / "fold_all" / "model.pt", map_location="cpu", weights_only=True)
        save_model(
            path, half(saved["state_dict"]), model.config, in_channels=model.in_channels, epoch=model.epoch
        )
    halved = [load_model(path) for path in files]  # each LoadedModel carries its file's sha256 for the card
    storage = storage_check(full, halved, find_case_dirs(data)[: args.check])
    write_json(WEIGHTS / f"{args.name}.json", card(args.name, args.runs, cv_run, full, halved, storage))
    # the name's earlier weight files, once the card no longer names them (one model's, or members')
    for stale in WEIGHTS.glob(f"{args.name}*.pt"):
        if re.fullmatch(re.escape(args.name) + r"(-\d+)?\.pt", stale.name) and stale not in files:
            stale.unlink()
    print(json.dumps(storage, indent=2))
    size = sum(path.stat().st_size for path in files)
    print(f"wrote {', '.join(map(str, files))} ({size / 1e6:.1f} MB) and their card "
          f"{WEIGHTS / (args.name + '.json')} in {time.perf_counter() - start:.0f} s")  # fmt: skip


if __name__ == "__main__":
    main()
