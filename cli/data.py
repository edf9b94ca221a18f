"""``rg data``: check a download against its manifest, or synthesise a cohort."""

from pathlib import Path

import click

from cli.common import one_out, out_argument_or_option, quiet_option


@click.group()
def data():
    """Datasets: verify a download, synthesise a cohort."""


@data.command()
@out_argument_or_option("Folder to write the cohort into", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--cases", default=12, show_default=True, type=click.IntRange(2, 10_000), help="Number of cases."
)
@click.option("--seed", default=0, show_default=True, type=int, help="Random seed (same seed, same cohort).")
@click.option(
    "--size", default=256, show_default=True, type=click.IntRange(32, 1024), help="Slice size, pixels."
)
@quiet_option()
def synth(out: Path | None, out_option: Path | None, cases: int, seed: int, size: int, quiet: bool):
    """Write a synthetic cohort in the Kaggle layout, with data.csv and truth.csv, to OUT.

    Tumour margins are irregular or smooth by a planted class that RNASeqCluster reflects (10 % noise).

    \b
    Example:
      rg data synth cohort --cases 12 --seed 0
      rg data synth --out cohort --cases 12 -q
    """
    from radiogenomics.outputs import check_output
    from radiogenomics.synthetic import CohortConfig, synth_cohort

    out, given = one_out(out, out_option)
    check_output(out, option=given, folder=True)
    synth_cohort(out, CohortConfig(cases=cases, seed=seed, size=size), progress=not quiet)
    click.echo(f"wrote {cases} cases to {out}")


@data.command()
@click.argument("root", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--manifest",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Manifest CSV (default: the public LGG dataset's, shipped with rg).",
)
@click.option("--partial", is_flag=True, help="Accept missing cases (never changed or incomplete ones).")
@quiet_option("Print the summary only, not every case that is off.")
def verify(root: Path, manifest: Path | None, partial: bool, quiet: bool):
    """Check a download (the kaggle_3m folder) against the dataset manifest.

    Reports intact, missing, incomplete, changed and unexpected cases and files; exits 1 when anything is
    off (with --partial, missing cases are accepted).

    \b
    Example:
      rg data verify ~/Downloads/lgg-mri-segmentation/kaggle_3m --partial
    """
    from radiogenomics.manifest import format_report, verify_download

    report = verify_download(root, manifest, partial=partial)
    click.echo(format_report(report, details=not quiet))
    if not report.ok:
        raise SystemExit(1)
