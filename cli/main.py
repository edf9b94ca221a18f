"""The ``rg`` group. Each command lives in its own module and imports heavy libraries inside itself,
so ``rg --help`` stays fast. User errors become one line on stderr and a non-zero exit, no traceback."""

import importlib
import warnings

import click

from radiogenomics import __version__
from radiogenomics.errors import InputError, InputWarning

# (module, attribute) of each command or sub-group, in the order --help lists them.
COMMANDS = [
    ("cli.data", "data"),
    ("cli.demo", "demo"),
    ("cli.reproduce", "reproduce"),
    ("cli.features", "features"),
    ("cli.associate", "associate"),
    ("cli.agree", "agree"),
    ("cli.classify", "classify"),
    ("cli.train", "train"),
    ("cli.segment", "segment"),
    ("cli.models", "models"),
    ("cli.evaluate", "evaluate"),
]


def _one_line(text) -> str:
    return " ".join(str(text).split())


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """Warnings as one line on stderr: ``warning: <message>`` (no file and line of the code)."""
    click.echo(f"warning: {_one_line(message)}", err=True)


class Group(click.Group):
    """A click group that turns bad input into a one-line error (exit 1) instead of a traceback, and
    every :class:`InputWarning` into a one-line ``warning: ...`` on stderr."""

    def invoke(self, ctx):
        with warnings.catch_warnings():
            warnings.simplefilter("always", InputWarning)
            warnings.showwarning = _show_warning
            try:
                return super().invoke(ctx)
            except InputError as err:
                raise click.ClickException(_one_line(err)) from err
            except FileNotFoundError as err:
                raise click.ClickException(f"{err.filename}: no such file or folder; check the path") from err
            except PermissionError as err:
                raise click.ClickException(
                    f"{err.filename}: permission denied; choose another place"
                ) from err
            except (FileExistsError, NotADirectoryError, IsADirectoryError) as err:
                # a safety net for outputs not checked by radiogenomics.outputs.check_output
                raise click.ClickException(
                    f"{err.filename}: {(err.strerror or type(err).__name__).lower()}; a file stands where a folder is needed (or the "
                    "reverse): choose another output path"
                ) from err


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
