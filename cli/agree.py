"""``rg agree``: agreement of the same features computed on two mask sets (ICC, Spearman)."""

import math
from pathlib import Path

import click

from cli.common import out_option, quiet_option

#: The features whose ICC(2,1) the terminal shows (the study's three, and volume), those present.
SHOWN = ("ASD", "MF", "BEVR", "volume")


@click.command()
@click.argument("features_a", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("features_b", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@out_option("Agreement CSV to write.", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--confidence", default=0.95, show_default=True, type=click.FloatRange(0.5, 0.999), help="CI level."
)
@quiet_option("No table of ICCs: the result line and warnings only.")
def agree(features_a: Path, features_b: Path, out: Path, confidence: float, quiet: bool):
    """Per-feature agreement of FEATURES_A and FEATURES_B, matched on patient id.

    Writes ICC(2,1) (absolute agreement), ICC(3,1) (consistency) and Spearman's rho, each with its CI, each
    side's mean and standard deviation, and the mean difference B - A; patient ids found in one table only
    are reported and left out. Bookkeeping columns (largest_slice, components) are not compared. When the
    sidecars of the two tables (as `rg features` writes them) give different units or spacings, a warning
    names both. Prints ICC(2,1) with its CI for ASD, MF, BEVR and volume (those present).

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
    if not quiet:
        for line in icc_lines(outputs.table, confidence=confidence):
            click.echo(line)


def icc_lines(table, *, confidence: float) -> list[str]:
    """A short table: ICC(2,1) and its CI of each feature of :data:`SHOWN` in ``table`` (rg agree's)."""
    rows = table.set_index("feature")
    present = [f for f in SHOWN if f in rows.index]
    if not present:
        return []
    lines = [f"{'feature':<8}{'ICC(2,1)':>9}  {f'{100 * confidence:g} % CI':<16}{'n':>5}"]
    for name in present:
        row = rows.loc[name]
        if math.isnan(row["icc2_1"]):  # too few patients: said in the note
            lines.append(f"{name:<8}{'-':>9}  {'':<16}{int(row['n']):>5}  {row['note']}")
            continue
        interval = f"{row['icc2_1_low']:.2f} to {row['icc2_1_high']:.2f}"
        lines.append(f"{name:<8}{row['icc2_1']:>9.2f}  {interval:<16}{int(row['n']):>5}")
    return lines
