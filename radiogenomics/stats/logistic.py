r"""Logistic regression of a cluster label on a feature, adjusted for covariates (statsmodels).

Two classes: binary logit; more: multinomial logit (the lowest class is the reference). The feature is
standardised (z-score) so that its coefficient is per standard deviation. The test of association is the
likelihood-ratio test of the model with the feature against the model with the covariates alone:
:math:`G = 2(\ell_1 - \ell_0) \sim \chi^2_{K-1}` for K classes. For two classes the effect is the odds
ratio per SD, :math:`e^{\beta}`, with its Wald CI :math:`e^{\beta \pm z_{1-\alpha/2} SE}`.

Covariates: numeric columns with more than 6 distinct values enter as they are (e.g. age); text columns
and integer codes with at most 6 levels enter as indicator columns, e.g. gender, institution. The most
frequent level is the reference, and levels with fewer than 5 patients in the fit are merged into it (a
level of one patient, such as the LGG set's single EZ case, would otherwise separate perfectly and the
fit would never converge); merged levels are named in the result's note.

References
----------
Agresti, A. (2002). *Categorical Data Analysis*, 2nd ed., §5 and §7.1. Wiley.
"""

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

#: Integer-coded covariates with at most this many levels are treated as categories.
MAX_CODE_LEVELS = 6
#: Category levels with fewer patients than this are merged into the most frequent level.
MIN_LEVEL_COUNT = 5


@dataclass(frozen=True)
class LogisticResult:
    """Likelihood-ratio test of a feature in a (multinomial) logistic model.

    Attributes
    ----------
    statistic : likelihood-ratio statistic G (NaN when the fit failed).
    df : degrees of freedom (classes − 1).
    pvalue : :math:`P(\\chi^2_{df} \\ge G)`.
    n : patients in the fit.
    model : ``"logit"`` or ``"mnlogit"``.
    odds_ratio, ci_low, ci_high : odds ratio per SD of the feature and its Wald CI (two classes only).
    covariates : the covariate columns used (after expanding categories).
    note : why the result is missing, or a warning from the fit; empty when all went well.
    """

    statistic: float
    df: int
    pvalue: float
    n: int
    model: str
    odds_ratio: float
    ci_low: float
    ci_high: float
    covariates: tuple[str, ...]
    note: str = ""


