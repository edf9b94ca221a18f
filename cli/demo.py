"""``rg demo``: the whole chain on a built-in default (a synthetic cohort)."""

from pathlib import Path

import click


@click.command()
@click.argument("out", type=click.Path(file_okay=False, path_type=Path), default="outputs/demo")
@click.option("--cases", default=24, show_default=True, type=click.IntRange(2, 500), help="Synthetic cases.")
@click.option("--seed", default=0, show_default=True, type=int, help="Random seed of the cohort.")
def demo(out: Path, cases: int, seed: int):
    """Run the pipeline on a synthetic cohort written to OUT (rerun: finished steps are skipped).

    \b
    Example:
      rg demo outputs/demo
    """
    from radiogenomics.demo import run_demo
    from radiogenomics.outputs import prepare_output

    prepare_output(out, option="OUT", folder=True)
    summary = run_demo(out, cases=cases, seed=seed, echo=lambda line: click.echo(line, err=True))
    click.echo(summary)
