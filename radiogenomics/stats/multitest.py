"""Multiple-testing correction over the family actually tested (statsmodels ``multipletests``).

Missing p-values (tests that could not run) are not part of the family: they stay missing and do not
count in m.
"""

from dataclasses import dataclass

import numpy as np

from radiogenomics.errors import InputError

#: Corrections offered, by their statsmodels names.
CORRECTIONS = ("bonferroni", "holm", "fdr_bh")


@dataclass(frozen=True)
class Adjusted:
    """Adjusted p-values of one family.

    Attributes
    ----------
    p_adjusted : (N,) ndarray of float, NaN where the input p was NaN.
    reject : (N,) ndarray of bool, True where ``p_adjusted <= alpha``.
    method : the correction.
    alpha : family-wise error rate (bonferroni, holm) or false discovery rate (fdr_bh).
    m : size of the family (the finite p-values).
    """

    p_adjusted: np.ndarray
    reject: np.ndarray
    method: str
    alpha: float
    m: int


def adjust(pvalues, *, method: str = "fdr_bh", alpha: float = 0.05) -> Adjusted:
    r"""Adjust p-values for multiple testing.

    Parameters
    ----------
    pvalues : (N,) array_like of float
        Raw p-values in [0, 1]; NaN for tests that did not run.
    method : {"bonferroni", "holm", "fdr_bh"}, keyword-only
        Bonferroni :math:`\min(1, m p_i)`; Holm's step-down :math:`\max_{j \le i}\min(1, (m-j+1)p_{(j)})`;
        Benjamini–Hochberg :math:`\min_{j \ge i}\min(1, m p_{(j)}/j)` (sorted p-values :math:`p_{(j)}`).
    alpha : float, keyword-only

    Returns
    -------
    Adjusted

    References
    ----------
    Holm, S. (1979). *Scand. J. Stat.* 6, 65–70. Benjamini, Y. & Hochberg, Y. (1995). *JRSS B* 57, 289–300.
    """
    from statsmodels.stats.multitest import multipletests

    if method not in CORRECTIONS:
        raise InputError(
            f"--correction: unknown correction {method!r}; choose one of {', '.join(CORRECTIONS)}"
        )
    p = np.asarray(pvalues, dtype=float).ravel()
    finite = np.isfinite(p)
    if np.any((p[finite] < 0) | (p[finite] > 1)):
        raise ValueError(f"p-values must lie in [0, 1], got {p[finite & ((p < 0) | (p > 1))][:5].tolist()}")
    adjusted = np.full(p.shape, np.nan)
    reject = np.zeros(p.shape, bool)
    m = int(finite.sum())
    if m:
        flags, corrected, _, _ = multipletests(p[finite], alpha=alpha, method=method)
        adjusted[finite] = corrected
        reject[finite] = flags
    return Adjusted(adjusted, reject, method, alpha, m)
