"""Tests of association between features and cluster labels, as one tidy table.

Each (feature, label) pair is tested on the patients that have both values (missing values are dropped
per test, never globally); n is reported per row. A test that cannot run (a single class, too few
patients, a constant feature) gives a row with a missing p-value and the reason in ``note``.

Two families are corrected separately, each per test kind over the rows that produced a p-value:

* ``confirmatory``: the pre-registered pairs (``--hypotheses FILE`` or ``--preset study2019``), with the
  chosen correction (Bonferroni by default);
* ``exploratory``: every feature × every label column, with ``exploratory_correction``
  (Benjamini–Hochberg by default), always present. The bookkeeping columns of ``rg features``
  (``largest_slice``, ``components``) are in it only when named in ``feature_names``.

Tests (``test`` column):

* ``fisher``: the feature split at its median (or ``cut``) against all classes, exact 2×k
  Fisher–Freeman–Halton; effect: Cramér's V of that table;
* ``fisher_ovr``: one 2×2 table per class (above the cut × in the class); effect: conditional MLE odds
  ratio with its exact CI;
* ``kruskal``: Kruskal–Wallis across classes; effect: ε²;
* ``mannwhitney``: each class against the rest; effect: AUC with DeLong CI;
* ``logistic``: (multinomial) logistic regression adjusted for covariates, likelihood-ratio test;
  effect: odds ratio per SD (two classes).
"""

from dataclasses import asdict, dataclass, fields

import numpy as np
import pandas as pd

from radiogenomics.case_io import institution_of
from radiogenomics.clinical import LGG_CLUSTER_COLUMNS, join_on_patient
from radiogenomics.errors import InputError
from radiogenomics.stats.dichotomise import dichotomise
from radiogenomics.stats.feature_table import finite_features, measured_columns
from radiogenomics.stats.fisher import fisher_2x2, fisher_test
from radiogenomics.stats.hypotheses import Family, Hypothesis, resolve_name
from radiogenomics.stats.logistic import logistic_association
from radiogenomics.stats.multitest import CORRECTIONS, adjust
from radiogenomics.stats.rank_tests import kruskal, mann_whitney_one_vs_rest

TESTS = ("fisher", "fisher_ovr", "kruskal", "mannwhitney", "logistic")
#: A label with more classes than this is not a cluster column.
MAX_CLASSES = 20


@dataclass(frozen=True)
class AssociateConfig:
    """Settings of one association run (saved as JSON beside the results)."""

    tests: tuple[str, ...] = ("fisher",)
    correction: str = "bonferroni"
    exploratory_correction: str = "fdr_bh"
    alpha: float = 0.05
    cut: float | None = None
    draws: int = 100_000
    seed: int = 0
    covariates: tuple[str, ...] = ()
    min_n: int = 10
    confidence: float = 0.95

    def __post_init__(self):
        unknown = [t for t in self.tests if t not in TESTS]
        if unknown or not self.tests:
            raise InputError(
                f"--test: unknown test {', '.join(unknown) or '(none)'}; choose from {', '.join(TESTS)}"
            )
        for option, value in (
            ("--correction", self.correction),
            ("exploratory", self.exploratory_correction),
        ):
            if value not in CORRECTIONS:
                raise InputError(
                    f"{option}: unknown correction {value!r}; choose one of {', '.join(CORRECTIONS)}"
                )
        if not 0 < self.alpha < 1:
            raise InputError(f"--alpha: {self.alpha} is not in (0, 1); give e.g. 0.05")
        if self.min_n < 3:
            raise InputError(f"min_n: {self.min_n} is too small; use at least 3")


@dataclass(frozen=True)
class Row:
    """One line of the results table (see the module docstring for the columns' meaning)."""

    feature: str
    label: str
    level: str
    test: str
    family: str
    n: int
    statistic: float
    p: float
    p_se: float
    p_adjusted: float
    correction: str
    reject: bool
    effect_name: str
    effect: float
    ci_low: float
    ci_high: float
    method: str
    note: str


COLUMNS = tuple(f.name for f in fields(Row))


@dataclass(frozen=True)
class AssociationResult:
    """The results table and what it was computed from.

    Attributes
    ----------
    table : DataFrame with the columns of :class:`Row`, confirmatory rows first.
    data : the joined frame tested (features, labels as text, covariates), indexed by patient.
    features, labels : the columns tested in the exploratory family.
    family : the pre-registered family, or None.
    features_only, clinical_only : patient ids present in one table only (not tested).
    config : the settings.
    """

    table: pd.DataFrame
    data: pd.DataFrame
    features: tuple[str, ...]
    labels: tuple[str, ...]
    family: Family | None
    features_only: tuple[str, ...]
    clinical_only: tuple[str, ...]
    config: AssociateConfig


