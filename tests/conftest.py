"""Shared fixtures: the real LGG data (unpacked once into a cache folder) and a synthetic cohort."""

import os
import subprocess
from pathlib import Path

import pytest

from radiogenomics.synthetic import CohortConfig, synth_cohort

REPO = Path(__file__).resolve().parents[1]
# ../shared/data/lgg beside the checkout; RG_SHARED_LGG overrides it.
SHARED_LGG = Path(os.environ.get("RG_SHARED_LGG", REPO.parent / "shared" / "data" / "lgg"))
if "RG_SHARED_LGG" not in os.environ and not SHARED_LGG.exists():
    SHARED_LGG = Path("/work/shared/data/lgg")  # a clone made elsewhere on the workplace's machines
CACHE = Path(os.environ.get("RG_CACHE", REPO / ".cache"))

#: The synthetic cohort the tests share: small slices so that everything built on it stays quick.
SMALL_COHORT = CohortConfig(cases=12, seed=0, size=128, min_slices=12, max_slices=18)


@pytest.fixture(scope="session")
def lgg_root() -> Path:
    """The unpacked real data: ``kaggle_3m/`` (41 complete cases) and ``manual_masks/`` (110 cases).

    Unpacked from ``../shared/data/lgg`` into ``.cache/lgg`` (checked against SHA256SUMS by ``unpack``),
    once; later runs reuse it. Never written beside the archives (read-only in CI).
    """
    unpack = SHARED_LGG / "unpack"
    if not unpack.exists():
        pytest.fail(f"{SHARED_LGG}: the shared LGG data is missing; set RG_SHARED_LGG to its folder")
    dest = (CACHE / "lgg").resolve()
    subprocess.run([str(unpack), str(dest)], check=True, capture_output=True)
    return dest


@pytest.fixture(scope="session")
def lgg_cases_csv() -> Path:
    """``cases.csv`` of the shared data: per case slices, tumour voxels, whether images ship."""
    return SHARED_LGG / "cases.csv"


@pytest.fixture(scope="session")
def synthetic_cohort(tmp_path_factory) -> Path:
    """A 12-case synthetic cohort (128² slices) in the Kaggle layout, with data.csv and truth.csv."""
    return synth_cohort(tmp_path_factory.mktemp("cohort"), SMALL_COHORT)
