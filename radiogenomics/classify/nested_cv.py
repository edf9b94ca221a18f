r"""Nested cross-validation at patient level, and the permutation test that reruns all of it.

Outer loop (the estimate): ``repeats`` × stratified ``splits``-fold partitions of the patients; each
patient is predicted once per repeat by a model that never saw it. Inner loop (the hyper-parameters): on
the outer training patients only, a stratified ``inner_splits``-fold partition scores every candidate of
the model's grid by the mean over inner folds of the macro one-vs-rest AUC (as ``GridSearchCV`` with
``scoring="roc_auc_ovr"``); the best
candidate (first on ties) is refitted on all the outer training patients and predicts the outer test
fold. Imputation, scaling and feature selection are steps of the pipeline, so they too are fitted on
training rows only.

The permutation test shuffles the labels, rebuilds the folds from the shuffled labels with the same seed
and reruns the whole nested cross-validation; with :math:`B` shuffles and :math:`b` of them at least as
good as the observed macro AUC,

.. math:: p = \frac{1 + b}{1 + B}

(never 0; Phipson & Smyth 2010). The statistic is the macro AUC of the repeat-averaged out-of-fold
probabilities over the first ``repeats`` repeats of the procedure (the count used is reported).

References
----------
Varma, S. & Simon, R. (2006). Bias in error estimation when using cross-validation for model selection.
*BMC Bioinformatics* 7, 91.
Ojala, M. & Garriga, G. C. (2010). Permutation tests for studying classifier performance. *JMLR* 11,
1833–1863.
Phipson, B. & Smyth, G. K. (2010). Permutation p-values should never be zero. *Stat Appl Genet Mol
Biol* 9, 39.
"""

import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold

from radiogenomics.classify.metrics import auc_one_vs_rest
from radiogenomics.classify.models import ModelSpec


def outer_folds(labels, *, splits: int = 5, repeats: int = 1, seed: int = 0) -> np.ndarray:
    """Repeated stratified fold assignment of each patient.

    Parameters
    ----------
    labels : (N,) array_like of int
        Class index of each patient; every class needs at least ``splits`` patients.
    splits, repeats, seed : int, keyword-only
        Repeat r uses ``StratifiedKFold(splits, shuffle=True, random_state=seed + r)``.

    Returns
    -------
    (repeats, N) ndarray of int
        Test fold (0 … splits−1) of each patient in each repeat.
    """
    y = np.asarray(labels)
    counts = np.bincount(y)
    if counts.min() < splits:
        raise ValueError(
            f"every class needs at least {splits} patients for {splits} folds, got {counts.tolist()}"
        )
    folds = np.empty((repeats, y.size), dtype=int)
    for r in range(repeats):
        splitter = StratifiedKFold(splits, shuffle=True, random_state=seed + r)
        for fold, (_, test) in enumerate(splitter.split(np.zeros(y.size), y)):
            folds[r, test] = fold
    return folds


def _fit_predict(pipeline, params, x_train, y_train, x_test, classes: int) -> np.ndarray:
    model = clone(pipeline).set_params(**params).fit(x_train, y_train)
    proba = np.zeros((x_test.shape[0], classes))
    proba[:, model.classes_] = model.predict_proba(x_test)
    return proba


def select_params(
    spec: ModelSpec, x: np.ndarray, y: np.ndarray, *, splits: int, seed: int
) -> tuple[int, np.ndarray]:
    """Index of the grid candidate with the best mean inner-fold macro AUC, and every candidate's score.

    Parameters
    ----------
    spec : ModelSpec
    x : (N, P) ndarray of float
        Training patients only.
    y : (N,) ndarray of int
    splits, seed : int, keyword-only
        ``StratifiedKFold(splits, shuffle=True, random_state=seed)``.

    Returns
    -------
    (int, (len(grid),) ndarray)
        ``np.argmax`` of the scores (the first on ties). A grid of one candidate is not scored.
    """
    if len(spec.grid) == 1:
        return 0, np.array([np.nan])
    classes = int(y.max()) + 1
    splitter = StratifiedKFold(splits, shuffle=True, random_state=seed)
    parts = list(splitter.split(x, y))
    scores = np.empty(len(spec.grid))
    for index, params in enumerate(spec.grid):
        aucs = [
            macro_auc(y[test], _fit_predict(spec.pipeline, params, x[train], y[train], x[test], classes))
            for train, test in parts
        ]
        scores[index] = np.mean(aucs)
    return int(np.argmax(scores)), scores


@dataclass(frozen=True)
class CvPredictions:
    """Out-of-fold predictions of one model from a nested cross-validation.

    Attributes
    ----------
    proba : (repeats, N, K) ndarray of float
        Probability of each class for each patient, from the model of the fold that held it out.
    folds : (repeats, N) ndarray of int
    chosen : (repeats, splits) ndarray of int
        Grid index chosen by the inner loop of each outer fold.
    not_converged : number of fits that warned of non-convergence (their result is used as it is).
    """

    proba: np.ndarray
    folds: np.ndarray
    chosen: np.ndarray
    not_converged: int

    @property
    def mean_proba(self) -> np.ndarray:
        """(N, K) probabilities averaged over the repeats (each one out-of-fold)."""
        return self.proba.mean(axis=0)


