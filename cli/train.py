"""``rg train``: U-Net cross-validation at patient level, one fold or all, resumable."""

from pathlib import Path

import click

from cli.torch_options import run_options

# Options that make up the TrainConfig (CLI name → config field); --resume refuses them.
_CONFIG_OPTIONS = {
    "folds": "folds",
    "epochs": "epochs",
    "size": "size",
    "features": "features",
    "depth": "depth",
    "norm": "norm",
    "context": "context",
    "batch_size": "batch_size",
    "lr": "lr",
    "loss": "loss",
    "samples_per_epoch": "samples_per_epoch",
    "sample_background": "sample_background",
    "inner_val": "inner_val",
    "inner_val_min": "inner_val_min",
    "average_last": "average_last",
    "aug_modality_dropout": "aug_modality_dropout",
    "keep_components": "keep_components",
    "split": "split",
    "seed": "seed",
    "precision": "precision",
}


@click.command()
@click.argument("data", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--out", "-o", required=True, type=click.Path(file_okay=False, path_type=Path), help="Run folder."
)
@click.option(
    "--folds", "-k", default=5, show_default=True, type=int, help="Cross-validation folds (patients)."
)
@click.option(
    "--fold", help="Train this fold only (0 … K-1), e.g. one job of a SLURM array; 'all': one model on every "
    "case (the final model, no test cases).",
)  # fmt: skip
@click.option("--resume", is_flag=True, help="Go on with an existing run and its saved config.")
@click.option("--epochs", default=30, show_default=True, type=int, help="Epochs per fold.")
@click.option("--size", default=256, show_default=True, type=int, help="Slice side after preprocessing, px.")
@click.option(
    "--features", default=32, show_default=True, type=int, help="U-Net features of the first level."
)
@click.option("--depth", default=4, show_default=True, type=int, help="U-Net pooling levels.")
@click.option(
    "--norm", default="batch", show_default=True, type=click.Choice(["batch", "instance", "group", "none"])
)
@click.option("--context", default=0, show_default=True, type=int, help="2.5D: neighbour slices each side.")
@click.option("--batch-size", default=16, show_default=True, type=int, help="Slices per step.")
@click.option(
    "--lr", default=1e-3, show_default=True, type=float, help="Adam learning rate (cosine schedule)."
)
@click.option(
    "--loss", default="dice", show_default=True, type=click.Choice(["dice", "dice+bce", "dice+boundary"])
)
@click.option("--samples-per-epoch", default=0, show_default=True, type=int, help="0: the training slices.")
@click.option(
    "--sample-background", default=0.1, show_default=True, type=float,
    help="Slice draws ∝ tumour area + this × the volume's mean area (0.1: the reference).",
)  # fmt: skip
@click.option(
    "--inner-val", default=0.0, show_default=True, type=float,
    help="Fraction of patients held out to choose the epoch (0: all train, the last epoch is kept).",
)  # fmt: skip
@click.option(
    "--inner-val-min", default=1, show_default=True, type=int, help="At least this many (≤ 1/5 of the fold)."
)
@click.option(
    "--average-last", default=0, show_default=True, type=int,
    help="Keep the mean of the last N epochs' weights (0: the last epoch's); not with --inner-val.",
)  # fmt: skip
@click.option(
    "--aug-modality-dropout", default=0.0, show_default=True, type=float,
    help="P(sample's pre/post-contrast replaced by FLAIR, as in the data's cases with a missing sequence).",
)  # fmt: skip
@click.option(
    "--keep-components", default=1.0, show_default=True, type=float,
    help="Keep 3D components ≥ this × the largest (1: the largest only, the reference).",
)  # fmt: skip
@click.option("--split", default="auto", show_default=True, type=click.Choice(["auto", "manifest", "seeded"]))
@click.option("--seed", default=0, show_default=True, type=int, help="Seed (split, weights, sampling, aug).")
@run_options
@click.pass_context
def train(ctx, data: Path, out: Path, fold, resume, device, threads, quiet, **options):
    """Train the U-Net on DATA (Kaggle layout) with patient-level k-fold cross-validation into OUT.

    Writes OUT/config.json, OUT/folds.json, OUT/fold_K/{checkpoint.pt, log.csv, model.pt, test_dice.csv}
    and the out-of-fold masks of every case to OUT/oof_masks/ (Kaggle layout, original geometry). A run
    started again with the same options resumes where it stopped; finished folds are never retrained.
    --fold all trains one model on every case into OUT/fold_all/ (the last epoch; no out-of-fold masks).

    \b
    Example:
      rg train ~/lgg/kaggle_3m --folds 22 --out runs/lgg
      rg train ~/lgg/kaggle_3m --folds 22 --out runs/lgg --fold $SLURM_ARRAY_TASK_ID
      rg train ~/lgg/kaggle_3m --folds 22 --out runs/lgg --fold all
      rg train ~/lgg/kaggle_3m --out runs/lgg --resume
    """
    import torch

    from radiogenomics.errors import InputError
    from radiogenomics.outputs import check_output
    from segmentation.config import TrainConfig
    from segmentation.folds import ALL
    from segmentation.train import train_cv

    if fold is not None and fold != ALL:
        if not fold.isdigit():
            raise InputError(f"--fold is {fold}; give a fold number (0 … K-1) or {ALL}")
        fold = int(fold)
    check_output(out, option="--out", folder=True)
    if threads:
        torch.set_num_threads(threads)
    config = None
    if resume and (out / "config.json").exists():  # (no run there: train_cv says there is nothing to resume)
        given = [name for name in _CONFIG_OPTIONS if ctx.get_parameter_source(name).name == "COMMANDLINE"]
        if given:
            flag = "--" + given[0].replace("_", "-")
            raise InputError(
                f"{flag}: --resume goes on with the run's saved config; drop {flag} (or start a new --out)"
            )
    else:
        config = TrainConfig(**{field: options[name] for name, field in _CONFIG_OPTIONS.items()})
    result = train_cv(data, out, config, fold=fold, resume=resume, device=device, progress=not quiet)
    for item in result.folds:
        if item.fold == ALL:
            state = "already done" if item.skipped else f"trained to epoch {item.best_epoch}"
            click.echo(f"fold all: {state} on all {item.cases} case(s); model {out / 'fold_all' / 'model.pt'} "
                       f"(rg segment IMAGES --out MASKS --model {out / 'fold_all' / 'model.pt'})")  # fmt: skip
            return
        if item.cases == 0:
            click.echo(
                f"fold {item.fold}: no case of this fold in DATA (the manifest's folds); nothing to train"
            )
            continue
        state = "already done" if item.skipped else f"trained, best epoch {item.best_epoch}"
        click.echo(
            f"fold {item.fold}: {state}; out-of-fold Dice {item.test_dice:.3f} on {item.cases} case(s)"
        )
    if result.complete:
        per_patient = result.dice.groupby("patient")["dice"].mean()
        click.echo(
            f"all folds done: per-patient Dice mean {per_patient.mean():.4f}, median {per_patient.median():.4f} "
            f"(n = {len(per_patient)}); masks in {out / 'oof_masks'}, table {out / 'oof_dice.csv'}"
        )
    else:
        left = [k for k in range(result.folds_total) if not (out / f"fold_{k}" / "done.json").exists()]
        click.echo(
            f"run in {out}; folds not done yet: {', '.join(map(str, left))} (run again without --fold)"
        )
