"""Out-of-fold Dice of several finished CV runs on the same folds, alone and as an ensemble.

Each run folder comes from :mod:`benchmarks.lgg_cv` (or ``rg train``) on the same data with the same test
folds (different seeds or recipes). For every fold, each run's chosen model predicts that fold's test
cases; the ensemble averages their probabilities mapped back to the original slices, then thresholds and
keeps the largest 3D component (the post-processing of the first run's config) like a single run.
Prints per-patient Dice mean and median of every run (re-scored here with the first run's post-processing:
its own ``oof_dice.csv`` where the runs share it) and of the ensemble, and the spread of the single runs'
means.

``--out ENS`` also writes the ensemble as a run folder of its own: ``ENS/oof_masks`` (its out-of-fold masks),
``ENS/folds.json``, ``ENS/oof_dice.csv`` and ``ENS/summary.json`` (the per-patient Dice, the member runs), so
that :mod:`benchmarks.lgg_science` measures what the science needs on it and :mod:`benchmarks.ship_model`
takes its figures for an ensemble's card.

Usage::

    .venv/bin/python -m benchmarks.lgg_ensemble RUN RUN [RUN ...] [--data .cache/lgg/kaggle_3m] [--threads 2]
        [--out ENS]
"""

import argparse
import shutil
import sys
from pathlib import Path

from benchmarks.lgg_cv import fold_tests, require_same_folds
from benchmarks.lgg_data import default_data


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path, help="Finished run folders (same folds).")
    parser.add_argument(
        "--data", type=Path, help="Kaggle-layout folder (default: the shared LGG cases, unpacked)"
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, help="Also write the ensemble as a run folder here (see above).")
    args = parser.parse_args()
    args.data = args.data or default_data()
    for run in args.runs:
        if not (run / "summary.json").exists():
            sys.exit(f"{run}: not a finished run (no summary.json); finish it with benchmarks.lgg_cv first")
    require_same_folds(args.runs, "an ensemble needs the same folds")
    folds = fold_tests(args.runs[0])

    import numpy as np
    import pandas as pd
    import torch

    from radiogenomics.atomic import write_csv, write_json
    from radiogenomics.case_io import read_case, replace_mask_case
    from segmentation.metrics import dice
    from segmentation.model import load_model
    from segmentation.predict import agreement, postprocess, segment_volume

    torch.set_num_threads(args.threads)
    first = load_model(args.runs[0] / "fold_0" / "model.pt").config
    names = [run.name for run in args.runs] + ["ensemble"]
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(args.runs[0] / "folds.json", args.out / "folds.json")
    rows = []
    for k, test in enumerate(folds):
        models = [load_model(run / f"fold_{k}" / "model.pt") for run in args.runs]
        for name in test:
            case = read_case(args.data / name)
            probabilities = [segment_volume([model], case.image).probabilities for model in models]
            probabilities.append(np.mean(probabilities, axis=0))
            masks = [postprocess(p, threshold=first.threshold, keep=first.keep_components,
                                 connectivity=first.connectivity) for p in probabilities]  # fmt: skip
            row = {"case": case.name, "patient": case.patient, "fold": k}
            row.update({run_name: dice(mask, case.mask) for run_name, mask in zip(names, masks, strict=True)})
            row["agreement"] = agreement(masks[:-1])  # what rg segment's cases.csv reports
            if args.out:
                replace_mask_case(
                    args.out / "oof_masks", case.name, case.slices, masks[-1], staging=args.out / "staging"
                )
            rows.append(row)
    table = pd.DataFrame(rows).groupby("patient")[names].mean()
    if args.out:
        shutil.rmtree(args.out / "staging", ignore_errors=True)
        oof = pd.DataFrame(rows).rename(columns={"ensemble": "dice"})[
            ["case", "patient", "fold", "dice", "agreement"]
        ]
        write_csv(args.out / "oof_dice.csv", oof, index=False)
        write_json(args.out / "summary.json", {
            "ensemble_of": [str(run) for run in args.runs], "cases": len(rows), "patients": len(table),
            "dice_per_patient_mean": float(table["ensemble"].mean()),
            "dice_per_patient_median": float(table["ensemble"].median()),
        })  # fmt: skip
    print(f"{len(table)} patients, {len(folds)} folds; post-processing: threshold {first.threshold:g}, components ≥ "
          f"{first.keep_components:g} × largest\n")  # fmt: skip
    print("| run | per-patient Dice mean | median | patients < 0.5 |")
    print("|---|---|---|---|")
    for name in names:
        column = table[name]
        print(
            f"| {name} | {100 * column.mean():.2f} % | {100 * column.median():.2f} % | {(column < 0.5).sum()} |"
        )
    singles = table[names[:-1]].mean()
    print(f"\nsingle runs: mean of means {100 * singles.mean():.2f} %, range {100 * singles.min():.2f} – "
          f"{100 * singles.max():.2f} % (sd {100 * singles.std(ddof=1):.2f} points)")  # fmt: skip
    if args.out:
        print(f"ensemble run folder: {args.out} (next: benchmarks.lgg_science {args.out})")


if __name__ == "__main__":
    main()
