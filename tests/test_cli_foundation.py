import subprocess
import sys

from click.testing import CliRunner

from cli.main import rg
from radiogenomics import __version__
from radiogenomics.manifest import build_manifest, write_manifest
from tests.helpers import make_case


def test_version():
    result = CliRunner().invoke(rg, ["--version"])
    assert result.exit_code == 0 and __version__ in result.output


def test_every_command_has_help_with_an_example():
    runner = CliRunner()
    assert "Example" in runner.invoke(rg, ["--help"]).output

    def walk(group, path):
        for name, command in group.commands.items():
            output = runner.invoke(rg, [*path, name, "--help"]).output
            if hasattr(command, "commands"):
                walk(command, [*path, name])
            else:
                assert "Example" in output, f"rg {' '.join([*path, name])} --help has no example"

    walk(rg, [])


def test_synth_and_verify(tmp_path):
    runner = CliRunner()
    result = runner.invoke(rg, ["data", "synth", str(tmp_path / "c"), "--cases", "3", "--size", "48"])
    assert result.exit_code == 0, result.output
    table, sums = build_manifest(tmp_path / "c", folds=3, seed=0)
    write_manifest(tmp_path / "m.csv", table, sums)
    result = runner.invoke(rg, ["data", "verify", str(tmp_path / "c"), "--manifest", str(tmp_path / "m.csv")])
    assert result.exit_code == 0 and "verdict: ok" in result.output
    (tmp_path / "c" / "data.csv").unlink()
    result = runner.invoke(rg, ["data", "verify", str(tmp_path / "c"), "--manifest", str(tmp_path / "m.csv")])
    assert result.exit_code == 1 and "missing files: data.csv" in result.output


def test_verify_of_a_partial_lgg_download_names_missing_cases(tmp_path):
    make_case(tmp_path, "TCGA_CS_4942_19970222", slices=2)
    result = CliRunner().invoke(rg, ["data", "verify", str(tmp_path)])
    assert result.exit_code == 1
    assert "incomplete cases: TCGA_CS_4942_19970222" in result.output
    assert "TCGA_HT_A61B_19991127" in result.output  # named among the missing


def test_bad_input_is_one_line_without_traceback(tmp_path):
    (tmp_path / "empty").mkdir()
    result = subprocess.run(
        [sys.executable, "-c", "from cli.main import rg; rg()", "demo", str(tmp_path / "x"), "--cases", "1"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    result = subprocess.run(
        [sys.executable, "-m", "cli.main", "data", "verify", str(tmp_path / "empty"), "--manifest", __file__],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and "test_cli_foundation.py" in result.stderr
