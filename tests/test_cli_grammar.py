"""One command-line grammar: every command that writes output takes ``-o/--out``, every command
``-q/--quiet``, and neither letter means anything else anywhere (introspecting the ``rg`` group)."""

import click

from cli.main import rg

#: Commands that write files (their output path is ``-o/--out``); every other command must be listed in
#: READ_ONLY, so that a new command is put in one or the other.
WRITES = {"data synth", "demo", "reproduce", "features", "associate", "agree", "classify", "train", "segment",
          "models", "evaluate"}  # fmt: skip
READ_ONLY = {"data verify"}


def leaves(group: click.Group, prefix: str = ""):
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from leaves(command, f"{prefix}{name} ")
        else:
            yield f"{prefix}{name}", command


def _options(command: click.Command) -> dict[str, click.Option]:
    return {opt: p for p in command.params if isinstance(p, click.Option) for opt in p.opts}


def test_every_command_is_classified():
    assert {name for name, _ in leaves(rg)} == WRITES | READ_ONLY


def test_every_command_that_writes_has_o_out_and_every_command_q_quiet():
    missing = []
    for name, command in leaves(rg):
        options = _options(command)
        if name in WRITES and not ("-o" in options and options["-o"] is options.get("--out")):
            missing.append(f"rg {name}: no -o/--out")
        if not ("-q" in options and options["-q"] is options.get("--quiet") and options["-q"].is_flag):
            missing.append(f"rg {name}: no -q/--quiet flag")
    assert not missing, "; ".join(missing)


def test_o_and_q_mean_the_same_on_every_command():
    for name, command in leaves(rg):
        for command_line in command.params:
            opts = set(command_line.opts) | set(command_line.secondary_opts)
            assert not (opts & {"-o", "-q"}) or opts in ({"-o", "--out"}, {"-q", "--quiet"}), (name, opts)


def test_out_as_argument_or_option(tmp_path):
    from click.testing import CliRunner

    small = ["--cases", "2", "--size", "32"]
    by_option = CliRunner().invoke(rg, ["data", "synth", "-o", str(tmp_path / "a"), *small, "-q"])
    by_argument = CliRunner().invoke(rg, ["data", "synth", str(tmp_path / "b"), *small])
    assert by_option.exit_code == 0 and by_argument.exit_code == 0, by_option.output + by_argument.output
    assert (tmp_path / "a" / "data.csv").read_bytes() == (tmp_path / "b" / "data.csv").read_bytes()
    assert "synth: 2/2 cases" in by_argument.stderr and "synth:" not in by_option.stderr  # -q: no progress
    both = CliRunner().invoke(
        rg, ["data", "synth", str(tmp_path / "c"), "--out", str(tmp_path / "d"), *small]
    )
    assert both.exit_code == 2 and "both given; give one of them" in both.stderr
    neither = CliRunner().invoke(rg, ["data", "synth", *small])
    assert neither.exit_code == 2 and "give the output folder, OUT or --out" in neither.stderr
    assert not (tmp_path / "c").exists() and not (tmp_path / "d").exists()


def test_models_writes_a_card_with_out(tmp_path):
    import json

    from click.testing import CliRunner

    from segmentation.model_files import DEFAULT_MODEL, shipped_models

    result = CliRunner().invoke(rg, ["models", DEFAULT_MODEL, "-o", str(tmp_path / "card.json")])
    assert result.exit_code == 0 and f"wrote the card of {DEFAULT_MODEL}" in result.output
    assert json.loads((tmp_path / "card.json").read_text()) == shipped_models()[DEFAULT_MODEL]
    quiet = CliRunner().invoke(rg, ["models", DEFAULT_MODEL, "-o", str(tmp_path / "q.json"), "-q"])
    assert quiet.exit_code == 0 and quiet.output == "" and (tmp_path / "q.json").exists()
    nameless = CliRunner().invoke(rg, ["models", "-o", str(tmp_path / "x.json")])
    assert (
        nameless.exit_code == 2 and "give its NAME" in nameless.stderr and not (tmp_path / "x.json").exists()
    )
