"""Rank tests, logistic regression and multiple-testing corrections against scipy, statsmodels and hand values."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from radiogenomics.errors import InputError
from radiogenomics.stats.logistic import design_covariates, logistic_association
from radiogenomics.stats.multitest import adjust
from radiogenomics.stats.rank_tests import auc_delong, kruskal, mann_whitney_one_vs_rest

VALUES = np.array([1.2, 3.4, 2.2, 5.0, 4.1, 0.7, 3.3, 2.9, 6.1, 4.4, 3.4, 2.0])
GROUPS = np.array(["a", "b", "a", "c", "b", "a", "b", "a", "c", "c", "b", "a"])


def test_kruskal_equals_scipy():
    result = kruskal(VALUES, GROUPS)
    expected = stats.kruskal(*(VALUES[GROUPS == g] for g in "abc"))
    assert result.statistic == pytest.approx(expected.statistic)
    assert result.pvalue == pytest.approx(expected.pvalue)
    assert result.df == 2 and result.n == 12
    assert result.epsilon_squared == pytest.approx(expected.statistic / 11)


def test_mann_whitney_one_vs_rest_equals_scipy():
    results = mann_whitney_one_vs_rest(VALUES, GROUPS)
    assert [r.level for r in results] == ["a", "b", "c"]
    for r in results:
        inside, outside = VALUES[GROUPS == r.level], VALUES[GROUPS != r.level]
        expected = stats.mannwhitneyu(inside, outside, alternative="two-sided")
        assert r.statistic == pytest.approx(expected.statistic)
        assert r.pvalue == pytest.approx(expected.pvalue)
        assert r.auc == pytest.approx(expected.statistic / (inside.size * outside.size))


def test_auc_and_delong_by_hand():
    # positive 3, 5 vs negative 1, 3, 4: psi rows [1, .5, 0] and [1, 1, 1] -> AUC 4.5/6 = 0.75.
    auc, low, high = auc_delong([3, 5], [1, 3, 4])
    assert auc == pytest.approx(0.75)
    v10 = np.array([0.5, 1.0])  # row means
    v01 = np.array([1.0, 0.75, 0.5])  # column means
    se = np.sqrt(v10.var(ddof=1) / 2 + v01.var(ddof=1) / 3)
    assert low == pytest.approx(max(0, 0.75 - 1.959964 * se), rel=1e-5)
    assert high == pytest.approx(min(1, 0.75 + 1.959964 * se), rel=1e-5)


def test_rank_tests_need_two_groups():
    with pytest.raises(ValueError, match="at least two groups"):
        kruskal([1.0, 2.0], ["a", "a"])


def test_logistic_binary_equals_statsmodels_llr():
    import statsmodels.api as sm

    rng = np.random.default_rng(0)
    x = rng.normal(size=80)
    y = (x + rng.normal(size=80) > 0).astype(int)
    result = logistic_association(x, y)
    z = (x - x.mean()) / x.std()
    fit = sm.Logit(y, sm.add_constant(z)).fit(disp=0)
    assert result.statistic == pytest.approx(fit.llr, rel=1e-6)
    assert result.pvalue == pytest.approx(fit.llr_pvalue, rel=1e-6)
    assert result.odds_ratio == pytest.approx(np.exp(fit.params[1]), rel=1e-6)
    assert result.ci_low < result.odds_ratio < result.ci_high
    assert result.model == "logit" and result.df == 1 and result.note == ""


def test_logistic_multinomial_with_covariates_finds_planted_effect():
    rng = np.random.default_rng(1)
    n = 150
    labels = rng.integers(1, 4, n)
    x = labels + rng.normal(scale=0.8, size=n)
    covariates = pd.DataFrame({"age": rng.integers(20, 75, n), "site": rng.choice(["DU", "HT", "CS"], n)})
    result = logistic_association(x, labels.astype(str), covariates)
    assert result.model == "mnlogit" and result.df == 2
    assert result.pvalue < 1e-6
    reference = pd.Series(covariates["site"]).value_counts().index[0]  # the most frequent site
    assert result.covariates == ("age", *(f"site={s}" for s in ("CS", "DU", "HT") if s != reference))


def test_logistic_separation_is_a_note_not_an_error():
    x = np.arange(20.0)
    y = (x > 9).astype(int)
    result = logistic_association(x, y)
    assert np.isnan(result.pvalue)
    assert result.note.startswith("not run")


def test_design_covariates_codes_and_numbers():
    frame = pd.DataFrame(
        {"age": [30.0, 41, 52, 60, 71, 25, 33], "gender": [1, 2, 1, 2, 2, 1, 1], "k": [5] * 7}
    )
    design = design_covariates(frame, min_level_count=1)
    assert list(design.columns) == [
        "age",
        "gender=2",
    ]  # k is constant: dropped; 1 (most frequent) is the reference
    assert design["gender=2"].tolist() == [0, 1, 0, 1, 1, 0, 0]
    merged = design_covariates(frame)  # gender 2 has 3 rows < 5: merged into 1, then constant
    assert list(merged.columns) == ["age"] and merged.attrs["merged"] == ["gender=2"]


P = [0.01, 0.04, 0.03, 0.005, np.nan]


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        ("bonferroni", [0.04, 0.16, 0.12, 0.02, np.nan]),  # m = 4 (the NaN is not tested)
        ("holm", [0.03, 0.06, 0.06, 0.02, np.nan]),  # sorted .005*4, .01*3, .03*2, .04*1 -> monotone max
        ("fdr_bh", [0.02, 0.04, 0.04, 0.02, np.nan]),  # .005*4/1, .01*4/2, .03*4/3, .04*4/4 -> monotone min
    ],
)
def test_corrections_by_hand(method, expected):
    result = adjust(P, method=method, alpha=0.05)
    np.testing.assert_allclose(result.p_adjusted, expected, rtol=1e-12)
    assert result.m == 4
    assert result.reject.tolist() == [bool(v <= 0.05) for v in np.nan_to_num(expected, nan=1.0)]


def test_unknown_correction_is_an_input_error():
    with pytest.raises(InputError, match="unknown correction 'sidak'"):
        adjust([0.1], method="sidak")


def test_rare_covariate_level_is_merged_and_named():
    rng = np.random.default_rng(2)
    n = 60
    labels = rng.integers(0, 2, n)
    x = labels + rng.normal(size=n)
    site = np.array(["DU"] * 30 + ["HT"] * 29 + ["EZ"])
    result = logistic_association(x, labels, pd.DataFrame({"site": site}))
    assert result.covariates == ("site=HT",)
    assert result.note == "rare levels merged into the most frequent: site=EZ"
    assert np.isfinite(result.pvalue)


def test_empty_class_in_a_covariate_level_is_a_note():
    labels = np.array([0, 1] * 15)
    site = np.where(np.arange(30) < 10, "A", "B")
    site[labels == 1] = "B"  # class 1 never at site A
    result = logistic_association(np.arange(30.0) % 7, labels, pd.DataFrame({"site": site}))
    assert np.isnan(result.pvalue)
    assert (
        result.note
        == "not run: no patient with site=A & class 1 (quasi-separation); drop or merge that covariate"
    )
