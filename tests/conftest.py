"""Shared fixtures: the real LGG data (unpacked once into a cache folder) and a synthetic cohort."""

import os
from pathlib import Path

import pytest

from benchmarks.lgg_data import SHARED_LGG
from benchmarks.lgg_data import lgg_root as unpack_lgg
from radiogenomics.synthetic import CohortConfig, synth_cohort

#: The synthetic cohort the tests share: small slices so that everything built on it stays quick.
SMALL_COHORT = CohortConfig(cases=12, seed=0, size=128, min_slices=12, max_slices=18)


@pytest.fixture(scope="session")
def lgg_root() -> Path:
    """The unpacked real data: ``kaggle_3m/`` (the complete cases that ship; ``cases.csv`` says which) and ``manual_masks/`` (110 cases).

    Unpacked once from ``../shared/data/lgg`` into ``.cache/lgg`` by :func:`benchmarks.lgg_data.lgg_root`
    (the same place the benchmarks use); later runs reuse it.
    """
    try:
        return unpack_lgg()
    except FileNotFoundError as err:
        _no_data(str(err))


@pytest.fixture(scope="session")
def lgg_cases_csv() -> Path:
    """``cases.csv`` of the shared data: per case slices, tumour voxels, whether images ship."""
    if not (SHARED_LGG / "cases.csv").is_file():
        _no_data(f"{SHARED_LGG}: the shared LGG data is missing; set RG_SHARED_LGG to its folder")
    return SHARED_LGG / "cases.csv"


def _no_data(reason: str):
    """Skip a real-data test where the data is absent (a fresh clone); fail instead where ``RG_REQUIRE_DATA=1``
    (``.ci/run`` sets it, so CI can never pass by skipping)."""
    if os.environ.get("RG_REQUIRE_DATA") == "1":
        pytest.fail(f"{reason} (RG_REQUIRE_DATA=1: real-data tests must run here)")
    pytest.skip(f"real LGG data not here: {reason}")


@pytest.fixture(scope="session")
def synthetic_cohort(tmp_path_factory) -> Path:
    """A 12-case synthetic cohort (128² slices) in the Kaggle layout, with data.csv and truth.csv."""
    return synth_cohort(tmp_path_factory.mktemp("cohort"), SMALL_COHORT)
