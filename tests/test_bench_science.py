"""``benchmarks.lgg_science``'s diagnostic: the features' agreement over the cases whose mask found the tumour."""

import numpy as np
import pandas as pd
import pytest

from benchmarks.lgg_science import FOUND_DICE, icc_where_found
from radiogenomics.stats.agree import agree
from radiogenomics.stats.feature_table import read_feature_table


def _table(patients, values) -> pd.DataFrame:
    frame = pd.DataFrame(values, columns=["ASD", "MF", "BEVR", "volume"])
    frame.insert(0, "status", "ok")
    frame.insert(0, "case", [f"{p}_20000101" for p in patients])
    frame.insert(0, "patient", patients)
    return frame


def test_only_cases_with_dice_at_the_floor_are_compared(tmp_path):
    rng = np.random.default_rng(0)
    patients = [f"TCGA_AA_{i:04d}" for i in range(12)]
    manual = rng.uniform(0.1, 1.0, (12, 4)) * [0.1, 0.05, 0.5, 20000]
    predicted = manual.copy()
    missed = [1, 4, 7, 10]  # masks on the wrong structure: features unrelated to the manual ones
    predicted[missed] = manual[missed][::-1] * 3
    dice = np.where(np.isin(np.arange(12), missed), FOUND_DICE - 0.01, FOUND_DICE)  # the floor itself counts
    (tmp_path / "evaluate").mkdir()
    pd.DataFrame({"case": [f"{p}_20000101" for p in patients], "dice": dice}).to_csv(
        tmp_path / "evaluate" / "per_case.csv", index=False
    )
    _table(patients, predicted).to_csv(tmp_path / "features_predicted.csv", index=False)
    _table(patients, manual).to_csv(tmp_path / "features_manual.csv", index=False)

    found = icc_where_found(tmp_path).table.set_index("feature")
    assert (found["n"] == 8).all()
    assert found["icc2_1"].to_numpy() == pytest.approx(1.0)  # identical features on the found cases
    every = agree(read_feature_table(tmp_path / "features_predicted.csv"),
                  read_feature_table(tmp_path / "features_manual.csv")).table.set_index("feature")  # fmt: skip
    assert (every["n"] == 12).all() and (every["icc2_1"] < 0.9).all()
