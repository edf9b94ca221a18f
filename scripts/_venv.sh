# Sourced by scripts/demo and scripts/test: create (or refresh) the project's virtual environment in
# .venv, installing the package against constraints.txt. Reused as long as pyproject.toml and
# constraints.txt are unchanged.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv="$root/.venv"
want=$(cat "$root/pyproject.toml" "$root/constraints.txt" | sha256sum | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$venv/.rg-stamp" 2>/dev/null)" != "$want" ]; then
  echo "setting up $venv (first run: about a minute)" >&2
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    -c "$root/constraints.txt" -e "$root[test]"
  echo "$want" > "$venv/.rg-stamp"
fi
export PATH="$venv/bin:$PATH"
cd "$root"
