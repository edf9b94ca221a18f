"""``rg reproduce``: the study's whole chain on the LGG set (Kaggle layout), resumable, one report."""

from pathlib import Path

import click

from cli.torch_options import run_options

# Options that change the preset's recipe (CLI name → TrainConfig field); recorded in OUT/study.json.
_OVERRIDES = {"folds": "folds", "epochs": "epochs", "size": "size", "features": "features", "norm": "norm",
              "aug_modality_dropout": "aug_modality_dropout"}  # fmt: skip


@click.command()
@click.argument("data", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--out", "-o", required=True, type=click.Path(file_okay=False, path_type=Path), help="Study folder."
)
@click.option(
    "--preset", default="fast", show_default=True, type=click.Choice(["paper", "fast"]),
    help="paper: the study's setting (22 folds, 256², 32 features, 100 epochs: a GPU's work); fast: the "
    "CPU recipe of the shipped model (3 folds, 128², 16 features, instance norm, modality dropout 0.2, 30 epochs).",
)  # fmt: skip
@click.option(
    "--fold", type=click.IntRange(min=0), help="Train this fold only and stop (a job of a SLURM array); "
    "a later call without --fold gathers and goes on.",
)  # fmt: skip
@click.option("--folds", type=click.IntRange(min=2), help="Change the preset's number of folds.")
@click.option("--epochs", type=click.IntRange(min=1), help="Change the preset's epochs per fold.")
@click.option("--size", type=click.IntRange(min=16), help="Change the preset's slice side, px.")
@click.option("--features", type=click.IntRange(min=2), help="Change the preset's U-Net width.")
@click.option(
    "--norm",
    type=click.Choice(["batch", "instance", "group", "none"]),
    help="Change the preset's normalisation layers.",
)
@click.option(
    "--aug-modality-dropout", type=click.FloatRange(0, 1),
    help="Change the preset's modality dropout (0: none, as the fast preset before 2026-12-05).",
)  # fmt: skip
@click.option(
    "--clinical", type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The genomic table [default: DATA/data.csv].",
)  # fmt: skip
@click.option(
    "--manifest", type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Manifest to verify DATA against [default: the LGG manifest, when DATA holds LGG cases].",
)  # fmt: skip
@click.option(
    "--no-pyradiomics", is_flag=True, help="Skip pyradiomics' shape features (slow on very large masks)."
)
@click.option("--jobs", default=1, show_default=True, type=click.IntRange(1, 256), help="Feature workers.")
@run_options
def reproduce(
    data,
    out,
    preset,
    fold,
    clinical,
    manifest,
    no_pyradiomics,
    jobs,
    precision,
    device,
    threads,
    quiet,
    **overrides,
):
    """Run the study on DATA (the LGG set's kaggle_3m folder, complete or partial) into OUT.

    Verifies DATA against the manifest, cross-validates the U-Net at patient level, writes out-of-fold masks
    of every patient, evaluates them against the manual masks, computes shape features of the predicted and
    the manual masks, their agreement (ICC), the study2019 associations on both, and OUT/summary.csv
    (ours beside the study's numbers) and OUT/index.html (the report). Every step is resumable: run the
    same command again after a stop.

    \b
    Example:
      rg reproduce ~/lgg/kaggle_3m --out outputs/study
      rg reproduce ~/lgg/kaggle_3m --out outputs/study --preset paper --fold $SLURM_ARRAY_TASK_ID
      rg reproduce ~/lgg/kaggle_3m --out outputs/study --preset paper     # after the array: gather, go on
    """
    from dataclasses import replace

    import torch

    from radiogenomics.errors import InputError
    from radiogenomics.outputs import check_output
    from study.chain import run_study
    from study.presets import PRESETS, STUDY_DICE

    chosen = PRESETS[preset]
    changes = {field: overrides[name] for name, field in _OVERRIDES.items() if overrides[name] is not None}
    if precision != "auto":
        changes["precision"] = precision
    if changes:
        chosen = replace(chosen, train=replace(chosen.train, **changes))
    if no_pyradiomics:
        chosen = replace(chosen, design=replace(chosen.design, pyradiomics=False))
    if fold is not None and fold >= chosen.train.folds:
        raise InputError(f"--fold is {fold}; this preset has folds 0 to {chosen.train.folds - 1}")
    if threads:
        torch.set_num_threads(threads)
    check_output(out, option="--out", folder=True)
    result = run_study(data, out, chosen, fold=fold, clinical=clinical, manifest=manifest, device=device,
                       jobs=jobs, progress=not quiet, echo=lambda line: click.echo(line, err=True))  # fmt: skip
    if not result.complete:
        left = (
            f"folds not done yet: {', '.join(map(str, result.folds_left))}"
            if result.folds_left
            else "every fold done"
        )
        click.echo(f"fold {fold} done; {left}. Then run the same command without --fold: it trains any fold left, "
                   "gathers and goes on")  # fmt: skip
        return
    summary = result.summary
    dice = summary.iloc[0]["predicted"], summary.iloc[1]["predicted"]
    rejected = {
        side: int(summary[f"reject_{side}"].fillna(False).astype(bool).sum())
        for side in ("manual", "predicted")
    }
    tested = int(summary["feature"].notna().sum())
    click.echo(f"out-of-fold Dice mean {100 * dice[0]:.2f} %, median {100 * dice[1]:.2f} % "
               f"(study: {100 * STUDY_DICE['mean']:.2f} / {100 * STUDY_DICE['median']:.2f} %)")  # fmt: skip
    click.echo(
        f"hypotheses rejected: manual masks {rejected['manual']} of {tested}, predicted {rejected['predicted']} of {tested}"
    )
    click.echo(f"table {out / 'summary.csv'}; report {result.report}")
