"""The ``rg`` group. Each command lives in its own module and imports heavy libraries inside itself,
so ``rg --help`` stays fast. User errors become one line on stderr and a non-zero exit, no traceback."""

import importlib

import click

from radiogenomics import __version__
from radiogenomics.errors import InputError

# (module, attribute) of each command or sub-group, in the order --help lists them.
COMMANDS = [
    ("cli.data", "data"),
    ("cli.demo", "demo"),
    ("cli.features", "features"),
    ("cli.associate", "associate"),
    ("cli.agree", "agree"),
    ("cli.train", "train"),
    ("cli.evaluate", "evaluate"),
]


class Group(click.Group):
    """A click group that turns bad input into a one-line error (exit 1) instead of a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except InputError as err:
            raise click.ClickException(" ".join(str(err).split())) from err  # always one line
        except FileNotFoundError as err:
            raise click.ClickException(f"{err.filename}: no such file or folder; check the path") from err
        except PermissionError as err:
            raise click.ClickException(f"{err.filename}: permission denied; choose another place") from err


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="rg")
def rg():
    """rg: radiogenomics from brain MRI.

    \b
    Segment tumours, turn masks into shape features, test their association with genomic subtypes.
    Example:
      rg data synth cohort --cases 12 --seed 0
      rg data verify ~/lgg/kaggle_3m --partial
    """


for module, name in COMMANDS:
    rg.add_command(getattr(importlib.import_module(module), name))

if __name__ == "__main__":
    rg()
