"""k-fold cross-validation of the U-Net on the real LGG cases at a CPU-feasible setting.

Trains every fold with :func:`segmentation.train.train_cv` (the same code as ``rg train``), then prints
the setting, the wall time, per-fold out-of-fold Dice and the per-patient Dice mean and median, beside
the study's figures (22-fold CV on 110 patients, 256², 100 epochs: 83.60 % mean / 87.33 % median on the
authors' code page; 82 % / 85 % in the journal abstract).

The run folder is resumable: a second call with the same options finishes what a killed one left.

Usage::

    .venv/bin/python -m benchmarks.lgg_cv [--data .cache/lgg/kaggle_3m] [--folds 5] [--size 128]
        [--features 16] [--epochs 20] [--lr 0.002] [--threads 2] [--out .cache/bench/lgg_cv]
        [--norm instance] [--seed 1 --split-from RUN] [--modality-dropout 0.25] [--inner-val-min 5]
        [--keep-components 0.1] [--average-last 3] [--precision fp32]
"""

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

from benchmarks.lgg_data import default_data

REPO = Path(__file__).resolve().parents[1]


def fold_tests(run: Path) -> list[list[str]]:
    """A run's test patients, fold by fold (its ``folds.json``)."""
    return [fold["test"] for fold in json.loads((run / "folds.json").read_text())["folds"]]


def require_same_folds(runs: list[Path], why: str) -> None:
    """Stop with a one-line message naming the first run whose test folds differ from the first's."""
    for run in runs[1:]:
        if fold_tests(run) != fold_tests(runs[0]):
            raise SystemExit(f"{run}: its test folds differ from {runs[0]}'s; {why}")


