"""``rg demo``: the study's whole chain on a built-in default (a synthetic cohort)."""

from pathlib import Path

import click


@click.command()
@click.argument("out", type=click.Path(file_okay=False, path_type=Path), default="outputs/demo")
@click.option("--cases", default=24, show_default=True, type=click.IntRange(2, 500), help="Synthetic cases.")
@click.option("--seed", default=0, show_default=True, type=int, help="Random seed of the cohort.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars (step lines still go to stderr).")
def demo(out: Path, cases: int, seed: int, quiet: bool):
    """Run the study on a synthetic cohort written to OUT: a small U-Net trained with patient-level
    cross-validation, out-of-fold masks, evaluation, features of predicted and manual masks, their
    agreement, associations on both, one report (OUT/index.html). A rerun skips finished steps.

    \b
    Example:
      rg demo outputs/demo
    """
    from radiogenomics.outputs import check_output
    from study.demo import run_demo

    check_output(out, option="OUT", folder=True)
    summary = run_demo(
        out, cases=cases, seed=seed, progress=not quiet, echo=lambda line: click.echo(line, err=True)
    )
    click.echo(summary)
