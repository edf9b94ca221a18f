"""``rg agree``: agreement of the same features computed on two mask sets (ICC, Spearman)."""

from pathlib import Path

import click


@click.command()
@click.argument("features_a", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("features_b", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Agreement CSV to write."
)
@click.option(
    "--confidence", default=0.95, show_default=True, type=click.FloatRange(0.5, 0.999), help="CI level."
)
def agree(features_a: Path, features_b: Path, out: Path, confidence: float):
    """Per-feature agreement of FEATURES_A and FEATURES_B, matched on patient id.

    Writes ICC(2,1) (absolute agreement), ICC(3,1) (consistency) and Spearman's rho, each with its CI, each
    side's mean and standard deviation, and the mean difference B - A; patient ids found in one table only
    are reported and left out. Bookkeeping columns (largest_slice, components) are not compared. When the
    sidecars of the two tables (as `rg features` writes them) give different units or spacings, a warning
    names both.

    \b
    Example:
      rg features predicted_masks --out pred.csv && rg features kaggle_3m --out manual.csv
      rg agree pred.csv manual.csv --out agreement.csv
    """
    from radiogenomics.outputs import check_output
    from radiogenomics.stats.run import run_agree

    check_output(out, option="--out")
    outputs = run_agree(features_a, features_b, out, confidence=confidence)
    click.echo(f"wrote {outputs.features} features x {outputs.patients} patients to {outputs.results}")
    for name, ids in (("A", outputs.only_a), ("B", outputs.only_b)):
        if ids:
            shown = ", ".join(ids[:10]) + (", ..." if len(ids) > 10 else "")
            click.echo(f"{len(ids)} patient id(s) only in {name}, left out: {shown}")
