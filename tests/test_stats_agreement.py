"""ICC and Spearman: the Shrout & Fleiss (1979) example, hand values, and the agreement table.

Known values: Shrout & Fleiss (1979), table 2 (6 targets × 4 judges): BMS 11.24, JMS 32.49, EMS 1.02;
ICC(2,1) = 0.29, ICC(3,1) = 0.71. R ``psych::ICC`` on the same data (its documentation example) gives the
CIs ICC2 [0.02, 0.76] and ICC3 [0.34, 0.95], F = 11.03 on (5, 15) df. Checked independently with
pingouin 0.7.0 (a throwaway environment, not a dependency)::

    pg.intraclass_corr(long_table, "target", "rater", "score")
    # ICC(A,1) 0.2898, F 11.0272 (5, 15), CI95 [0.02, 0.76]; ICC(C,1) 0.7148, CI95 [0.34, 0.95]
"""

import numpy as np
import pandas as pd
import pytest

from radiogenomics.errors import InputError
from radiogenomics.stats.agree import agree
from radiogenomics.stats.agreement import (
    cohen_kappa,
    icc_agreement,
    icc_agreement_difference,
    icc_consistency,
    mean_squares,
    median_split_kappa,
    spearman,
)

SHROUT_FLEISS = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]


def test_mean_squares_of_shrout_fleiss():
    ms = mean_squares(SHROUT_FLEISS)
    assert (ms.bms, ms.jms, ms.ems) == pytest.approx((11.24, 32.49, 1.02), abs=0.005)


def test_icc_shrout_fleiss():
    icc2 = icc_agreement(SHROUT_FLEISS)
    icc3 = icc_consistency(SHROUT_FLEISS)
    assert icc2.value == pytest.approx(0.29, abs=0.005)
    assert icc3.value == pytest.approx(0.71, abs=0.005)
    assert (icc2.ci_low, icc2.ci_high) == pytest.approx((0.02, 0.76), abs=0.005)
    assert (icc3.ci_low, icc3.ci_high) == pytest.approx((0.34, 0.95), abs=0.005)
    assert icc3.statistic == pytest.approx(11.03, abs=0.005) and (icc3.df1, icc3.df2) == (5, 15)


def _three_measurements(n=80, seed=0):
    rng = np.random.default_rng(seed)
    truth = rng.normal(size=n)
    return truth + rng.normal(0, 0.3, n), truth + rng.normal(0, 1.0, n), truth + rng.normal(0, 0.3, n)


def test_icc_difference_is_the_difference_of_the_two_iccs():
    reference, a, b = _three_measurements()
    difference, low, high = icc_agreement_difference(reference, a, b)
    first = icc_agreement(np.column_stack([a, reference])).value
    second = icc_agreement(np.column_stack([b, reference])).value
    assert difference == pytest.approx(second - first, abs=1e-12)
    assert 0 < low < difference < high  # b clearly agrees better: the interval excludes 0
    swapped = icc_agreement_difference(reference, b, a)  # same draws: the mirror image
    assert swapped == pytest.approx((-difference, -high, -low), abs=1e-12)
    assert icc_agreement_difference(reference, a, reference)[0] == pytest.approx(1 - first, abs=1e-12)
    assert icc_agreement_difference(reference, a, a) == (0.0, 0.0, 0.0)


def test_icc_difference_interval_matches_scipys_paired_percentile_bootstrap():
    from scipy.stats import bootstrap

    reference, a, b = _three_measurements(n=60, seed=3)

    def statistic(r, x, y, axis=-1):
        icc = [
            icc_agreement_difference(r_, x_, y_, resamples=1)[0] for r_, x_, y_ in zip(r, x, y, strict=True)
        ]
        return np.array(icc)

    # scipy's own resampling (percentile interval, paired over targets), with a loop over the resamples
    result = bootstrap((reference, a, b), statistic, paired=True, vectorized=True, n_resamples=4000,
                       method="percentile", rng=np.random.default_rng(1), batch=500)  # fmt: skip
    _, low, high = icc_agreement_difference(reference, a, b, resamples=4000)
    assert (low, high) == pytest.approx((result.confidence_interval.low, result.confidence_interval.high),
                                        abs=0.02)  # fmt: skip


def test_icc_difference_drops_missing_targets():
    reference, a, b = _three_measurements(n=20)
    a[3], b[7] = np.nan, np.nan
    kept = np.ones(20, bool)
    kept[[3, 7]] = False
    assert icc_agreement_difference(reference, a, b) == icc_agreement_difference(reference[kept], a[kept],
                                                                                   b[kept])  # fmt: skip
    with pytest.raises(ValueError, match="2 targets with all three values"):
        icc_agreement_difference([1.0, 2.0, np.nan], [1.0, 2.0, 3.0], [1.0, 2.0, 3.0])


def test_icc_offset_lowers_agreement_not_consistency():
    rng = np.random.default_rng(0)
    truth = rng.normal(size=40)
    ratings = np.column_stack([truth + rng.normal(scale=0.1, size=40), truth + 2.0])
    assert icc_consistency(ratings).value > 0.95
    assert icc_agreement(ratings).value < 0.5


def test_icc_perfect_agreement():
    ratings = np.column_stack([np.arange(10.0), np.arange(10.0)])
    assert icc_agreement(ratings).value == pytest.approx(1.0)
    assert icc_consistency(ratings).value == pytest.approx(1.0)


