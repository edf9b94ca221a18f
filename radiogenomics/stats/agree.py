"""Agreement of the same features computed twice (e.g. on predicted and on manual masks), per feature.

Tables are matched on patient id; ids on one side only are reported, not used. For each feature present
in both tables, patients with a value on both sides are paired, and the table holds ICC(2,1), ICC(3,1)
and Spearman's rank correlation, each with its 95 % CI (formulas in :mod:`radiogenomics.stats.agreement`),
Cohen's kappa of the high/low labels that each side's median split gives (``kappa_median``: how often the
study's median-split Fisher test sees the same label from both sources), plus each side's mean and standard deviation (ddof 1) and the mean difference B − A. A ratio
``sd_a / sd_b`` far from 1 says that one side spreads the feature wider or narrower than the other (masks
with smoother margins than the manual ones spread MF less), which lowers ICC(2,1) even where the two rank
the patients alike. The bookkeeping columns of ``rg features`` (``largest_slice``, ``components``:
:func:`~radiogenomics.stats.feature_table.measured_columns`) are not compared.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from radiogenomics.errors import InputError
from radiogenomics.stats.agreement import icc_agreement, icc_consistency, median_split_kappa, spearman
from radiogenomics.stats.feature_table import finite_features, measured_columns

COLUMNS = ("feature", "n", "icc2_1", "icc2_1_low", "icc2_1_high", "icc3_1", "icc3_1_low", "icc3_1_high",
           "spearman", "spearman_low", "spearman_high", "kappa_median", "mean_a", "mean_b", "mean_difference", "sd_a", "sd_b",
           "note")  # fmt: skip


@dataclass(frozen=True)
class AgreementResult:
    """The agreement table and what could not be matched.

    Attributes
    ----------
    table : DataFrame with :data:`COLUMNS`, one row per shared feature.
    only_a, only_b : patient ids present in one table only.
    features_only_a, features_only_b : feature columns present in one table only.
    """

    table: pd.DataFrame
    only_a: tuple[str, ...]
    only_b: tuple[str, ...]
    features_only_a: tuple[str, ...]
    features_only_b: tuple[str, ...]


def agree(
    features_a: pd.DataFrame, features_b: pd.DataFrame, *, confidence: float = 0.95, min_n: int = 5
) -> AgreementResult:
    """Per-feature agreement between two patient-indexed feature tables.

    Parameters
    ----------
    features_a, features_b : DataFrame indexed by patient, numeric feature columns (bookkeeping columns
        such as ``largest_slice`` are left out).
    confidence : float, keyword-only
        Level of every CI.
    min_n : int, keyword-only
        Fewest paired patients for which the statistics are computed; fewer gives a row with a note.

    Returns
    -------
    AgreementResult

    Raises
    ------
    InputError
        When the tables share no patient id or no feature column.

    Warns
    -----
    InputWarning
        Infinite values, set to missing (:func:`~radiogenomics.stats.feature_table.finite_features`).
    """
    features_a = finite_features(features_a, source=features_a.attrs.get("source", "feature table A"))
    features_b = finite_features(features_b, source=features_b.attrs.get("source", "feature table B"))
    only_a = tuple(sorted(set(features_a.index) - set(features_b.index)))
    only_b = tuple(sorted(set(features_b.index) - set(features_a.index)))
    shared_ids = [p for p in features_a.index if p in set(features_b.index)]
    measured_a, measured_b = measured_columns(features_a), measured_columns(features_b)
    shared = [c for c in measured_a if c in set(measured_b)]
    if not shared_ids:
        raise InputError(
            f"the two feature tables share no patient id (A: {', '.join(features_a.index[:2])}, ...; "
            f"B: {', '.join(features_b.index[:2])}, ...); compare features of the same patients"
        )
    if not shared:
        raise InputError(
            f"the two feature tables share no feature column (A: {', '.join(measured_a[:4]) or 'none'}; "
            f"B: {', '.join(measured_b[:4]) or 'none'}; bookkeeping columns such as largest_slice are not "
            "compared); compare tables written by the same `rg features`"
        )
    rows = []
    for feature in shared:
        pair = pd.concat(
            [features_a.loc[shared_ids, feature], features_b.loc[shared_ids, feature]], axis=1
        ).dropna()
        a, b = pair.iloc[:, 0].to_numpy(float), pair.iloc[:, 1].to_numpy(float)
        row = dict.fromkeys(COLUMNS, np.nan)
        row.update(feature=feature, n=a.size, note="")
        if a.size:
            row.update(mean_a=a.mean(), mean_b=b.mean(), mean_difference=(b - a).mean())
        if a.size > 1:
            row.update(sd_a=a.std(ddof=1), sd_b=b.std(ddof=1))
        if a.size < min_n:
            row["note"] = f"not computed: {a.size} patients with both values, fewer than {min_n}"
        elif np.ptp(np.concatenate([a, b])) == 0:
            row["note"] = "not computed: the feature is constant"
        else:
            ratings = np.column_stack([a, b])
            i2, i3 = (
                icc_agreement(ratings, confidence=confidence),
                icc_consistency(ratings, confidence=confidence),
            )
            rs = spearman(a, b, confidence=confidence)
            row.update(
                icc2_1=i2.value, icc2_1_low=i2.ci_low, icc2_1_high=i2.ci_high,
                icc3_1=i3.value, icc3_1_low=i3.ci_low, icc3_1_high=i3.ci_high,
                spearman=rs.rho, spearman_low=rs.ci_low, spearman_high=rs.ci_high,
                kappa_median=median_split_kappa(a, b),
            )  # fmt: skip
        rows.append(row)
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    return AgreementResult(
        table,
        only_a,
        only_b,
        tuple(c for c in measured_a if c not in set(shared)),
        tuple(c for c in measured_b if c not in set(shared)),
    )
