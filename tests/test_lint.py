"""The lint and format checks CI runs first (``.ci/run``), so the README's test command catches them too."""

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
RUFF = Path(sys.executable).with_name("ruff")


@pytest.mark.parametrize("args", [["check", "."], ["format", "--check", "."]], ids=["check", "format"])
def test_ruff_passes_as_ci_runs_it(args):
    if not RUFF.is_file():
        pytest.skip(f"no ruff beside {sys.executable}; scripts/test installs it")
    done = subprocess.run([RUFF, *args], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, f"ruff {' '.join(args)} (run it to see or fix):\n{done.stdout}{done.stderr}"
