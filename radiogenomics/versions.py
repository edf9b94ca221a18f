"""Software versions saved with every output (DESIGN §7)."""

import platform
from importlib.metadata import PackageNotFoundError, version


def software_versions(*packages: str) -> dict[str, str]:
    """Versions of Python, rg and each named distribution (``"not installed"`` where absent)."""
    versions = {"python": platform.python_version()}
    for name in ("rg", *packages):
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = "not installed"
    return versions