def build_parser() -> argparse.ArgumentParser:
    """The command line (also read by the test that the retrain script's options make preset ``fast``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, help="Kaggle-layout folder (default: the shared LGG cases, unpacked)"
    )
    parser.add_argument("--out", type=Path, help="Run folder (default: .cache/bench/lgg_cv_<setting>).")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--features", type=int, default=16)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--loss", default="dice", choices=["dice", "dice+bce", "dice+boundary"])
    parser.add_argument("--context", type=int, default=0)
    parser.add_argument("--norm", default="batch", choices=["batch", "instance", "group", "none"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--modality-dropout", type=float, default=0.0, help="TrainConfig.aug_modality_dropout"
    )
    parser.add_argument(
        "--inner-val", type=float, default=0.0, help="TrainConfig.inner_val (0: train on all, last epoch)"
    )
    parser.add_argument("--inner-val-min", type=int, default=1, help="TrainConfig.inner_val_min")
    parser.add_argument("--average-last", type=int, default=0, help="TrainConfig.average_last")
    parser.add_argument(
        "--precision", default="auto", choices=["auto", "bf16", "fp32"], help="TrainConfig.precision"
    )
    parser.add_argument("--keep-components", type=float, default=1.0, help="TrainConfig.keep_components")
    parser.add_argument("--sample-background", type=float, default=0.1, help="TrainConfig.sample_background")
    parser.add_argument("--aug-scale", type=float, default=0.05, help="TrainConfig.aug_scale")
    parser.add_argument("--aug-angle", type=float, default=15.0, help="TrainConfig.aug_angle")
    parser.add_argument("--aug-jitter", type=float, default=0.1, help="TrainConfig.aug_jitter")
    parser.add_argument(
        "--split-from",
        type=Path,
        help="Run folder whose folds.json this run uses (another seed, same split).",
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--progress", action="store_true")
    parser.add_argument(
        "--final",
        action="store_true",
        help="After the CV, train the same recipe on every case into RUN/fold_all (rg train --fold all).",
    )
    return parser


def train_config(args: argparse.Namespace):
    """The :class:`~segmentation.config.TrainConfig` that the parsed options train with."""
    from segmentation.config import TrainConfig

    return TrainConfig(
        folds=args.folds, epochs=args.epochs, size=args.size, features=args.features, batch_size=args.batch_size,
        lr=args.lr, loss=args.loss, context=args.context, seed=args.seed, norm=args.norm,
        aug_modality_dropout=args.modality_dropout, inner_val=args.inner_val, inner_val_min=args.inner_val_min,
        keep_components=args.keep_components, sample_background=args.sample_background,
        aug_scale=args.aug_scale, aug_angle=args.aug_angle, aug_jitter=args.aug_jitter,
        average_last=args.average_last, precision=args.precision,
    )  # fmt: skip


def main():
    args = build_parser().parse_args()
    args.data = args.data or default_data()
    if not args.data.is_dir():
        sys.exit(f"{args.data}: no such folder; give --data a folder of the Kaggle layout")

    import pandas as pd
    import torch

    from segmentation.model import resolve_device, resolve_precision
    from segmentation.train import train_cv

    torch.set_num_threads(args.threads)
    config = train_config(args)
    checkpoint = (
        f"the mean of the last {config.average_last} epochs" if config.average_last
        else "the inner validation's best epoch" if config.inner_val else "the last epoch"
    )  # fmt: skip
    setting = (
        f"{args.folds} folds, {args.size}², {args.features} features, {args.epochs} epochs, batch "
        f"{args.batch_size}, lr {args.lr:g} cosine, loss {args.loss}, context {args.context}, norm {args.norm}, seed {args.seed}, "
        f"precision {resolve_precision(config.precision, resolve_device(None))} + channels_last, {args.threads} threads; modality dropout {config.aug_modality_dropout:g}, "
        f"inner validation {config.inner_val:g} (≥ {config.inner_val_min} patients), kept: {checkpoint}, components ≥ {config.keep_components:g} × largest; "
        f"sampling background {config.sample_background:g}; augmentation scale ±{config.aug_scale:g}, angle ±{config.aug_angle:g}°, "
        f"jitter ±{config.aug_jitter:g}"
    )
    out = args.out or REPO / ".cache" / "bench" / (
        f"lgg_cv_k{args.folds}_s{args.size}_f{args.features}_e{args.epochs}_lr{args.lr:g}_{args.loss}_c{args.context}"
        + (f"_{args.norm}norm" if args.norm != "batch" else "")
        + (f"_md{args.modality_dropout:g}" if args.modality_dropout else "")
        + (f"_ivf{args.inner_val:g}" if args.inner_val else "")
        + (f"_iv{args.inner_val_min}" if args.inner_val_min != 1 else "")
        + (f"_kc{args.keep_components:g}" if args.keep_components != 1 else "")
        + (f"_avg{args.average_last}" if args.average_last else "")
        + (f"_{args.precision}" if args.precision != "auto" else "")
        + (f"_bg{args.sample_background:g}" if args.sample_background != 0.1 else "")
        + (
            f"_aug{args.aug_scale:g}-{args.aug_angle:g}-{args.aug_jitter:g}"
            if (args.aug_scale, args.aug_angle, args.aug_jitter) != (0.05, 15.0, 0.1)
            else ""
        )
    )
    if args.split_from and not (out / "folds.json").exists():
        # train_cv honours an existing folds.json: the same test folds and inner validation sets
        out.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(args.split_from / "folds.json", out / "folds.json")
    start = time.perf_counter()
    result = train_cv(args.data, out, config, progress=args.progress)
    wall = time.perf_counter() - start

    table = result.dice
    per_patient = table.groupby("patient")["dice"].mean()
    logs = [pd.read_csv(out / f"fold_{k}" / "log.csv") for k in range(args.folds)]
    rate = sum(log["images_per_s"].mean() for log in logs) / len(logs)
    trained = sum(log["seconds"].sum() for log in logs)
    print(f"setting: {setting}")
    print(f"data: {args.data} ({len(table)} cases, {per_patient.size} patients), run folder {out}")
    print(f"wall time this call: {wall / 60:.1f} min (training epochs of all folds: {trained / 60:.1f} min); "
          f"mean training rate {rate:.0f} img/s")  # fmt: skip
    print("\n| fold | test cases | best epoch | inner val Dice | out-of-fold Dice |")
    print("|---|---|---|---|---|")
    for k in range(args.folds):
        done = json.loads((out / f"fold_{k}" / "done.json").read_text())
        print(
            f"| {k} | {done['cases']} | {done['best_epoch']} | {done['best_val_dice']:.3f} | {done['test_dice']:.3f} |"
        )
    print(f"\nper-patient Dice: mean {100 * per_patient.mean():.2f} %, median {100 * per_patient.median():.2f} % "
          f"(n = {per_patient.size}; min {100 * per_patient.min():.1f} %)")  # fmt: skip
    low, high = mean_interval(per_patient.to_numpy())
    print(
        f"95 % bootstrap interval of the mean over patients (BCa, scipy): {100 * low:.1f} – {100 * high:.1f} %"
    )
    if "dice_largest_only" in table:
        reference = table.groupby("patient")["dice_largest_only"].mean()
        print(f"same probabilities, largest 3D component only (the reference's rule): mean "
              f"{100 * reference.mean():.2f} %, median {100 * reference.median():.2f} %")  # fmt: skip
    print(
        "study (22 folds, 110 patients, 256², 100 epochs): 83.60 % / 87.33 % (code page); 82 % / 85 % (abstract)"
    )
    if args.final:
        start = time.perf_counter()
        (item,) = train_cv(args.data, out, config, fold="all", progress=args.progress).folds
        print(f"\nfinal model on all {item.cases} cases, epoch {item.best_epoch}: {out / 'fold_all' / 'model.pt'} "
              f"({(time.perf_counter() - start) / 60:.1f} min this call)")  # fmt: skip


def mean_interval(values, *, seed: int = 0) -> tuple[float, float]:
    """95 % BCa bootstrap interval of the mean of ``values`` (scipy, 10,000 resamples, seeded)."""
    import numpy as np
    from scipy.stats import bootstrap

    result = bootstrap((np.asarray(values, dtype=float),), np.mean, n_resamples=10_000, method="BCa",
                       rng=np.random.default_rng(seed))  # fmt: skip
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


if __name__ == "__main__":
    main()