def label_values(column: pd.Series) -> pd.Series:
    """Cluster codes as text (``2.0`` -> ``"2"``), missing values kept missing."""

    def text(value):
        if pd.isna(value):
            return np.nan
        if isinstance(value, float | np.floating) and float(value).is_integer():
            return str(int(value))
        return str(value).strip() or np.nan

    return column.map(text).astype(object)


def _level_order(levels) -> list[str]:
    def key(level):
        try:
            return (0, float(level), level)
        except ValueError:
            return (1, 0.0, level)

    return sorted(levels, key=key)


def _base(feature, label, test, family, n, note="", **values) -> Row:
    defaults = dict(
        level="", statistic=np.nan, p=np.nan, p_se=np.nan, p_adjusted=np.nan, correction="", reject=False,
        effect_name="", effect=np.nan, ci_low=np.nan, ci_high=np.nan, method="",
    )  # fmt: skip
    defaults.update(values)
    return Row(feature=feature, label=label, test=test, family=family, n=int(n), note=note, **defaults)


def _why_not(x: np.ndarray, y: np.ndarray, config: AssociateConfig) -> str:
    levels = np.unique(y)
    if levels.size < 2:
        return f"not run: a single class ({levels[0] if levels.size else 'none'}) among {x.size} patients"
    if levels.size > MAX_CLASSES:
        return f"not run: {levels.size} classes; a label must be a categorical (cluster) column"
    if x.size < config.min_n:
        return f"not run: {x.size} patients with both values, fewer than {config.min_n}"
    if np.ptp(x) == 0:
        return "not run: the feature is constant"
    return ""


def _split_table(x: np.ndarray, y: np.ndarray, config: AssociateConfig):
    """The 2×k table of a dichotomised feature (rows: low, high) against the classes, or a reason."""
    split = dichotomise(x, cut=config.cut)
    cut_text = f"cut {split.cut:.6g} ({'median' if config.cut is None else 'given'})"
    if split.n_low == 0 or split.n_high == 0:
        return None, [], cut_text, f"not run: every value on one side of the {cut_text}"
    levels = _level_order(np.unique(y))
    low = [np.sum(~split.high & (y == lv)) for lv in levels]
    high = [np.sum(split.high & (y == lv)) for lv in levels]
    return np.array([low, high]), levels, cut_text, ""


def _fisher(key: dict, x, y, config: AssociateConfig) -> list[Row]:
    table, levels, cut_text, reason = _split_table(x, y, config)
    if reason:
        return [_base(**key, note=reason)]
    result = fisher_test(table, draws=config.draws, seed=config.seed)
    cramers_v = float(np.sqrt(_chi2(table) / (table.sum() * (min(table.shape) - 1))))
    if result.method == "exact":
        method = "exact 2xK enumeration"
    else:
        method = f"Monte Carlo B={result.tables} seed={result.seed}"
    counts = "; ".join(f"{lv}: {table[1, i]}/{table[:, i].sum()} high" for i, lv in enumerate(levels))
    return [
        _base(**key, statistic=result.statistic, p=result.pvalue, p_se=result.pvalue_se, effect_name="cramers_v",
              effect=cramers_v, method=f"{method}; {cut_text}", note=counts)
    ]  # fmt: skip


def _fisher_ovr(key: dict, x, y, config: AssociateConfig) -> list[Row]:
    table, levels, cut_text, reason = _split_table(x, y, config)
    if reason:
        return [_base(**key, note=reason)]
    rows = []
    for i, lv in enumerate(levels):
        inside = table[:, i]
        outside = table.sum(axis=1) - inside
        two = np.array([[inside[1], outside[1]], [inside[0], outside[0]]])  # rows: high, low
        r = fisher_2x2(two, confidence=config.confidence)
        rows.append(
            _base(**key, level=lv, statistic=r.odds_ratio, p=r.pvalue, p_se=0.0, effect_name="odds_ratio_high",
                  effect=r.odds_ratio, ci_low=r.ci_low, ci_high=r.ci_high,
                  method=f"2x2 exact, conditional MLE OR; {cut_text}",
                  note=f"high in class {two[0, 0]}/{inside.sum()}, outside {two[0, 1]}/{outside.sum()}")
        )  # fmt: skip
    return rows


