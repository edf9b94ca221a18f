"""rg's science and I/O: cases, clinical tables, manifests, features, statistics, reports.

Never imports torch (tests/test_no_torch.py proves it), so feature extraction and statistics run
without the deep-learning stack.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("rg")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0+unknown"
