r"""Rank tests of a continuous feature across clusters: Kruskal–Wallis, and Mann–Whitney one-vs-rest with AUC.

The AUC is the Mann–Whitney probability :math:`\hat A = U / (n_1 n_0) = P(X_1 > X_0) + \tfrac12 P(X_1 = X_0)`
for a patient in the cluster (:math:`X_1`) against one outside it (:math:`X_0`); its 95 % CI uses
DeLong's variance (DeLong, DeLong & Clarke-Pearson 1988) with a normal approximation, clipped to [0, 1].
"""

from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class KruskalResult:
    """Kruskal–Wallis H test.

    Attributes
    ----------
    statistic : H, corrected for ties (as ``scipy.stats.kruskal``).
    pvalue : chi-square approximation with ``df`` degrees of freedom.
    df : number of groups minus 1.
    n : number of values.
    epsilon_squared : effect size :math:`\\varepsilon^2 = H / (n - 1)`, in [0, 1].
    """

    statistic: float
    pvalue: float
    df: int
    n: int
    epsilon_squared: float


@dataclass(frozen=True)
class MannWhitneyResult:
    """Mann–Whitney U test of one group against the rest, with the AUC.

    Attributes
    ----------
    level : the group tested against the rest.
    statistic : U of the group (the number of pairs where the group's value is larger, ties counted 1/2).
    pvalue : two-sided p-value (``scipy.stats.mannwhitneyu``, its default method).
    n_in, n_out : sizes of the group and of the rest.
    auc, ci_low, ci_high : :math:`U / (n_{in} n_{out})` with its DeLong confidence interval.
    """

    level: str
    statistic: float
    pvalue: float
    n_in: int
    n_out: int
    auc: float
    ci_low: float
    ci_high: float


def _finite(values) -> np.ndarray:
    x = np.asarray(values, dtype=float)
    if x.ndim != 1:
        raise ValueError(f"values must be 1D, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"values hold {int(np.sum(~np.isfinite(x)))} missing entries; drop them first")
    return x


def kruskal(values, groups) -> KruskalResult:
    """Kruskal–Wallis test of equal distributions across groups.

    Parameters
    ----------
    values : (N,) array_like of float
        Feature values, finite.
    groups : (N,) array_like
        Group label of each value; at least two groups.

    Returns
    -------
    KruskalResult

    References
    ----------
    Kruskal, W. H. & Wallis, W. A. (1952). *JASA* 47, 583–621. Tomczak, M. & Tomczak, E. (2014) for
    :math:`\\varepsilon^2`.
    """
    x = _finite(values)
    g = np.asarray(groups)
    levels = np.unique(g)
    if levels.size < 2:
        raise ValueError(f"Kruskal–Wallis needs at least two groups, got {levels.size}")
    samples = [x[g == level] for level in levels]
    result = stats.kruskal(*samples)
    n = x.size
    return KruskalResult(
        float(result.statistic), float(result.pvalue), levels.size - 1, n, float(result.statistic) / (n - 1)
    )


def auc_delong(positive, negative, *, confidence: float = 0.95) -> tuple[float, float, float]:
    """AUC of ``positive`` over ``negative`` values with DeLong's confidence interval.

    Parameters
    ----------
    positive : (M,) array_like of float
    negative : (K,) array_like of float
    confidence : float, keyword-only

    Returns
    -------
    (auc, ci_low, ci_high)
        :math:`\\hat A = \\frac{1}{MK}\\sum_{ij}\\psi(x_i, y_j)` with :math:`\\psi = 1, \\tfrac12, 0` for
        :math:`x > y, x = y, x < y`; :math:`\\mathrm{Var}\\hat A = S_{10}/M + S_{01}/K`, the variances of the
        placement values :math:`V_{10}(x_i) = \\frac1K\\sum_j\\psi(x_i, y_j)` and
        :math:`V_{01}(y_j) = \\frac1M\\sum_i\\psi(x_i, y_j)`. The CI is NaN when M or K is below 2.
    """
    x = _finite(positive)
    y = _finite(negative)
    psi = (x[:, None] > y[None, :]) + 0.5 * (x[:, None] == y[None, :])
    auc = float(psi.mean())
    if x.size < 2 or y.size < 2:
        return auc, float("nan"), float("nan")
    variance = psi.mean(axis=1).var(ddof=1) / x.size + psi.mean(axis=0).var(ddof=1) / y.size
    half = stats.norm.ppf(0.5 + confidence / 2) * np.sqrt(variance)
    return auc, float(max(0.0, auc - half)), float(min(1.0, auc + half))


def mann_whitney_one_vs_rest(values, groups, *, confidence: float = 0.95) -> tuple[MannWhitneyResult, ...]:
    """Mann–Whitney U test of each group against all the others, with the AUC as effect size.

    Parameters
    ----------
    values : (N,) array_like of float
        Feature values, finite.
    groups : (N,) array_like
        Group label of each value; at least two groups.
    confidence : float, keyword-only
        Level of the AUC confidence interval.

    Returns
    -------
    tuple of MannWhitneyResult
        One per group, in sorted group order. AUC > 0.5: the group's values tend to be larger.

    References
    ----------
    Mann, H. B. & Whitney, D. R. (1947). *Ann. Math. Stat.* 18, 50–60. DeLong, E. R., DeLong, D. M. &
    Clarke-Pearson, D. L. (1988). *Biometrics* 44, 837–845.
    """
    x = _finite(values)
    g = np.asarray(groups)
    levels = np.unique(g)
    if levels.size < 2:
        raise ValueError(f"one-vs-rest needs at least two groups, got {levels.size}")
    results = []
    for level in levels:
        inside, outside = x[g == level], x[g != level]
        test = stats.mannwhitneyu(inside, outside, alternative="two-sided")
        auc, low, high = auc_delong(inside, outside, confidence=confidence)
        results.append(
            MannWhitneyResult(
                str(level),
                float(test.statistic),
                float(test.pvalue),
                inside.size,
                outside.size,
                auc,
                low,
                high,
            )
        )
    return tuple(results)
