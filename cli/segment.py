"""``rg segment``: tumour masks for a folder of images, with a trained model or an ensemble."""

from pathlib import Path

import click

from cli.torch_options import run_options


def _shard(ctx, param, value):
    if value is None:
        return None
    try:
        index, count = (int(part) for part in value.split("/"))
    except ValueError:
        raise click.BadParameter(f"{value!r}; expected I/N, e.g. 0/4 (job I of N, from 0)") from None
    if not 0 <= index < count:
        raise click.BadParameter(f"{value!r}; expected I/N with 0 <= I < N, e.g. 0/4 … 3/4")
    return index, count


@click.command()
@click.argument("images", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--out",
    "-o",
    required=True,
    type=click.Path(path_type=Path),
    help="Masks folder (new, or this command's own).",
)
@click.option(
    "--model", "-m", "model",
    help="A run folder of rg train (its folds' models averaged), a model file (model.pt), or a shipped "
    "model's name (rg models). Default: the model shipped with rg.",
)  # fmt: skip
@click.option("--fold", help="With a run folder: that fold's model only (K, or 'all').")
@click.option(
    "--tta/--no-tta", default=False, show_default=True, help="Average with left-right mirrored slices."
)
@click.option(
    "--connectivity", type=click.Choice(["6", "18", "26"]),
    help="3D connectivity of the kept tumour component [default: the model's].",
)  # fmt: skip
@click.option(
    "--probabilities", is_flag=True, help="Also write the float probability maps (OUT/probabilities)."
)
@click.option(
    "--shard", callback=_shard, metavar="I/N", help="Only cases I, I+N, I+2N, … (a job of an array)."
)
@click.option("--overwrite", is_flag=True, help="Replace masks that OUT already holds.")
@run_options
def segment(
    images,
    out,
    model,
    fold,
    tta,
    connectivity,
    probabilities,
    shard,
    overwrite,
    precision,
    device,
    threads,
    quiet,
):
    """Segment the tumour in every case of IMAGES into OUT, in the same layout and geometry.

    IMAGES: the Kaggle layout (<case>/<case>_<n>.tif; masks there are ignored, none is needed) or NIfTI
    (<case>.nii.gz, or <case>_0000.nii.gz, _0001, ... one file a channel). OUT gets one mask per input
    slice (<case>_<n>_mask.tif) or <case>.nii.gz with the input's spacing, origin and direction, plus
    cases.csv (per case: predicted voxels, the ensemble's agreement, seconds; in_training where the model's
    card lists its training cases) and segment.json (models, options, versions, the card's training cases). A rerun skips finished cases; a case that cannot be read is named, the others are
    written, and the exit code is 1 at the end.

    \b
    Example:
      rg segment ~/new_patients --out outputs/masks
      rg segment ~/lgg/kaggle_3m --out outputs/masks --model runs/lgg --tta
      rg segment ~/lgg/kaggle_3m --out outputs/masks --model runs/lgg --shard $SLURM_ARRAY_TASK_ID/8
    """
    import torch

    from radiogenomics.outputs import check_output
    from segmentation.model import resolve_device
    from segmentation.model_files import load_models
    from segmentation.predict import REVIEW_AGREEMENT
    from segmentation.segment import SegmentOptions, segment_folder

    if threads:
        torch.set_num_threads(threads)
    check_output(out, option="--out", folder=True)
    resolved = resolve_device(device)
    models = load_models(model, fold=fold, device=resolved)
    options = SegmentOptions(mirror=tta, connectivity=int(connectivity) if connectivity else None,
                             probabilities=probabilities, precision=precision)  # fmt: skip
    result = segment_folder(images, out, models, options=options, shard=shard, overwrite=overwrite,
                            device=resolved, progress=not quiet)  # fmt: skip
    for name, message in result.failed.items():
        click.echo(f"error: {name}: {message}", err=True)
    what = f"{len(models)} models averaged" if len(models) > 1 else f"model {models[0].path}"
    click.echo(
        f"segmented {len(result.written)} case(s), {len(result.skipped)} already done ({what}); masks in {out}, "
        f"per-case table {out / 'cases.csv'}"
    )
    table = result.table[result.table["case"].isin(result.written + result.skipped)]  # not earlier batches'
    copies = table["copied_from_flair"].fillna("").astype(str)
    if (copies != "").any():
        names = table.loc[copies != "", "case"].tolist()
        advice = (
            "the model trained with such copies (rg train --aug-modality-dropout)"
            if all(m.config.aug_modality_dropout > 0 for m in models)
            else "a model trained without --aug-modality-dropout segments such cases less accurately; "
            "review their masks"
        )
        click.echo(
            f"note: {len(names)} case(s) carry a copy of FLAIR in place of a sequence ({', '.join(names[:3])}"
            f"{', …' if len(names) > 3 else ''}; cases.csv, copied_from_flair): {advice}"
        )
    low = table.loc[table["agreement"] < REVIEW_AGREEMENT, "case"].tolist()  # NaN: one model
    if low:
        click.echo(
            f"note: in {len(low)} case(s) the models agree less than {REVIEW_AGREEMENT:g} ({', '.join(low[:3])}"
            f"{', …' if len(low) > 3 else ''}; cases.csv, agreement): check their masks first"
        )
    if "in_training" in table.columns and table["in_training"].any():
        click.echo(
            f"note: {int(table['in_training'].sum())} of these {len(table)} case(s) are the model's training cases "
            "(cases.csv, in_training): its masks of them are in-sample, better than of new patients; rg evaluate "
            "scores the others apart"
        )
    if result.failed:
        raise click.ClickException(
            f"{len(result.failed)} case(s) could not be segmented; see the errors above"
        )