def _kruskal(key: dict, x, y, config: AssociateConfig) -> list[Row]:
    r = kruskal(x, y)
    return [
        _base(**key, statistic=r.statistic, p=r.pvalue, effect_name="epsilon_squared", effect=r.epsilon_squared,
              method=f"chi-square approximation, df={r.df}")
    ]  # fmt: skip


def _mannwhitney(key: dict, x, y, config: AssociateConfig) -> list[Row]:
    return [
        _base(**key, level=r.level, statistic=r.statistic, p=r.pvalue, effect_name="auc", effect=r.auc,
              ci_low=r.ci_low, ci_high=r.ci_high, method="two-sided, DeLong CI",
              note=f"{r.n_in} in class, {r.n_out} outside")
        for r in mann_whitney_one_vs_rest(x, y, confidence=config.confidence)
    ]  # fmt: skip


def _logistic(key: dict, x, y, config: AssociateConfig, covariates: pd.DataFrame | None) -> list[Row]:
    r = logistic_association(x, y, covariates, confidence=config.confidence)
    adjusted = ", ".join(config.covariates) or "none"
    return [
        _base(**key, statistic=r.statistic, p=r.pvalue, effect_name="odds_ratio_per_sd" if r.model == "logit" else "",
              effect=r.odds_ratio, ci_low=r.ci_low, ci_high=r.ci_high,
              method=f"{r.model} LR test df={r.df}; adjusted for {adjusted}", note=r.note)
    ]  # fmt: skip


_RUNNERS = {"fisher": _fisher, "fisher_ovr": _fisher_ovr, "kruskal": _kruskal, "mannwhitney": _mannwhitney}


def run_test(
    test: str, feature: str, label: str, data: pd.DataFrame, *, family: str, config: AssociateConfig
):
    """Run one test on one (feature, label) pair; returns a list of :class:`Row` (one per class for ovr).

    ``data`` holds the feature column, the label column (text) and any covariate columns. Patients missing
    any of the columns this test uses are dropped for this test only.
    """
    columns = [feature, label] + (list(config.covariates) if test == "logistic" else [])
    subset = data[columns].dropna()
    x = subset[feature].to_numpy(float)
    y = subset[label].to_numpy(str)
    key = dict(feature=feature, label=label, test=test, family=family, n=x.size)
    reason = _why_not(x, y, config)
    if reason:
        return [_base(**key, note=reason)]
    if test == "logistic":
        covariates = subset[list(config.covariates)] if config.covariates else None
        return _logistic(key, x, y, config, covariates)
    return _RUNNERS[test](key, x, y, config)


def _chi2(table: np.ndarray) -> float:
    expected = table.sum(1, keepdims=True) * table.sum(0, keepdims=True) / table.sum()
    keep = expected > 0
    return float(np.sum((table[keep] - expected[keep]) ** 2 / expected[keep]))


def _correct(rows: list[Row], method: str, alpha: float) -> list[Row]:
    """Adjust p-values within each test kind of one family."""
    out = list(rows)
    for test in dict.fromkeys(r.test for r in rows):
        index = [i for i, r in enumerate(rows) if r.test == test]
        result = adjust([rows[i].p for i in index], method=method, alpha=alpha)
        for j, i in enumerate(index):
            if np.isfinite(rows[i].p):
                out[i] = Row(**{**asdict(rows[i]), "p_adjusted": float(result.p_adjusted[j]),
                                "correction": f"{method} m={result.m}", "reject": bool(result.reject[j])})  # fmt: skip
    return out


def _default_labels(clinical: pd.DataFrame) -> list[str]:
    labels = [c for c in LGG_CLUSTER_COLUMNS if c in clinical.columns]
    labels = labels or [c for c in clinical.columns if c.lower().endswith("cluster")]
    if not labels:
        raise InputError(
            f"the clinical table has no cluster column (found {', '.join(map(str, clinical.columns[:8]))}); "
            "name the label columns with --labels"
        )
    return labels


def _default_features(features: pd.DataFrame) -> list[str]:
    measured = measured_columns(features)
    if not measured:
        raise InputError(
            f"{features.attrs.get('source', 'the feature table')}: holds only bookkeeping columns "
            f"({', '.join(features.columns)}), which are not tested unless named; name them with --features"
        )
    return measured


