"""``rg evaluate``: predicted masks against manual masks: per-case metrics, summary, figures, a page."""

from pathlib import Path

import click

from cli.common import quiet_option


@click.command()
@click.argument("prediction", metavar="PRED", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("truth", metavar="GT", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--out",
    "-o",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write per_case.csv, summary.json, dice.png, overlays/ and index.html into.",
)
@click.option(
    "--spacing",
    nargs=3,
    type=click.FloatRange(min=0, min_open=True),
    metavar="S R C",
    help="Voxel size in mm along slice, row, column, for TIFF masks [default: pixel units]. NIfTI masks "
    "use their header.",
)
@click.option(
    "--images",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder with the images for the outlines (Kaggle layout or NIfTI) [default: GT, when it holds them].",
)
@click.option(
    "--training-cases",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The model's training cases: a CSV with a 'case' column, or a model card (JSON) [default: what rg "
    "segment recorded in PRED].",
)
@click.option("--no-figures", is_flag=True, help="Skip dice.png, the overlays and index.html.")
@click.option("--seed", default=0, show_default=True, type=int, help="Seed of the bootstrap.")
@click.option(
    "--resamples",
    default=10_000,
    show_default=True,
    type=click.IntRange(100, 1_000_000),
    help="Bootstrap resamples of the 95 % CIs.",
)
@quiet_option()
def evaluate(
    prediction: Path,
    truth: Path,
    out: Path,
    spacing: tuple[float, float, float] | None,
    images: Path | None,
    training_cases: Path | None,
    no_figures: bool,
    seed: int,
    resamples: int,
    quiet: bool,
):
    """Compare the predicted masks in PRED with the manual masks in GT, case by case.

    Both folders hold masks in the Kaggle layout (<case>/<case>_<n>_mask.tif; GT may also hold the images)
    or NIfTI (<case>.nii.gz or <case>_mask.nii.gz); cases are matched by name. Per case: Dice, IoU, HD95,
    ASSD, absolute and relative volume difference (mm with spacing, else pixels); summary: mean, median,
    seeded bootstrap 95 % CIs, n. Empty-mask rule: both empty -> Dice 1, HD95 0; one empty -> Dice 0,
    HD95 = the volume's diagonal. Cases on one side only are listed; a case that cannot be evaluated is
    reported, the others go on, and the exit code is 1 at the end. Where the model was trained on some of
    the cases (rg segment with a shipped model records its card's list in PRED; or --training-cases),
    per_case.csv marks them in_training and the summary gives every metric over all cases and over the
    others: a model's scores on its own training cases are not an estimate of its accuracy.

    \b
    Example:
      rg evaluate runs/lgg/oof_masks ~/lgg/kaggle_3m --out outputs/evaluation
      open outputs/evaluation/index.html
    """
    from radiogenomics.outputs import check_output
    from segmentation.evaluate import evaluate_folders, write_evaluation
    from segmentation.training_cases import read_training_cases, recorded_training_cases

    check_output(out, option="--out", folder=True)
    training = read_training_cases(training_cases) if training_cases else recorded_training_cases(prediction)
    result = evaluate_folders(prediction, truth, spacing=spacing or None, seed=seed, resamples=resamples,
                              training=training, progress=not quiet)  # fmt: skip
    csv_path, json_path = write_evaluation(result, out)
    written = [csv_path, json_path]
    if not no_figures:
        from segmentation.evaluate_figures import write_figures, write_index

        figures = write_figures(result, out, images=images, progress=not quiet)
        for note in figures.notes:
            click.echo(f"note: {note}", err=True)
        written += [figures.dice, write_index(result, figures, out)]
        if figures.overlays:
            written.append(out / "overlays")
    for line in result.problems(prediction, truth):
        click.echo(line, err=True)
    if result.summary["metrics"]["dice"]["n"]:
        click.echo(_dice_line(result.summary))
    click.echo(f"wrote {', '.join(str(p) for p in written)}")
    if result.failed:
        raise click.ClickException(
            f"{len(result.failed)} of {len(result.table)} cases failed; see the status column of {csv_path}"
        )


def _mean_median(dice: dict) -> str:
    low, high = dice["mean_ci"]
    ci = "" if low is None else f" (95 % CI {100 * low:.2f}-{100 * high:.2f})"
    return f"mean {100 * dice['mean']:.2f} %{ci}, median {100 * dice['median']:.2f} %"


def _dice_line(summary: dict) -> str:
    """``110 cases (81 the model's training cases): Dice mean … %, median … %; over the 29 others mean …;
    HD95 median …`` (the part on training cases only where they are known)."""
    dice, hd = summary["metrics"]["dice"], summary["metrics"]["hd95"]
    training = summary.get("training_cases")
    counted, others = f"{dice['n']} cases", ""
    if training is not None:
        counted += f" ({training['evaluated_in_training']} the model's training cases)"
        rest = summary["metrics_not_in_training"]["dice"]
        others = (
            f"; over the {rest['n']} other{'s' * (rest['n'] != 1)} {_mean_median(rest)}"
            if rest["n"]
            else "; no case outside its training: these scores are in-sample, not its accuracy"
        )
    return f"{counted}: Dice {_mean_median(dice)}{others}; HD95 median {hd['median']:.4g} {summary['unit']}"
