"""``rg features``: shape features of a folder of masks, one row per patient, with a sidecar JSON."""

from pathlib import Path

import click

from cli.common import quiet_option


@click.command()
@click.argument("masks", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--out",
    "-o",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Features CSV to write; the sidecar JSON goes beside it (features.csv -> features.json).",
)
@click.option(
    "--spacing",
    nargs=3,
    type=click.FloatRange(min=0, min_open=True),
    metavar="S R C",
    help="Voxel size in mm along slice, row, column, for TIFF masks [default: 1 1 1, pixel units]. "
    "NIfTI masks use their header.",
)
@click.option(
    "--jobs", "-j", default=1, show_default=True, type=click.IntRange(1, 256), help="Worker processes."
)
@click.option("--no-pyradiomics", is_flag=True, help="Skip the pyradiomics shape and shape2D columns.")
@quiet_option()
def features(
    masks: Path,
    out: Path,
    spacing: tuple[float, float, float] | None,
    jobs: int,
    no_pyradiomics: bool,
    quiet: bool,
):
    """Measure ASD, MF, BEVR, scikit-image and pyradiomics shape features of every case in MASKS.

    MASKS holds case folders of the Kaggle layout (<case>/<case>_<n>_mask.tif) or NIfTI masks. An empty
    mask gives a row of missing values (status 'empty mask'); a case whose pyradiomics group fails keeps
    its other features (status 'partial: ...'); a case that cannot be read is reported, the others go on,
    and the exit code is 1 at the end.

    \b
    Example:
      rg features ~/lgg/kaggle_3m --out outputs/features.csv --spacing 3 0.94 0.94 --jobs 4
    """
    from radiogenomics.features.extract import extract_features, sidecar_path, write_features
    from radiogenomics.outputs import check_output

    check_output(out, option="--out")
    check_output(sidecar_path(out), option="--out (its sidecar)")
    result = extract_features(
        masks, spacing=spacing or None, jobs=jobs, pyradiomics=not no_pyradiomics, progress=not quiet
    )  # warnings (empty masks, failed pyradiomics groups) are printed by the rg group, one line each
    csv_path, json_path = write_features(result, out)
    if result.sidecar["spacing"]["unit"] == "pixel":
        click.echo(
            "note: no spacing given: features are in pixel units (give --spacing S R C in mm)", err=True
        )
    failed = result.sidecar["failed"]
    for message in failed.values():
        click.echo(f"error: {message}", err=True)
    partial = f", {len(result.sidecar['partial'])} partial" if result.sidecar["partial"] else ""
    click.echo(
        f"wrote {len(result.table)} rows ({result.sidecar['ok']} ok{partial}) to {csv_path} and {json_path}"
    )
    if failed:
        raise click.ClickException(
            f"{len(failed)} of {len(result.table)} cases failed; see the status column"
        )
