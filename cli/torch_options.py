"""Options shared by the commands that run the U-Net (``rg train``, ``rg segment``): where and how it runs."""

import click

from cli.common import quiet_option


def run_options(command):
    """``--precision``, ``--device``, ``--threads`` and ``--quiet`` (applied in that order in ``--help``)."""
    for option in reversed(
        [
            click.option(
                "--precision",
                default="auto",
                show_default=True,
                type=click.Choice(["auto", "bf16", "fp32"]),
                help="auto: bf16 where the CPU or GPU computes it natively, else fp32.",
            ),  # fmt: skip
            click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda or cuda:N."),
            click.option(
                "--threads", type=click.IntRange(1, 1024), help="CPU threads for torch (default: torch's)."
            ),
            quiet_option(),
        ]
    ):
        command = option(command)
    return command
