"""Where benchmarks find the real LGG data: unpacked once into .cache/lgg from ../shared/data/lgg (the 81 complete
cases), or the whole download (110 cases) named by ``RG_LGG_DATA``."""

import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# ../shared/data/lgg beside the checkout; RG_SHARED_LGG overrides it.
SHARED_LGG = Path(os.environ.get("RG_SHARED_LGG", REPO.parent / "shared" / "data" / "lgg"))


def lgg_root() -> Path:
    """Unpack (first call only) and return the folder holding ``kaggle_3m/`` and ``manual_masks/``.

    Unpacked into ``.cache/lgg`` (``RG_CACHE`` overrides ``.cache``) and checked against SHA256SUMS by the
    data's own ``unpack``; never written beside the archives (read-only in CI).
    """
    if not (SHARED_LGG / "unpack").exists():
        raise FileNotFoundError(
            f"{SHARED_LGG}: the shared LGG data is missing; set RG_SHARED_LGG to its folder"
        )
    dest = (Path(os.environ.get("RG_CACHE", REPO / ".cache")) / "lgg").resolve()
    subprocess.run([str(SHARED_LGG / "unpack"), str(dest)], check=True, capture_output=True)
    return dest


def default_data() -> Path:
    """The ``kaggle_3m`` folder a benchmark reads when not given ``--data``: ``RG_LGG_DATA`` where set (e.g. the 110
    complete cases that ``../shared/data/lgg/complete GITDIR DEST`` lays out in ``DEST/kaggle_3m``), else the 81
    complete cases of :func:`lgg_root`."""
    named = os.environ.get("RG_LGG_DATA")
    if named:
        if not Path(named, "data.csv").is_file():
            raise FileNotFoundError(f"RG_LGG_DATA={named}: no data.csv there; name a kaggle_3m folder")
        return Path(named)
    return lgg_root() / "kaggle_3m"
