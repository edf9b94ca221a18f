"""Fisher's exact test: R's documented examples, scipy, and brute force over every table.

Known values from R (``?fisher.test`` examples, R 4.x):

    TeaTasting <- matrix(c(3, 1, 1, 3), nrow = 2)
    fisher.test(TeaTasting)            # p-value = 0.4857, odds ratio 6.408309, CI 0.2117329 621.9337505
    Job <- matrix(c(1,2,1,0, 3,3,6,1, 10,10,14,9, 6,7,12,11), 4, 4)
    fisher.test(Job)                   # p-value = 0.7827
"""

import itertools

import numpy as np
import pytest
from scipy import stats

from radiogenomics.stats.dichotomise import dichotomise
from radiogenomics.stats.fisher import (
    exact_2xk_size,
    fisher_2x2,
    fisher_exact_2xk,
    fisher_monte_carlo,
    fisher_test,
    table_log_probability,
)

TEA = [[3, 1], [1, 3]]
JOB = np.array([[1, 2, 1, 0], [3, 3, 6, 1], [10, 10, 14, 9], [6, 7, 12, 11]]).T  # R fills by column


def brute_force_pvalue(table) -> float:
    """Sum P(y) over every 2×k table y with the margins of ``table`` and P(y) <= P(x)(1 + 1e-7)."""
    table = np.asarray(table)
    cols = table.sum(0)
    observed = np.exp(table_log_probability(table))
    total = 0.0
    for first in itertools.product(*(range(c + 1) for c in cols)):
        if sum(first) != table[0].sum():
            continue
        other = np.array([first, cols - np.array(first)])
        probability = np.exp(table_log_probability(other))
        if probability <= observed * (1 + 1e-7):
            total += probability
    return total


def test_tea_tasting_matches_r():
    result = fisher_exact_2xk(TEA)
    assert result.pvalue == pytest.approx(0.4857, abs=5e-5)
    assert result.method == "exact" and result.pvalue_se == 0 and result.n == 8
    assert result.tables == 5  # x11 = 0..4


def test_tea_tasting_odds_ratio_matches_r():
    result = fisher_2x2(TEA)
    assert result.pvalue == pytest.approx(0.4857, abs=5e-5)
    assert result.odds_ratio == pytest.approx(6.408309, rel=1e-5)
    assert result.ci_low == pytest.approx(0.2117329, rel=1e-3)
    assert result.ci_high == pytest.approx(
        621.9337505, rel=0.01
    )  # R's uniroot stops early on the upper bound


def test_job_satisfaction_monte_carlo_within_its_standard_error():
    result = fisher_monte_carlo(JOB, draws=100_000, seed=0)
    assert result.method == "monte-carlo" and result.tables == 100_000
    assert 0 < result.pvalue_se < 0.002
    assert abs(result.pvalue - 0.7827) < 3 * result.pvalue_se
    assert fisher_test(JOB).pvalue == result.pvalue  # r×c goes to Monte Carlo, seed 0 by default


def test_monte_carlo_is_reproducible_and_seeded():
    a = fisher_monte_carlo(JOB, draws=5000, seed=3)
    b = fisher_monte_carlo(JOB, draws=5000, seed=3)
    c = fisher_monte_carlo(JOB, draws=5000, seed=4)
    assert a == b
    assert a.pvalue != c.pvalue


@pytest.mark.parametrize("seed", range(12))
def test_2xk_enumeration_equals_brute_force(seed):
    rng = np.random.default_rng(seed)
    table = rng.integers(0, 7, size=(2, int(rng.integers(2, 6))))
    assert fisher_exact_2xk(table).pvalue == pytest.approx(brute_force_pvalue(table), rel=1e-10, abs=1e-14)


@pytest.mark.parametrize(
    "table", [[[10, 2], [3, 15]], [[0, 5], [7, 1]], [[20, 18], [17, 25]], [[1, 0], [0, 1]]]
)
def test_2x2_enumeration_equals_scipy(table):
    assert fisher_exact_2xk(table).pvalue == pytest.approx(stats.fisher_exact(table).pvalue, rel=1e-10)


def test_kx2_is_transposed():
    table = np.array([[5, 1], [2, 6], [4, 4]])
    assert fisher_exact_2xk(table).pvalue == pytest.approx(fisher_exact_2xk(table.T).pvalue, rel=1e-12)


def test_ties_in_probability_are_counted():
    # A symmetric table: its mirror image has exactly the same probability and must be included.
    table = [[2, 3], [3, 2]]
    assert fisher_exact_2xk(table).pvalue == pytest.approx(1.0)


def test_monte_carlo_agrees_with_exact_on_a_2xk_table():
    table = np.array([[10, 16, 4, 16], [15, 12, 8, 11]])
    exact = fisher_exact_2xk(table)
    approx = fisher_monte_carlo(table, draws=20_000, seed=1)
    assert abs(exact.pvalue - approx.pvalue) < 4 * approx.pvalue_se


def test_study_sized_table_is_exact_and_fast():
    table = np.array([[2, 7, 17, 10, 19, 5, 6], [2, 6, 17, 11, 18, 5, 10]])  # n = 135, 7 clusters
    assert exact_2xk_size(table) < 100_000
    result = fisher_test(table)
    assert result.method == "exact" and result.tables > 1_000_000


def test_large_table_falls_back_to_monte_carlo():
    table = np.array([[200, 150, 100, 120, 90, 80, 60, 100], [210, 140, 110, 100, 95, 85, 70, 90]])
    assert fisher_test(table, draws=2000).method == "monte-carlo"


def test_single_column_gives_p_one():
    assert fisher_exact_2xk([[3], [4]]).pvalue == 1.0


@pytest.mark.parametrize(
    ("table", "match"),
    [
        ([[1, -1], [2, 3]], "non-negative integer"),
        ([[1.5, 1], [2, 3]], "non-negative integer"),
        ([1, 2], "2D"),
    ],
)
def test_bad_tables_are_refused(table, match):
    with pytest.raises(ValueError, match=match):
        fisher_exact_2xk(table)


def test_2xk_refuses_3x3():
    with pytest.raises(ValueError, match="2×k"):
        fisher_exact_2xk(np.ones((3, 3), int))


def test_monte_carlo_needs_enough_draws():
    with pytest.raises(ValueError, match="at least 1000"):
        fisher_monte_carlo(JOB, draws=10)


@pytest.mark.parametrize(
    ("values", "cut", "high"),
    [([1, 2, 3, 4], None, [0, 0, 1, 1]), ([1, 2, 3], None, [0, 0, 1]), ([1, 2, 3, 4], 1.5, [0, 1, 1, 1])],
)
def test_dichotomise(values, cut, high):
    split = dichotomise(values, cut=cut)
    assert split.high.tolist() == [bool(h) for h in high]
    assert split.n_high == sum(high)


def test_dichotomise_refuses_missing_values():
    with pytest.raises(ValueError, match="missing"):
        dichotomise([1.0, np.nan])
