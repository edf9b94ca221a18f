"""Options that every command spells the same way: ``-o/--out`` for what it writes, ``-q/--quiet`` for
its progress. ``tests/test_cli_grammar.py`` checks that every command that writes output has both."""

from pathlib import Path

import click

#: What ``-q`` does, on every command.
QUIET_HELP = (
    "No progress (bar or lines) and no tables: the result line, notes, warnings and errors still print."
)


def out_option(help: str, *, type: click.Path, required: bool = True):
    """``-o/--out``: where the command writes."""
    return click.option("--out", "-o", "out", required=required, type=type, help=help)


def quiet_option(help: str = QUIET_HELP):
    """``-q/--quiet`` (:data:`QUIET_HELP`)."""
    return click.option("--quiet", "-q", is_flag=True, help=help)


def out_argument_or_option(help: str, *, type: click.Path):
    """OUT as a positional argument (``rg demo outputs/demo``) or as ``-o/--out``, the grammar of the other
    commands; :func:`one_out` takes whichever is given."""

    def decorate(command):
        command = click.option("--out", "-o", "out_option", type=type, help=f"{help} (or give it as OUT).")(
            command
        )
        return click.argument("out", required=False, type=type)(command)

    return decorate


def one_out(argument: Path | None, option: Path | None, *, default: Path | None = None) -> tuple[Path, str]:
    """The output path given as OUT or ``--out`` (or ``default``), and how it was given (for messages)."""
    if argument is not None and option is not None and Path(argument) != Path(option):
        raise click.UsageError(f"OUT {argument} and --out {option} both given; give one of them")
    if option is not None:
        return Path(option), "--out"
    if argument is not None:
        return Path(argument), "OUT"
    if default is None:
        raise click.UsageError("give the output folder, OUT or --out")
    return Path(default), "OUT"
