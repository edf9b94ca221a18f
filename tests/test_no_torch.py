import pkgutil
import subprocess
import sys

import radiogenomics


def test_radiogenomics_never_imports_torch():
    modules = [m.name for m in pkgutil.walk_packages(radiogenomics.__path__, "radiogenomics.")]
    assert len(modules) >= 8
    code = "\n".join(
        [f"import {m}" for m in modules]
        + [
            "import sys",
            "bad = [m for m in sys.modules if m == 'torch' or m.startswith('torch.')]",
            "print(bad)",
        ]
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]", f"radiogenomics imports torch: {result.stdout}"
