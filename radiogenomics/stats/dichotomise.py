"""Split a continuous feature in two groups at a cut (the median by default) for Fisher's exact test."""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Split:
    """A feature split at ``cut``: ``high`` marks the values strictly above it.

    Attributes
    ----------
    high : (N,) ndarray of bool
    cut : the threshold, in the feature's unit.
    n_low, n_high : group sizes.
    """

    high: np.ndarray
    cut: float
    n_low: int
    n_high: int


def dichotomise(values, *, cut: float | None = None) -> Split:
    """Split values into low (``<= cut``) and high (``> cut``).

    Parameters
    ----------
    values : (N,) array_like of float
        Finite values (drop missing ones first).
    cut : float or None, keyword-only
        Threshold in the feature's unit; None (default) uses the median of ``values``. With no ties at the
        median an even N splits in two equal halves and an odd N puts the middle value in the low group.

    Returns
    -------
    Split

    Examples
    --------
    >>> dichotomise([1.0, 2.0, 3.0, 4.0]).high.tolist()
    [False, False, True, True]
    """
    x = np.asarray(values, dtype=float)
    if x.ndim != 1 or x.size == 0:
        raise ValueError(f"values must be a non-empty 1D array, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError(
            f"values hold {int(np.sum(~np.isfinite(x)))} missing or infinite entries; drop them first"
        )
    threshold = float(np.median(x)) if cut is None else float(cut)
    high = x > threshold
    return Split(high, threshold, int(np.sum(~high)), int(np.sum(high)))
