r"""Agreement between two measurements of the same features: ICC(2,1), ICC(3,1) and Spearman, with CIs.

Ratings form an n × k matrix (n targets, e.g. patients; k judges, e.g. two mask sources). The two-way
ANOVA without replication gives the mean squares between targets (BMS, n − 1 df), between judges
(JMS, k − 1 df) and residual (EMS, (n − 1)(k − 1) df). Shrout & Fleiss (1979):

.. math::

    \mathrm{ICC}(2,1) = \frac{BMS - EMS}{BMS + (k-1)EMS + k(JMS - EMS)/n}
    \qquad
    \mathrm{ICC}(3,1) = \frac{BMS - EMS}{BMS + (k-1)EMS}

ICC(2,1) (two-way random, absolute agreement; McGraw & Wong's ICC(A,1)) penalises a systematic offset
between judges; ICC(3,1) (two-way mixed, consistency; ICC(C,1)) does not. Both CIs are the F-based ones of
Shrout & Fleiss (1979) / McGraw & Wong (1996), with Satterthwaite's degrees of freedom for ICC(2,1).

References
----------
Shrout, P. E. & Fleiss, J. L. (1979). Intraclass correlations: uses in assessing rater reliability.
*Psychological Bulletin* 86, 420–428.
McGraw, K. O. & Wong, S. P. (1996). Forming inferences about some intraclass correlation coefficients.
*Psychological Methods* 1, 30–46.
Bonett, D. G. & Wright, T. A. (2000). Sample size requirements for estimating Pearson, Kendall and
Spearman correlations. *Psychometrika* 65, 23–28.
"""

from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class MeanSquares:
    """Two-way ANOVA (targets × judges, one rating per cell) mean squares."""

    bms: float
    jms: float
    ems: float
    n: int
    k: int


@dataclass(frozen=True)
class IccResult:
    """An intraclass correlation with its confidence interval and F test of ICC = 0.

    Attributes
    ----------
    kind : ``"ICC(2,1)"`` or ``"ICC(3,1)"``.
    value : the ICC, at most 1 (negative when targets differ less than the error).
    ci_low, ci_high : confidence interval.
    statistic : F = BMS / EMS, with ``df1`` = n − 1 and ``df2`` = (n − 1)(k − 1).
    pvalue : one-sided p-value of F.
    n, k : targets and judges.
    """

    kind: str
    value: float
    ci_low: float
    ci_high: float
    statistic: float
    df1: int
    df2: int
    pvalue: float
    n: int
    k: int


@dataclass(frozen=True)
class CorrelationResult:
    """Spearman's rank correlation with a Fisher-z confidence interval.

    Attributes
    ----------
    rho : Spearman's :math:`r_s`.
    pvalue : two-sided p-value (``scipy.stats.spearmanr``).
    ci_low, ci_high : :math:`\\tanh(z \\mp z_{1-\\alpha/2}\\,\\sigma)`, :math:`z = \\operatorname{atanh} r_s`,
        :math:`\\sigma^2 = (1 + r_s^2/2)/(n-3)` (Bonett & Wright 2000); NaN when n < 4.
    n : number of pairs.
    """

    rho: float
    pvalue: float
    ci_low: float
    ci_high: float
    n: int


def _ratings(ratings) -> np.ndarray:
    x = np.asarray(ratings, dtype=float)
    if x.ndim != 2 or x.shape[0] < 2 or x.shape[1] < 2:
        raise ValueError(
            f"ratings must be an (n targets, k judges) array with n, k >= 2, got shape {x.shape}"
        )
    if not np.all(np.isfinite(x)):
        raise ValueError(
            f"ratings hold {int(np.sum(~np.isfinite(x)))} missing entries; drop those targets first"
        )
    return x


def mean_squares(ratings) -> MeanSquares:
    """Mean squares of the two-way ANOVA without replication.

    Parameters
    ----------
    ratings : (n, k) array_like of float
        One rating per target (row) and judge (column).

    Returns
    -------
    MeanSquares
        :math:`BMS = k\\sum_i(\\bar x_{i\\cdot}-\\bar x)^2/(n-1)`,
        :math:`JMS = n\\sum_j(\\bar x_{\\cdot j}-\\bar x)^2/(k-1)`,
        :math:`EMS = \\sum_{ij}(x_{ij}-\\bar x_{i\\cdot}-\\bar x_{\\cdot j}+\\bar x)^2/((n-1)(k-1))`.
    """
    x = _ratings(ratings)
    n, k = x.shape
    bms, jms, ems = _stacked_mean_squares(x)
    return MeanSquares(float(bms), float(jms), float(ems), n, k)


