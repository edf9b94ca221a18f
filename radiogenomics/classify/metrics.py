r"""Discrimination of out-of-fold predictions: one-vs-rest AUC, its bootstrap CI, balanced accuracy.

For class :math:`k`, the one-vs-rest AUC is the Mann–Whitney probability that a patient of class
:math:`k` gets a higher predicted probability of :math:`k` than a patient of another class, ties counting
one half. With midranks :math:`r_i` of the scores over all :math:`N` patients and :math:`n_1` patients
of class :math:`k`,

.. math:: \mathrm{AUC}_k = \frac{\sum_{i \in k} r_i - n_1 (n_1 + 1) / 2}{n_1 (N - n_1)}.

The macro AUC is the unweighted mean over classes (scikit-learn's ``roc_auc_score(multi_class="ovr",
average="macro")``). For two classes both one-vs-rest AUCs are equal, so the macro AUC is the usual AUC.

The confidence interval is the percentile bootstrap over patients: resample :math:`b` takes the rows
``rng.integers(0, N, size=(n_boot, N))[b]`` of ``rng = numpy.random.default_rng(seed)``; a resample in
which some class is absent has no AUC and is skipped (and counted).

References
----------
Hanley, J. A. & McNeil, B. J. (1982). The meaning and use of the area under a ROC curve. *Radiology*
143, 29–36.
Efron, B. & Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*, §13 (percentile interval).
Chapman & Hall.
"""

from dataclasses import dataclass

import numpy as np
from scipy.stats import rankdata


@dataclass(frozen=True)
class AucResult:
    """Macro one-vs-rest AUC of probabilistic predictions with its percentile bootstrap CI.

    Attributes
    ----------
    auc : macro AUC (the AUC itself for two classes).
    ci_low, ci_high : percentile bootstrap interval of ``auc`` at ``confidence``.
    per_class : one-vs-rest AUC of each class, in the order of the probability columns.
    per_class_ci : (low, high) bootstrap interval of each class's AUC.
    n : patients.
    n_boot : resamples drawn.
    skipped : resamples without every class (no AUC), left out of the interval.
    confidence : level of the interval.
    """

    auc: float
    ci_low: float
    ci_high: float
    per_class: tuple[float, ...]
    per_class_ci: tuple[tuple[float, float], ...]
    n: int
    n_boot: int
    skipped: int
    confidence: float


def _check(labels, proba) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(labels)
    p = np.asarray(proba, dtype=float)
    if y.ndim != 1 or p.ndim != 2 or p.shape[0] != y.size:
        raise ValueError(f"labels must be (N,) and proba (N, K), got {y.shape} and {p.shape}")
    if y.dtype.kind not in "iu" or y.size and (y.min() < 0 or y.max() >= p.shape[1]):
        raise ValueError(f"labels must be class indices 0..{p.shape[1] - 1}, got {np.unique(y)[:6]}")
    if p.shape[1] < 2:
        raise ValueError(f"an AUC needs at least two classes, got {p.shape[1]} probability column(s)")
    return y, p


def auc_one_vs_rest(labels, proba) -> np.ndarray:
    """One-vs-rest AUC of each class (formula in the module docstring).

    Parameters
    ----------
    labels : (N,) array_like of int
        Class index of each patient, 0 … K−1.
    proba : (N, K) array_like of float
        Predicted probability (or any score) of each class.

    Returns
    -------
    (K,) ndarray of float
        NaN for a class with no patient, or with every patient.
    """
    y, p = _check(labels, proba)
    return _auc_columns(y, p)


def _auc_columns(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    n = y.size
    aucs = np.full(p.shape[1], np.nan)
    for k in range(p.shape[1]):
        positive = y == k
        n1 = int(positive.sum())
        if 0 < n1 < n:
            ranks = rankdata(p[:, k])
            aucs[k] = (ranks[positive].sum() - n1 * (n1 + 1) / 2) / (n1 * (n - n1))
    return aucs


def bootstrap_auc(labels, proba, *, n_boot: int = 2000, confidence: float = 0.95, seed: int = 0) -> AucResult:
    """Macro and per-class one-vs-rest AUC with percentile bootstrap intervals over patients.

    Parameters
    ----------
    labels : (N,) array_like of int
        Class index of each patient, 0 … K−1; every class present.
    proba : (N, K) array_like of float
        Out-of-fold predicted probabilities.
    n_boot : int, keyword-only
        Bootstrap resamples.
    confidence : float, keyword-only
        Level of the intervals, in (0, 1).
    seed : int, keyword-only
        Seed of the resampling (rows drawn as stated in the module docstring).

    Returns
    -------
    AucResult
    """
    y, p = _check(labels, proba)
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    if n_boot < 1:
        raise ValueError(f"n_boot must be at least 1, got {n_boot}")
    missing = sorted(set(range(p.shape[1])) - set(y.tolist()))
    if missing:
        raise ValueError(f"every class needs a patient for an AUC; classes {missing} have none")
    per_class = _auc_columns(y, p)
    rows = np.random.default_rng(seed).integers(0, y.size, size=(n_boot, y.size))
    draws = np.array([_auc_columns(y[r], p[r]) for r in rows])
    complete = ~np.isnan(draws).any(axis=1)
    tails = [50 * (1 - confidence), 50 * (1 + confidence)]
    kept = draws[complete]
    if kept.shape[0] == 0:
        low = high = np.full(p.shape[1] + 1, np.nan)
    else:
        low, high = np.percentile(np.column_stack([kept.mean(axis=1), kept]), tails, axis=0)
    return AucResult(
        auc=float(per_class.mean()),
        ci_low=float(low[0]),
        ci_high=float(high[0]),
        per_class=tuple(float(a) for a in per_class),
        per_class_ci=tuple((float(lo), float(hi)) for lo, hi in zip(low[1:], high[1:], strict=True)),
        n=int(y.size),
        n_boot=int(n_boot),
        skipped=int((~complete).sum()),
        confidence=float(confidence),
    )


def balanced_accuracy(labels, predicted, *, classes: int) -> float:
    r"""Mean over classes of the recall, :math:`\frac{1}{K} \sum_k \frac{\#\{y = k, \hat y = k\}}{\#\{y = k\}}`.

    Parameters
    ----------
    labels, predicted : (N,) array_like of int
        True and predicted class indices, 0 … K−1.
    classes : int, keyword-only
        K; classes without a patient are left out of the mean.

    Returns
    -------
    float
        1/K is chance for any class balance.
    """
    y = np.asarray(labels)
    yhat = np.asarray(predicted)
    recalls = [np.mean(yhat[y == k] == k) for k in range(classes) if np.any(y == k)]
    return float(np.mean(recalls))
