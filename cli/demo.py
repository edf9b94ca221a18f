"""``rg demo``: the study's whole chain on a built-in default (a synthetic cohort)."""

from pathlib import Path

import click

from cli.common import one_out, out_argument_or_option, quiet_option


@click.command()
@out_argument_or_option(
    "Folder of the study [default: outputs/demo]", type=click.Path(file_okay=False, path_type=Path)
)
@click.option("--cases", default=24, show_default=True, type=click.IntRange(2, 500), help="Synthetic cases.")
@click.option("--seed", default=0, show_default=True, type=int, help="Random seed of the cohort.")
@quiet_option("No progress: no bars, no epoch lines (the step lines still go to stderr).")
def demo(out: Path | None, out_option: Path | None, cases: int, seed: int, quiet: bool):
    """Run the study on a synthetic cohort written to OUT: a small U-Net trained with patient-level
    cross-validation, out-of-fold masks, evaluation, features of predicted and manual masks, their
    agreement, associations on both, one report (OUT/index.html). A rerun skips finished steps.

    \b
    Example:
      rg demo outputs/demo
    """
    from radiogenomics.outputs import check_output
    from study.demo import run_demo

    out, given = one_out(out, out_option, default=Path("outputs/demo"))
    check_output(out, option=given, folder=True)
    summary = run_demo(
        out, cases=cases, seed=seed, progress=not quiet, echo=lambda line: click.echo(line, err=True)
    )
    click.echo(summary)