def design_covariates(covariates: pd.DataFrame, *, min_level_count: int = MIN_LEVEL_COUNT) -> pd.DataFrame:
    """Expand covariates into numeric model columns (rule in the module docstring).

    Parameters
    ----------
    covariates : DataFrame, (N, P)
        No missing values.
    min_level_count : int, keyword-only
        Category levels with fewer rows are merged into the most frequent level.

    Returns
    -------
    DataFrame, (N, Q) of float
        Indicator columns are named ``<covariate>=<level>``; constant columns are dropped (they carry no
        information in this subset). ``frame.attrs["merged"]`` lists the merged levels as
        ``<covariate>=<level>``; ``frame.attrs["categories"]`` maps each categorical covariate to its
        (merged) level per row.
    """
    parts, merged, categories = [], [], {}
    for name in covariates.columns:
        column = covariates[name]
        numeric = pd.api.types.is_numeric_dtype(column)
        values = column.dropna()
        is_code = numeric and np.all(np.equal(np.mod(values, 1), 0)) and values.nunique() <= MAX_CODE_LEVELS
        if numeric and not is_code:
            parts.append(column.astype(float).rename(name))
            continue
        labels = column.map(lambda v: str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
        counts = labels.value_counts()
        reference = counts.index[0]
        rare = [level for level, count in counts.items() if count < min_level_count and level != reference]
        merged += [f"{name}={level}" for level in sorted(rare)]
        labels = labels.where(~labels.isin(rare), reference)
        levels = [level for level in sorted(labels.unique()) if level != reference]
        categories[name] = labels.tolist()
        parts.append(
            pd.DataFrame(
                {f"{name}={level}": (labels == level).astype(float) for level in levels}, index=column.index
            )
        )
    frame = pd.concat(parts, axis=1) if parts else pd.DataFrame(index=covariates.index)
    frame = frame.loc[:, frame.nunique() > 1]
    frame.attrs["merged"] = merged
    frame.attrs["categories"] = categories
    return frame


def empty_cells(categories: dict, y: np.ndarray, classes) -> list[str]:
    """``<covariate>=<level> & class <c>`` combinations with no patient (they make the fit diverge)."""
    empty = []
    for name, labels in categories.items():
        labels = np.asarray(labels)
        for level in sorted(set(labels.tolist())):
            for index, cls in enumerate(classes):
                if not np.any((labels == level) & (y == index)):
                    empty.append(f"{name}={level} & class {cls}")
    return empty


def logistic_association(
    values, labels, covariates: pd.DataFrame | None = None, *, confidence: float = 0.95, maxiter: int = 200
) -> LogisticResult:
    """Likelihood-ratio test of a feature predicting a cluster label, adjusted for covariates.

    Parameters
    ----------
    values : (N,) array_like of float
        Feature values, finite.
    labels : (N,) array_like
        Cluster label per patient; at least two classes.
    covariates : DataFrame of N rows, optional
        Adjustment variables without missing values (see :func:`design_covariates`).
    confidence : float, keyword-only
        Level of the odds-ratio CI.
    maxiter : int, keyword-only
        Newton iterations allowed.

    Returns
    -------
    LogisticResult
        A fit that fails, does not converge or separates the classes perfectly gives NaN statistics and
        says so in ``note`` (no exception: one bad pair never stops a table).
    """
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

    x = np.asarray(values, dtype=float)
    y_raw = np.asarray(labels)
    if x.ndim != 1 or x.shape != y_raw.shape:
        raise ValueError(f"values and labels must be paired 1D arrays, got {x.shape} and {y_raw.shape}")
    levels, y = np.unique(y_raw, return_inverse=True)
    n = x.size
    base = design_covariates(covariates) if covariates is not None and covariates.shape[1] else None
    names = tuple(base.columns) if base is not None else ()
    model_name = "logit" if levels.size == 2 else "mnlogit"
    empty = LogisticResult(
        np.nan, max(levels.size - 1, 0), np.nan, n, model_name, np.nan, np.nan, np.nan, names
    )
    if levels.size < 2:
        return _with_note(empty, "not run: a single class")
    spread = x.std()
    if not spread > 0:
        return _with_note(empty, "not run: the feature is constant")
    z = (x - x.mean()) / spread
    reduced = np.ones((n, 1))
    if base is not None:
        reduced = np.column_stack([reduced, base.to_numpy(float)])
    full = np.column_stack([reduced, z])
    if full.shape[1] >= n:
        return _with_note(empty, f"not run: {full.shape[1]} parameters for {n} patients")
    empty_cell = empty_cells(base.attrs.get("categories", {}), y, levels) if base is not None else []
    if empty_cell:
        return _with_note(
            empty,
            f"not run: no patient with {', '.join(empty_cell[:3])} (quasi-separation); "
            "drop or merge that covariate",
        )
    family = sm.Logit if levels.size == 2 else sm.MNLogit
    notes = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fit1 = family(y, full).fit(disp=0, method="newton", maxiter=maxiter)
            fit0 = family(y, reduced).fit(disp=0, method="newton", maxiter=maxiter)
        except (np.linalg.LinAlgError, ValueError) as err:
            return _with_note(empty, f"not run: the fit failed ({str(err).splitlines()[0]})")
    for warning in caught:
        if issubclass(warning.category, PerfectSeparationWarning):
            return _with_note(empty, "not run: the classes are perfectly separated")
        if issubclass(warning.category, RuntimeWarning):
            notes.append(f"numerical warning in the fit ({str(warning.message).splitlines()[0]})")
    converged = fit1.mle_retvals.get("converged", True) and fit0.mle_retvals.get("converged", True)
    if not converged or any(issubclass(w.category, ConvergenceWarning) for w in caught):
        return _with_note(empty, f"not run: the fit did not converge in {maxiter} iterations (separation?)")
    g = max(0.0, 2 * (fit1.llf - fit0.llf))
    df = levels.size - 1
    p = float(stats.chi2.sf(g, df))
    ratio = low = high = np.nan
    if levels.size == 2:
        beta, se = float(np.asarray(fit1.params)[-1]), float(np.asarray(fit1.bse)[-1])
        q = stats.norm.ppf(0.5 + confidence / 2)
        ratio, low, high = np.exp(beta), np.exp(beta - q * se), np.exp(beta + q * se)
    if base is not None and base.attrs.get("merged"):
        notes.append(f"rare levels merged into the most frequent: {', '.join(base.attrs['merged'])}")
    note = "; ".join(dict.fromkeys(notes))
    return LogisticResult(float(g), df, p, n, model_name, float(ratio), float(low), float(high), names, note)


def _with_note(result: LogisticResult, note: str) -> LogisticResult:
    return LogisticResult(**{**result.__dict__, "note": note})
