"""Out-of-fold Dice of several finished CV runs on the same folds, alone and as an ensemble.

Each run folder comes from :mod:`benchmarks.lgg_cv` (or ``rg train``) on the same data with the same test
folds (different seeds or recipes). For every fold, each run's chosen model predicts that fold's test
cases; the ensemble averages their probabilities mapped back to the original slices, then thresholds and
keeps the largest 3D component (the post-processing of the first run's config) like a single run.
Prints per-patient Dice mean and median of every run (re-scored here with the first run's post-processing:
its own ``oof_dice.csv`` where the runs share it) and of the ensemble, and the spread of the single runs'
means.

Usage::

    .venv/bin/python -m benchmarks.lgg_ensemble RUN RUN [RUN ...] [--data .cache/lgg/kaggle_3m] [--threads 2]
"""

import argparse
import sys
from pathlib import Path

from benchmarks.lgg_cv import fold_tests, require_same_folds
from benchmarks.lgg_data import lgg_root


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path, help="Finished run folders (same folds).")
    parser.add_argument(
        "--data", type=Path, help="Kaggle-layout folder (default: the shared LGG cases, unpacked)"
    )
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    args.data = args.data or lgg_root() / "kaggle_3m"
    for run in args.runs:
        if not (run / "summary.json").exists():
            sys.exit(f"{run}: not a finished run (no summary.json); finish it with benchmarks.lgg_cv first")
    require_same_folds(args.runs, "an ensemble needs the same folds")
    folds = fold_tests(args.runs[0])

    import numpy as np
    import pandas as pd
    import torch

    from radiogenomics.case_io import read_case
    from segmentation.metrics import dice
    from segmentation.model import load_model
    from segmentation.predict import postprocess, segment_volume

    torch.set_num_threads(args.threads)
    first = load_model(args.runs[0] / "fold_0" / "model.pt").config
    names = [run.name for run in args.runs] + ["ensemble"]
    rows = []
    for k, test in enumerate(folds):
        models = [load_model(run / f"fold_{k}" / "model.pt") for run in args.runs]
        for name in test:
            case = read_case(args.data / name)
            probabilities = [segment_volume([model], case.image).probabilities for model in models]
            probabilities.append(np.mean(probabilities, axis=0))
            row = {"case": case.name, "patient": case.patient, "fold": k}
            for run_name, p in zip(names, probabilities, strict=True):
                mask = postprocess(p, threshold=first.threshold, keep=first.keep_components,
                                   connectivity=first.connectivity)  # fmt: skip
                row[run_name] = dice(mask, case.mask)
            rows.append(row)
    table = pd.DataFrame(rows).groupby("patient")[names].mean()
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


if __name__ == "__main__":
    main()