def test_spearman_ci_by_hand():
    x = np.array([1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    y = np.array([2.0, 1, 4, 3, 6, 5, 8, 7, 10, 9])
    result = spearman(x, y)
    rho = 1 - 6 * 10 / (10 * 99)  # d = ±1 everywhere: sum d² = 10
    assert result.rho == pytest.approx(rho)
    half = 1.959964 * np.sqrt((1 + rho**2 / 2) / 7)
    assert result.ci_low == pytest.approx(np.tanh(np.arctanh(rho) - half), rel=1e-5)
    assert result.ci_high == pytest.approx(np.tanh(np.arctanh(rho) + half), rel=1e-5)


def test_agree_matches_on_patient_and_reports_unmatched():
    rng = np.random.default_rng(1)
    ids = [f"P{i}" for i in range(30)]
    a = pd.DataFrame({"ASD": rng.normal(size=30), "BEVR": rng.uniform(size=30)}, index=ids)
    b = a.iloc[::-1].copy() * 1.01  # same values, other order, 1 % larger
    b = b.drop(index="P0")
    b.loc["Q9"] = [0.1, 0.2]
    a.loc["P5", "ASD"] = np.nan
    b["volume"] = 1.0
    result = agree(a, b)
    assert result.only_a == ("P0",) and result.only_b == ("Q9",)
    assert result.features_only_b == ("volume",)
    row = result.table.set_index("feature").loc["ASD"]
    assert row["n"] == 28  # P0 unmatched, P5 missing in A
    assert row["icc3_1"] > 0.99 and row["spearman"] == pytest.approx(1.0)


def test_agree_gives_each_sides_mean_and_standard_deviation():
    ids = [f"P{i}" for i in range(6)]
    a = pd.DataFrame({"MF": [1.0, 2, 3, 4, 5, 6]}, index=ids)
    b = pd.DataFrame({"MF": [2.0, 4, 6, 8, 10, 12]}, index=ids)
    row = agree(a, b).table.set_index("feature").loc["MF"]
    # by hand: squared deviations from 3.5 sum to 17.5, / 5 = 3.5; B is A doubled
    assert row["sd_a"] == pytest.approx(3.5**0.5) and row["sd_b"] == pytest.approx(2 * 3.5**0.5)
    assert row["mean_a"] == pytest.approx(3.5) and row["mean_difference"] == pytest.approx(3.5)
    assert row["icc3_1"] < 1 and row["spearman"] == pytest.approx(1.0)  # same ranks, twice the spread


def test_agree_leaves_out_the_bookkeeping_columns():
    rng = np.random.default_rng(2)
    ids = [f"P{i}" for i in range(10)]
    a = pd.DataFrame({"ASD": rng.normal(size=10), "largest_slice": 7.0, "components": 1.0}, index=ids)
    b = a.drop(columns="largest_slice") + 0.01
    result = agree(a, b)
    assert result.table["feature"].tolist() == ["ASD"]
    assert result.features_only_a == () and result.features_only_b == ()
    with pytest.raises(InputError, match="share no feature column .*largest_slice are not compared"):
        agree(a[["components"]], b[["components"]])


def test_agree_with_no_shared_ids_is_an_input_error():
    a = pd.DataFrame({"ASD": [1.0]}, index=["A"])
    b = pd.DataFrame({"ASD": [1.0]}, index=["B"])
    with pytest.raises(InputError, match="share no patient id"):
        agree(a, b)


@pytest.mark.parametrize(
    ("a", "b", "kappa"),
    [
        ([1, 1, 0, 0], [1, 0, 0, 0], 0.5),  # p_o 3/4, p_e 1/2·1/4 + 1/2·3/4 = 1/2
        ([1, 1, 0, 0], [1, 1, 0, 0], 1.0),
        ([1, 1, 0, 0], [0, 0, 1, 1], -1.0),
        ([1, 0, 1, 0], [1, 1, 0, 0], 0.0),  # p_o 1/2 = p_e
    ],
)
def test_cohen_kappa_by_hand(a, b, kappa):
    assert cohen_kappa(np.array(a, bool), np.array(b, bool)) == pytest.approx(kappa)


def test_cohen_kappa_matches_scikit_learn():
    from sklearn.metrics import cohen_kappa_score

    rng = np.random.default_rng(3)
    for _ in range(20):
        a = rng.integers(0, 3, 40)
        b = np.where(rng.random(40) < 0.6, a, rng.integers(0, 3, 40))
        assert cohen_kappa(a, b) == pytest.approx(cohen_kappa_score(a, b), abs=1e-12)
    assert np.isnan(cohen_kappa([1, 1], [1, 1]))


def test_median_split_kappa_sees_what_the_median_split_sees():
    x = np.arange(8.0)
    assert median_split_kappa(x, 10 * x + 3) == 1.0  # same order, other scale: the same labels
    y = x.copy()
    y[[3, 4]] = y[[4, 3]]  # two patients either side of the median swap: 2 of 8 labels differ
    assert median_split_kappa(x, y) == pytest.approx(0.5)  # p_o 6/8, p_e 1/2


def test_agree_reports_the_median_split_kappa():
    index = pd.Index([f"P{i}" for i in range(8)], name="patient")
    a = pd.DataFrame({"MF": np.arange(8.0)}, index=index)
    b = pd.DataFrame({"MF": [0.0, 1, 2, 4, 3, 5, 6, 7]}, index=index)
    row = agree(a, b).table.set_index("feature").loc["MF"]
    assert row["kappa_median"] == pytest.approx(0.5)