def nested_cv(
    spec: ModelSpec, x, labels, *, folds: np.ndarray, inner_splits: int = 3, seed: int = 0
) -> CvPredictions:
    """Nested cross-validation of ``spec`` (the procedure in the module docstring).

    Parameters
    ----------
    spec : ModelSpec
    x : (N, P) array_like of float
        Design matrix; missing values allowed (imputed inside the folds).
    labels : (N,) array_like of int
        Class index of each patient, 0 … K−1.
    folds : (repeats, N) ndarray of int, keyword-only
        Outer test fold of each patient (:func:`outer_folds`).
    inner_splits : int, keyword-only
        Folds of the inner loop.
    seed : int, keyword-only
        The inner loop of outer fold f in repeat r uses ``seed + 1000 r + f``.

    Returns
    -------
    CvPredictions
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(labels)
    classes = int(y.max()) + 1
    repeats, splits = folds.shape[0], int(folds.max()) + 1
    proba = np.zeros((repeats, y.size, classes))
    chosen = np.zeros((repeats, splits), dtype=int)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        for r in range(repeats):
            for fold in range(splits):
                test = folds[r] == fold
                train = ~test
                best, _ = select_params(
                    spec, x[train], y[train], splits=inner_splits, seed=seed + 1000 * r + fold
                )
                chosen[r, fold] = best
                proba[r, test] = _fit_predict(
                    spec.pipeline, spec.grid[best], x[train], y[train], x[test], classes
                )
    not_converged = sum(issubclass(w.category, ConvergenceWarning) for w in caught)
    for warning in caught:
        if not issubclass(warning.category, ConvergenceWarning):
            warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    return CvPredictions(proba, folds, chosen, not_converged)


def macro_auc(labels, proba) -> float:
    """Macro one-vs-rest AUC (:func:`~radiogenomics.classify.metrics.auc_one_vs_rest` averaged)."""
    return float(np.nanmean(auc_one_vs_rest(np.asarray(labels), np.asarray(proba, dtype=float))))


def _permuted_auc(spec, x, y, permutation, *, splits, repeats, inner_splits, seed) -> tuple[float, int]:
    shuffled = y[permutation]
    folds = outer_folds(shuffled, splits=splits, repeats=repeats, seed=seed)
    result = nested_cv(spec, x, shuffled, folds=folds, inner_splits=inner_splits, seed=seed)
    return macro_auc(shuffled, result.mean_proba), result.not_converged


@dataclass(frozen=True)
class PermutationResult:
    """Permutation test of a nested cross-validated macro AUC.

    Attributes
    ----------
    statistic : observed macro AUC (of the first ``repeats`` repeats).
    pvalue : :math:`(1 + b) / (1 + B)`.
    null : (B,) ndarray of the macro AUCs under shuffled labels.
    permutations : B.
    repeats : outer repeats per run.
    seed : seed of the shuffles.
    not_converged : fits under shuffled labels that warned of non-convergence.
    """

    statistic: float
    pvalue: float
    null: np.ndarray
    permutations: int
    repeats: int
    seed: int
    not_converged: int


def permutation_test(
    spec: ModelSpec,
    x,
    labels,
    *,
    observed: float,
    permutations: int = 200,
    splits: int = 5,
    repeats: int = 1,
    inner_splits: int = 3,
    seed: int = 0,
    n_jobs: int = 1,
) -> PermutationResult:
    """p-value of ``observed`` (the macro AUC of :func:`nested_cv` with the same settings) under shuffles.

    Parameters
    ----------
    spec, x, labels : as :func:`nested_cv`.
    observed : float, keyword-only
        Macro AUC of the unshuffled run, with these ``splits``, ``repeats``, ``inner_splits`` and ``seed``.
    permutations : int, keyword-only
        B, the number of shuffles (drawn by ``numpy.random.default_rng(seed).permutation``).
    n_jobs : int, keyword-only
        Processes (joblib); results do not depend on it.

    Returns
    -------
    PermutationResult
    """
    from joblib import Parallel, delayed

    x = np.asarray(x, dtype=float)
    y = np.asarray(labels)
    rng = np.random.default_rng(seed)
    shuffles = [rng.permutation(y.size) for _ in range(permutations)]
    settings = {"splits": splits, "repeats": repeats, "inner_splits": inner_splits, "seed": seed}
    if n_jobs == 1:
        runs = [_permuted_auc(spec, x, y, p, **settings) for p in shuffles]
    else:
        runs = Parallel(n_jobs=n_jobs)(delayed(_permuted_auc)(spec, x, y, p, **settings) for p in shuffles)
    null = np.array([auc for auc, _ in runs])
    pvalue = (1 + int(np.sum(null >= observed - 1e-12))) / (1 + permutations)
    return PermutationResult(
        float(observed), float(pvalue), null, permutations, repeats, seed, sum(n for _, n in runs)
    )
