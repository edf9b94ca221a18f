# Sourced by scripts/demo and scripts/test: create (or refresh) the project's virtual environment in
# .venv, installing the package against constraints.txt. Reused as long as pyproject.toml and
# constraints.txt are unchanged.
#   RG_TORCH_INDEX=URL   take torch (at constraints.txt's version) from this index first, e.g. PyTorch's CPU
#                        wheels, https://download.pytorch.org/whl/cpu, where PyPI would give the CUDA build
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv="$root/.venv"
want=$(cat "$root/pyproject.toml" "$root/constraints.txt" | sha256sum | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$venv/.rg-stamp" 2>/dev/null)" != "$want" ]; then
  echo "setting up $venv (first run: about a minute)" >&2
  python3 -m venv "$venv"
  pip=("$venv/bin/python" -m pip install --quiet --disable-pip-version-check)
  "${pip[@]}" --upgrade pip
  if [ -n "${RG_TORCH_INDEX:-}" ]; then
    torch=$(grep -oE '^torch==[^[:space:]#]+' "$root/constraints.txt" || true)
    if [ -z "$torch" ]; then
      echo "$root/constraints.txt: no torch==VERSION line; RG_TORCH_INDEX needs the version to install" >&2
      exit 1
    fi
    echo "taking $torch from $RG_TORCH_INDEX" >&2
    "${pip[@]}" --index-url "$RG_TORCH_INDEX" "$torch"
  fi
  # The filter silences setuptools' multi-line notice on every editable install (not a problem here).
  PYTHONWARNINGS="ignore:Editable installation." "${pip[@]}" -c "$root/constraints.txt" -e "$root[test]"
  echo "$want" > "$venv/.rg-stamp"
fi
export PATH="$venv/bin:$PATH"
cd "$root"