def associate(
    features: pd.DataFrame,
    clinical: pd.DataFrame,
    *,
    feature_names=None,
    labels=None,
    family: Family | None = None,
    config: AssociateConfig = AssociateConfig(),
) -> AssociationResult:
    """Test every feature against every label (exploratory) and the pre-registered pairs (confirmatory).

    Parameters
    ----------
    features : DataFrame indexed by patient, numeric feature columns (``read_feature_table``).
    clinical : DataFrame indexed by patient (``read_clinical``): label and covariate columns.
    feature_names : sequence of str, optional, keyword-only
        Features of the exploratory family (default: every feature column but the bookkeeping ones,
        :func:`~radiogenomics.stats.feature_table.measured_columns`). Matched case-insensitively.
    labels : sequence of str, optional, keyword-only
        Label columns of the exploratory family (default: the genomic cluster columns present).
    family : Family, optional, keyword-only
        Pre-registered pairs, corrected with ``config.correction``.
    config : AssociateConfig, keyword-only

    Returns
    -------
    AssociationResult

    Raises
    ------
    InputError
        Unknown feature, label or covariate names, or no patient in both tables.

    Warns
    -----
    InputWarning
        Infinite feature values, set to missing (:func:`~radiogenomics.stats.feature_table.finite_features`).
    """
    source = features.attrs.get("source", "the feature table")
    features = finite_features(features, source=source)

    def feature(name: str, where: str) -> str:
        if name in features.attrs.get("dropped_columns", ()) and name not in features.columns:
            raise InputError(
                f"{where} {name}: a column of {source} that holds no number; fix its cells "
                "(a blank cell is a missing value)"
            )
        return resolve_name(name, features.columns, what="feature", where=where)

    feature_names = feature_names or _default_features(features)
    feature_names = [feature(f, "--features") for f in feature_names]
    labels = [
        resolve_name(lab, clinical.columns, what="label column of the clinical table", where="--labels")
        for lab in (labels or _default_labels(clinical))
    ]
    pairs = []
    if family is not None:
        given = (
            f"--preset {family.name}"
            if family.source.startswith("preset ")
            else f"--hypotheses {family.source}"
        )
        for h in family.pairs:
            pairs.append(
                Hypothesis(
                    feature(h.feature, f"{given}: feature"),
                    resolve_name(
                        h.label,
                        clinical.columns,
                        what="column of the clinical table",
                        where=f"{given}: label",
                    ),
                )
            )
    clinical = clinical.copy()
    if "institution" in config.covariates and "institution" not in clinical.columns:
        clinical["institution"] = [institution_of(p) or p for p in clinical.index]  # no code: its own level
    covariates = [
        resolve_name(c, clinical.columns, what="column of the clinical table", where="--covariates")
        for c in config.covariates
    ]
    config = AssociateConfig(**{**asdict(config), "covariates": tuple(covariates)})
    used_labels = list(dict.fromkeys(labels + [h.label for h in pairs]))
    used_features = list(dict.fromkeys(feature_names + [h.feature for h in pairs]))
    right = clinical[list(dict.fromkeys(used_labels + covariates))].copy()
    for label in used_labels:
        right[label] = label_values(right[label])
    join = join_on_patient(features[used_features], right)
    if join.frame.empty:
        raise InputError(
            f"no patient is in both tables (features: {len(features)} ids such as {', '.join(features.index[:2])}; "
            f"clinical: {len(clinical)} ids such as {', '.join(clinical.index[:2])}); check the patient ids"
        )
    data = join.frame
    confirmatory = [
        row for h in pairs for test in config.tests for row in run_test(test, h.feature, h.label, data, family="confirmatory", config=config)
    ]  # fmt: skip
    exploratory = [
        row for f in feature_names for lab in labels for test in config.tests
        for row in run_test(test, f, lab, data, family="exploratory", config=config)
    ]  # fmt: skip
    rows = _correct(confirmatory, config.correction, config.alpha) + _correct(
        exploratory, config.exploratory_correction, config.alpha
    )
    table = pd.DataFrame([asdict(r) for r in rows], columns=list(COLUMNS))
    return AssociationResult(
        table=table,
        data=data,
        features=tuple(feature_names),
        labels=tuple(labels),
        family=Family(family.name, tuple(pairs), family.source) if family is not None else None,
        features_only=join.left_only,
        clinical_only=join.right_only,
        config=config,
    )
