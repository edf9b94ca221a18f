"""``scripts/_venv.sh``'s pip steps, run against a fake ``python3`` that logs each pip call (no real venv).

The fake ``python3 -m venv DIR`` writes ``DIR/bin/python``, a shim that appends its arguments (and the
``PYTHONWARNINGS`` it was given) to a log: the test reads the pip calls the script would make, in order.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CPU_INDEX = "https://download.pytorch.org/whl/cpu"

FAKE_PYTHON3 = """#!/usr/bin/env bash
# python3 -m venv DIR: a DIR/bin/python that only logs its calls
[ "$1" = "-m" ] && [ "$2" = "venv" ] || { echo "fake python3: $*" >&2; exit 9; }
mkdir -p "$3/bin"
cat > "$3/bin/python" <<'SHIM'
#!/usr/bin/env bash
echo "PYTHONWARNINGS=${PYTHONWARNINGS:-} $*" >> "$RG_PIP_LOG"
SHIM
chmod +x "$3/bin/python"
"""


def _torch_pin() -> str:
    (pin,) = [
        line for line in (REPO / "constraints.txt").read_text().splitlines() if line.startswith("torch==")
    ]
    return pin


def _root(tmp_path: Path, constraints: str | None = None) -> Path:
    """A copy of the repository's set-up files, with a fake ``python3`` first on PATH."""
    root = tmp_path / "clone"
    (root / "scripts").mkdir(parents=True)
    shutil.copy(REPO / "scripts" / "_venv.sh", root / "scripts" / "_venv.sh")
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    (root / "constraints.txt").write_text(
        (REPO / "constraints.txt").read_text() if constraints is None else constraints
    )
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    (bin_ / "python3").write_text(FAKE_PYTHON3)
    (bin_ / "python3").chmod(0o755)
    return root


def _source(root: Path, tmp_path: Path, **env: str) -> tuple[subprocess.CompletedProcess, list[str]]:
    """Source ``_venv.sh`` as scripts/test does; the result and the logged pip calls."""
    log = tmp_path / "pip.log"
    base = {k: v for k, v in os.environ.items() if k not in ("RG_TORCH_INDEX", "PYTHONWARNINGS")}
    environ = {**base, "PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}", "RG_PIP_LOG": str(log)}
    result = subprocess.run(
        ["bash", "-c", 'source "$1" && echo sourced', "_", str(root / "scripts" / "_venv.sh")],
        capture_output=True,
        text=True,
        env={**environ, **env},
        timeout=60,
    )
    calls = log.read_text().splitlines() if log.exists() else []
    return result, calls


def test_torch_index_installs_the_pinned_torch_from_it_first(tmp_path):
    root = _root(tmp_path)
    result, calls = _source(root, tmp_path, RG_TORCH_INDEX=CPU_INDEX)
    assert result.returncode == 0 and result.stdout.strip() == "sourced", result.stderr
    pip = "-m pip install --quiet --disable-pip-version-check"
    assert calls == [
        f"PYTHONWARNINGS= {pip} --upgrade pip",
        f"PYTHONWARNINGS= {pip} --index-url {CPU_INDEX} {_torch_pin()}",
        f"PYTHONWARNINGS=ignore:Editable installation. {pip} -c {root}/constraints.txt -e {root}[test]",
    ]
    assert f"taking {_torch_pin()} from {CPU_INDEX}" in result.stderr


def test_without_the_variable_pip_takes_everything_from_its_usual_index(tmp_path):
    root = _root(tmp_path)
    result, calls = _source(root, tmp_path)
    assert result.returncode == 0, result.stderr
    assert len(calls) == 2 and not any("--index-url" in call for call in calls)
    assert calls[1].endswith(f"-c {root}/constraints.txt -e {root}[test]")


def test_a_set_up_venv_is_reused_without_pip(tmp_path):
    root = _root(tmp_path)
    _source(root, tmp_path, RG_TORCH_INDEX=CPU_INDEX)
    (tmp_path / "pip.log").unlink()
    result, calls = _source(root, tmp_path, RG_TORCH_INDEX=CPU_INDEX)
    assert result.returncode == 0 and calls == []


@pytest.mark.parametrize("constraints", ["numpy==2.4.6\n", "# torch==2.13.0\nnumpy==2.4.6\n"])
def test_torch_index_without_a_torch_pin_is_refused_before_any_install(tmp_path, constraints):
    root = _root(tmp_path, constraints)
    result, calls = _source(root, tmp_path, RG_TORCH_INDEX=CPU_INDEX)
    assert result.returncode == 1 and "sourced" not in result.stdout
    assert result.stderr.strip().endswith(
        f"{root}/constraints.txt: no torch==VERSION line; RG_TORCH_INDEX needs the version to install"
    )
    assert not any("-e " in call for call in calls)