def _stacked_mean_squares(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """BMS, JMS and EMS of every (n, k) matrix in a stack of shape (..., n, k)."""
    n, k = x.shape[-2:]
    grand = x.mean(axis=(-2, -1), keepdims=True)
    rows, cols = x.mean(axis=-1, keepdims=True), x.mean(axis=-2, keepdims=True)
    bms = k * np.sum((rows - grand) ** 2, axis=(-2, -1)) / (n - 1)
    jms = n * np.sum((cols - grand) ** 2, axis=(-2, -1)) / (k - 1)
    ems = np.sum((x - rows - cols + grand) ** 2, axis=(-2, -1)) / ((n - 1) * (k - 1))
    return bms, jms, ems


def _icc21(bms, jms, ems, n: int, k: int):
    return (bms - ems) / (bms + (k - 1) * ems + k * (jms - ems) / n)


def _f_test(ms: MeanSquares) -> tuple[float, int, int, float]:
    df1, df2 = ms.n - 1, (ms.n - 1) * (ms.k - 1)
    f = ms.bms / ms.ems if ms.ems > 0 else float("inf")
    return f, df1, df2, float(stats.f.sf(f, df1, df2)) if np.isfinite(f) else 0.0


def icc_consistency(ratings, *, confidence: float = 0.95) -> IccResult:
    """ICC(3,1): two-way mixed effects, consistency, single rater (Shrout & Fleiss case 3).

    Parameters
    ----------
    ratings : (n, k) array_like of float
    confidence : float, keyword-only

    Returns
    -------
    IccResult
        CI: with :math:`F_0 = BMS/EMS`, :math:`F_L = F_0 / F_{1-\\alpha/2}(n-1, (n-1)(k-1))`,
        :math:`F_U = F_0\\,F_{1-\\alpha/2}((n-1)(k-1), n-1)`, the bounds are :math:`(F-1)/(F+k-1)`.
    """
    ms = mean_squares(ratings)
    n, k = ms.n, ms.k
    value = (ms.bms - ms.ems) / (ms.bms + (k - 1) * ms.ems)
    f, df1, df2, p = _f_test(ms)
    q = stats.f.ppf(0.5 + confidence / 2, df1, df2), stats.f.ppf(0.5 + confidence / 2, df2, df1)
    if np.isfinite(f):
        fl, fu = f / q[0], f * q[1]
        low, high = (fl - 1) / (fl + k - 1), (fu - 1) / (fu + k - 1)
    else:
        low, high = 1.0, 1.0
    return IccResult("ICC(3,1)", float(value), float(low), float(high), f, df1, df2, p, n, k)


def icc_agreement(ratings, *, confidence: float = 0.95) -> IccResult:
    """ICC(2,1): two-way random effects, absolute agreement, single rater (Shrout & Fleiss case 2).

    Parameters
    ----------
    ratings : (n, k) array_like of float
    confidence : float, keyword-only

    Returns
    -------
    IccResult
        CI of McGraw & Wong (1996), table 7 (Satterthwaite df :math:`v`):
        :math:`L = \\frac{n(BMS - F^* EMS)}{F^*(k\\,JMS + (kn-k-n)EMS) + n\\,BMS}`,
        :math:`U = \\frac{n(F_* BMS - EMS)}{k\\,JMS + (kn-k-n)EMS + n F_* BMS}`, with
        :math:`F^* = F_{1-\\alpha/2}(n-1, v)` and :math:`F_* = F_{1-\\alpha/2}(v, n-1)`.
    """
    ms = mean_squares(ratings)
    n, k = ms.n, ms.k
    bms, jms, ems = ms.bms, ms.jms, ms.ems
    value = _icc21(bms, jms, ems, n, k)
    f, df1, df2, p = _f_test(ms)
    if ems <= 0:
        return IccResult("ICC(2,1)", float(value), float("nan"), float("nan"), f, df1, df2, p, n, k)
    fj = jms / ems
    r = value
    # Satterthwaite's df (Shrout & Fleiss 1979, eq. for case 2; McGraw & Wong 1996, table 7).
    numerator = (k - 1) * (n - 1) * (k * r * fj + n * (1 + (k - 1) * r) - k * r) ** 2
    denominator = (n - 1) * k**2 * r**2 * fj**2 + (n * (1 + (k - 1) * r) - k * r) ** 2
    v = numerator / denominator
    upper_q = 0.5 + confidence / 2
    f_star = stats.f.ppf(upper_q, n - 1, v)
    f_low_star = stats.f.ppf(upper_q, v, n - 1)
    c = k * jms + (k * n - k - n) * ems
    low = n * (bms - f_star * ems) / (f_star * c + n * bms)
    high = n * (f_low_star * bms - ems) / (c + n * f_low_star * bms)
    return IccResult("ICC(2,1)", float(value), float(low), float(high), f, df1, df2, p, n, k)


def spearman(x, y, *, confidence: float = 0.95) -> CorrelationResult:
    """Spearman's rank correlation with a Fisher-z confidence interval (Bonett–Wright variance).

    Parameters
    ----------
    x, y : (N,) array_like of float
        Paired, finite values.
    confidence : float, keyword-only

    Returns
    -------
    CorrelationResult
    """
    a = np.asarray(x, dtype=float)
    b = np.asarray(y, dtype=float)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(f"x and y must be paired 1D arrays, got shapes {a.shape} and {b.shape}")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise ValueError("x and y hold missing entries; drop those pairs first")
    n = a.size
    if n < 3 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return CorrelationResult(float("nan"), float("nan"), float("nan"), float("nan"), n)
    result = stats.spearmanr(a, b)
    rho = float(result.statistic)
    if n < 4:
        return CorrelationResult(rho, float(result.pvalue), float("nan"), float("nan"), n)
    z = np.arctanh(np.clip(rho, -0.999999999, 0.999999999))
    half = stats.norm.ppf(0.5 + confidence / 2) * np.sqrt((1 + rho**2 / 2) / (n - 3))
    return CorrelationResult(rho, float(result.pvalue), float(np.tanh(z - half)), float(np.tanh(z + half)), n)


def icc_agreement_difference(
    reference, a, b, *, resamples: int = 2000, confidence: float = 0.95, seed: int = 0
) -> tuple[float, float, float]:
    """How much better ``b`` agrees with ``reference`` than ``a`` does: ICC(2,1) of (b, reference) minus that of
    (a, reference), with a paired percentile bootstrap interval over the targets.

    Each resample draws the targets (patients) with replacement and scores both ICCs on the same draw, so
    the interval accounts for ``a`` and ``b`` being measured on the same patients (two overlapping separate
    intervals can hide a consistent difference, or the reverse).

    Parameters
    ----------
    reference, a, b : (n,) array_like of float
        One value per target; targets with a missing value anywhere are dropped.
    resamples : int, keyword-only
    confidence : float, keyword-only
    seed : int, keyword-only
        Seed of the resampling (the same seed, the same interval).

    Returns
    -------
    (difference, low, high) : floats
    """
    x = np.column_stack([np.asarray(v, dtype=float) for v in (reference, a, b)])
    x = x[np.all(np.isfinite(x), axis=1)]
    if len(x) < 3:
        raise ValueError(f"{len(x)} targets with all three values; need at least 3")

    def difference(rows: np.ndarray) -> np.ndarray:
        scores = [_icc21(*_stacked_mean_squares(rows[..., [0, j]]), rows.shape[-2], 2) for j in (1, 2)]
        return scores[1] - scores[0]

    draws = np.random.default_rng(seed).integers(0, len(x), size=(resamples, len(x)))
    spread = difference(x[draws])
    tail = (1 - confidence) / 2
    low, high = np.nanquantile(spread, [tail, 1 - tail])
    return float(difference(x)), float(low), float(high)


def cohen_kappa(a, b) -> float:
    r"""Cohen's kappa of two raters' labels of the same targets.

    .. math::

        \kappa = \frac{p_o - p_e}{1 - p_e}, \qquad p_e = \sum_c p_{a}(c)\, p_{b}(c)

    with :math:`p_o` the share of targets given the same label and :math:`p_a(c)`, :math:`p_b(c)` each rater's
    share of label :math:`c` (Cohen 1960). 1: the same labels; 0: no more alike than chance.

    Parameters
    ----------
    a, b : (N,) array_like
        Paired labels (any hashable values, e.g. bool).

    Returns
    -------
    float
        κ in [−1, 1]; NaN where both raters give every target one and the same label (:math:`p_e = 1`).

    References
    ----------
    Cohen, J. (1960). A coefficient of agreement for nominal scales. *Educational and Psychological
    Measurement* 20, 37–46.

    Examples
    --------
    >>> cohen_kappa([True, True, False, False], [True, False, False, False])
    0.5
    """
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.ndim != 1 or a.size == 0:
        raise ValueError(f"a and b must be paired non-empty 1D arrays, got shapes {a.shape} and {b.shape}")
    observed = float(np.mean(a == b))
    labels = np.union1d(a, b)
    expected = float(sum(np.mean(a == c) * np.mean(b == c) for c in labels))
    return float("nan") if expected == 1 else (observed - expected) / (1 - expected)


def median_split_kappa(x, y) -> float:
    """Cohen's kappa (:func:`cohen_kappa`) of the high/low labels that a split of each side at its own median
    gives (:func:`~radiogenomics.stats.dichotomise.dichotomise`): what Fisher's test of a median-split feature
    sees of two measurements of it.

    Parameters
    ----------
    x, y : (N,) array_like of float
        Paired, finite values of one feature from two sources (e.g. predicted and manual masks).
    """
    from radiogenomics.stats.dichotomise import dichotomise

    return cohen_kappa(dichotomise(x).high, dichotomise(y).high)
