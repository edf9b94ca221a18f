"""Predicted masks against manual ones: per-case metrics, a per-case table and a summary with bootstrap CIs.

Both folders are read with the reader of ``rg features`` (:func:`radiogenomics.features.extract.find_mask_sources`):
Kaggle layout (``<case>/<case>_<n>_mask.tif``, images beside them allowed) or NIfTI (``<case>.nii.gz`` /
``<case>_mask.nii.gz``). Cases are matched by name; a case on one side only is listed (table and summary),
never dropped silently; a case whose two masks do not match in slices or shape is an error of that case
and the others go on. Given the model's training cases (:mod:`segmentation.training_cases`), each case is
marked ``in_training`` and every metric is summarised over all cases (``metrics``) and over the cases not
in training (``metrics_not_in_training``); without them neither appears.

No torch here: ``rg evaluate`` stays fast to start.
"""

import math
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from radiogenomics.atomic import write_csv, write_json
from radiogenomics.case_io import Case
from radiogenomics.errors import InputError
from radiogenomics.features.extract import MaskSource, check_spacing, find_mask_sources, read_source
from radiogenomics.progress import with_progress
from radiogenomics.versions import software_versions
from segmentation.distances import surface_metrics, volume_diagonal
from segmentation.metrics import dice
from segmentation.training_cases import TrainingCases

#: The empty-mask rule, written into per_case.csv (column ``empty_rule`` where applied) and summary.json.
EMPTY_RULE = (
    "both masks empty: Dice 1, IoU 1, HD95 0, ASSD 0, volume difference 0, relative volume difference 0; "
    "exactly one empty: Dice 0, IoU 0, HD95 = ASSD = the volume's diagonal (sqrt of the sum over the "
    "three axes of (size x spacing)^2, in the table's unit); relative volume difference blank when only "
    "the manual mask is empty"
)

#: The per-case metrics summarised (column names of the table), in order.
METRICS = ("dice", "iou", "hd95", "assd", "volume_difference", "relative_volume_difference")

#: Definitions written into summary.json.
DEFINITIONS = {
    "dice": "2|P ∩ T| / (|P| + |T|), all slices of a case together (P predicted, T manual voxels)",
    "iou": "|P ∩ T| / |P ∪ T| (Jaccard index)",
    "hd95": "95th percentile (linear interpolation) of the distances from each surface voxel of either "
    "mask to the nearest surface voxel of the other, both directions pooled; surface = voxels removed by "
    "one binary erosion with the face-connected structure (medpy.metric.binary.hd95, connectivity 1)",
    "assd": "mean of the same pooled surface distances, every surface voxel of either mask counted once "
    "(medpy.metric.binary.assd 0.5, connectivity 1)",
    "volume_prediction": "|P| x voxel volume",
    "volume_truth": "|T| x voxel volume",
    "volume_difference": "absolute volume difference | |P| - |T| | x voxel volume",
    "relative_volume_difference": "signed (|P| - |T|) / |T|; positive = over-segmentation",
}

STATUS_OK = "ok"
STATUS_PREDICTION_ONLY = "prediction only"
STATUS_TRUTH_ONLY = "manual only"

#: Columns of the per-case table, in order.
COLUMNS = ("case", "status", "empty_rule", "unit", "spacing", "slices", "dice", "iou", "hd95", "assd",
           "volume_prediction", "volume_truth", "volume_difference", "relative_volume_difference")  # fmt: skip


@dataclass(frozen=True)
class CaseMetrics:
    """The metrics of one case (all slices together).

    Attributes
    ----------
    dice, iou : float
        In [0, 1].
    hd95, assd : float
        In mm with spacing, else voxels.
    volume_prediction, volume_truth, volume_difference : float
        In mm³ with spacing, else voxels; ``volume_difference`` is absolute.
    relative_volume_difference : float
        Signed, relative to the manual volume; NaN when only the manual mask is empty.
    empty : str
        ``""`` (both masks hold tumour), ``"both"``, ``"prediction"`` or ``"truth"`` (the empty one),
        i.e. whether :data:`EMPTY_RULE` was applied.
    """

    dice: float
    iou: float
    hd95: float
    assd: float
    volume_prediction: float
    volume_truth: float
    volume_difference: float
    relative_volume_difference: float
    empty: str


def case_metrics(prediction: np.ndarray, truth: np.ndarray, *, spacing=None) -> CaseMetrics:
    r"""Dice, IoU, HD95, ASSD and volume differences of one case, with the empty-mask rule.

    Parameters
    ----------
    prediction, truth : (S, R, C) ndarray of bool
        Predicted and manual masks of all slices of one case; same shape.
    spacing : tuple of 3 floats, optional
        Voxel size along (slice, row, column) in mm; None: voxel units.

    Returns
    -------
    CaseMetrics
        :math:`D = 2|P \cap T| / (|P| + |T|)`, :math:`J = |P \cap T| / |P \cup T| = D / (2 - D)`, HD95 and
        ASSD (:mod:`segmentation.distances`, medpy's definitions), volumes :math:`|X| \prod_i s_i`.
        Empty masks follow :data:`EMPTY_RULE`.

    Examples
    --------
    >>> p = np.zeros((1, 4, 4), bool); p[0, :2, :2] = True
    >>> t = np.zeros((1, 4, 4), bool); t[0, :2, :3] = True
    >>> m = case_metrics(p, t, spacing=(1, 1, 2))
    >>> round(m.dice, 4), round(m.iou, 4), m.volume_difference, round(m.relative_volume_difference, 4)
    (0.8, 0.6667, 4.0, -0.3333)
    """
    prediction = np.asarray(prediction).astype(bool, copy=False)
    truth = np.asarray(truth).astype(bool, copy=False)
    d = dice(prediction, truth)  # checks the shapes
    voxel = float(np.prod(spacing)) if spacing is not None else 1.0
    n_prediction, n_truth = int(np.count_nonzero(prediction)), int(np.count_nonzero(truth))
    union = int(np.count_nonzero(prediction | truth))
    empty = {(True, True): "both", (True, False): "prediction", (False, True): "truth"}.get(
        (n_prediction == 0, n_truth == 0), ""
    )
    surface = surface_metrics(prediction, truth, spacing=spacing)
    if n_truth:
        relative = (n_prediction - n_truth) / n_truth
    else:
        relative = 0.0 if n_prediction == 0 else math.nan
    return CaseMetrics(
        dice=d,
        iou=1.0 if union == 0 else int(np.count_nonzero(prediction & truth)) / union,
        hd95=surface.hd95,
        assd=surface.assd,
        volume_prediction=n_prediction * voxel,
        volume_truth=n_truth * voxel,
        volume_difference=abs(n_prediction - n_truth) * voxel,
        relative_volume_difference=relative,
        empty=empty,
    )


def empty_rule_note(metrics: CaseMetrics, *, shape, spacing, unit: str) -> str:
    """The ``empty_rule`` cell of a case: what the rule gave, or ``""`` when it was not applied."""
    if metrics.empty == "both":
        return "both masks empty: Dice 1, IoU 1, HD95 0, ASSD 0"
    if metrics.empty:
        side = "predicted" if metrics.empty == "prediction" else "manual"
        return (
            f"{side} mask empty: Dice 0, IoU 0, HD95 = ASSD = volume diagonal "
            f"{volume_diagonal(shape, spacing):.6g} {unit}"
        )
    return ""


class Interval(NamedTuple):
    """A bootstrap confidence interval: ``low``, ``high`` (None when n < 2) and the ``method`` used."""

    low: float | None
    high: float | None
    method: str


def bootstrap_ci(
    values,
    statistic,
    *,
    method: str = "BCa",
    resamples: int = 10_000,
    confidence: float = 0.95,
    seed: int = 0,
) -> Interval:
    """Seeded bootstrap CI of ``statistic`` (``np.mean`` or ``np.median``) of ``values``.

    Through :func:`scipy.stats.bootstrap`. Fewer than two values: no interval (``None``); all values
    equal: the degenerate interval [v, v] (every resample gives v); BCa on data where scipy reports a
    degenerate distribution falls back to the percentile method, said in ``method``.
    """
    from scipy import stats

    x = np.asarray(values, dtype=float)
    if x.size < 2:
        return Interval(None, None, "none (n < 2)")
    if np.all(x == x[0]):
        return Interval(float(x[0]), float(x[0]), "all values equal")
    for attempt in (method, "percentile"):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", stats.DegenerateDataWarning)
            result = stats.bootstrap(
                (x,),
                statistic,
                n_resamples=resamples,
                confidence_level=confidence,
                method=attempt,
                rng=np.random.default_rng(seed),
            )
        low, high = float(result.confidence_interval.low), float(result.confidence_interval.high)
        if not caught and np.isfinite(low) and np.isfinite(high):
            return Interval(low, high, attempt if attempt == method else f"percentile ({method} degenerate)")
    return Interval(None, None, "none (degenerate bootstrap distribution)")


def summarise(
    table: pd.DataFrame, *, resamples: int = 10_000, confidence: float = 0.95, seed: int = 0
) -> dict:
    """Mean, median, bootstrap CIs of both, and n, of each metric over the evaluated cases.

    Evaluated cases are those with a metric value (status ``ok``, empty-mask rule included); missing
    values (a relative volume difference with an empty manual mask) are left out of that metric's n.
    The mean's CI is BCa, the median's percentile (BCa is unreliable for the median of discrete data).
    """
    summary = {}
    for column in METRICS:
        values = table.loc[table["status"] == STATUS_OK, column].astype(float).dropna().to_numpy()
        options = {"resamples": resamples, "confidence": confidence, "seed": seed}
        mean_ci = bootstrap_ci(values, np.mean, method="BCa", **options)
        median_ci = bootstrap_ci(values, np.median, method="percentile", **options)
        summary[column] = {
            "n": int(values.size),
            "mean": float(values.mean()) if values.size else None,
            "median": float(np.median(values)) if values.size else None,
            "std": float(values.std(ddof=1)) if values.size > 1 else None,
            "mean_ci": [mean_ci.low, mean_ci.high],
            "mean_ci_method": mean_ci.method,
            "median_ci": [median_ci.low, median_ci.high],
            "median_ci_method": median_ci.method,
        }
    return summary


class EvaluationResult(NamedTuple):
    """What :func:`evaluate_folders` returns.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per case of either folder, sorted by case (:data:`COLUMNS`); metrics missing where the
        status is not ``ok``.
    summary : dict
        JSON-able: folders, unit and spacing, :data:`EMPTY_RULE`, definitions, the cases on one side only,
        the failed cases, per-metric aggregates, bootstrap settings, software versions.
    """

    table: pd.DataFrame
    summary: dict

    @property
    def failed(self) -> dict[str, str]:
        """Case -> error message."""
        return self.summary["cases"]["failed"]

    def problems(self, prediction: str | Path, truth: str | Path) -> list[str]:
        """One line for the cases of one folder only (not evaluated), then one per failed case."""
        cases = self.summary["cases"]
        lines = [
            f"{len(cases[key])} case(s) only in {where}, not evaluated: {', '.join(cases[key])}"
            for key, where in (("prediction_only", prediction), ("truth_only", truth))
            if cases[key]
        ]
        return lines + [f"error: {case}: {message}" for case, message in self.failed.items()]


@dataclass(frozen=True)
class CasePair:
    """One case present in both folders."""

    name: str
    prediction: MaskSource
    truth: MaskSource


def _resolve_spacing(
    prediction: Case, truth: Case, spacing: tuple[float, float, float] | None
) -> tuple[float, float, float] | None:
    if spacing is not None:
        return spacing
    found = [c.spacing for c in (prediction, truth) if c.spacing is not None]
    if len(found) == 2 and not np.allclose(found[0], found[1], rtol=1e-4):
        raise InputError(
            f"{prediction.path}: spacing {list(found[0])} differs from the manual mask's {list(found[1])} "
            f"({truth.path}); resample the prediction onto the manual mask's grid"
        )
    return tuple(float(s) for s in found[0]) if found else None


def evaluate_case(pair: CasePair, *, spacing: tuple[float, float, float] | None = None) -> dict:
    """One row of the table. Never raises for a problem of the case: it becomes status ``error: ...``."""
    row: dict = {"case": pair.name, "status": STATUS_OK, "empty_rule": ""}
    try:
        prediction, truth = read_source(pair.prediction), read_source(pair.truth)
        if prediction.mask.shape != truth.mask.shape or (
            pair.prediction.layout == pair.truth.layout == "kaggle" and prediction.slices != truth.slices
        ):
            raise InputError(
                f"{prediction.path}: predicted masks are {prediction.mask.shape} (slices "
                f"{_span(prediction.slices)}), manual masks ({truth.path}) are {truth.mask.shape} (slices "
                f"{_span(truth.slices)}); predict every slice of the case in its original geometry"
            )
        used = _resolve_spacing(prediction, truth, spacing)
        unit = "mm" if used is not None else "pixel"
        metrics = case_metrics(prediction.mask, truth.mask, spacing=used)
        row.update(
            empty_rule=empty_rule_note(metrics, shape=truth.mask.shape, spacing=used, unit=unit),
            unit=unit,
            spacing=" ".join(f"{s:g}" for s in (used or (1.0, 1.0, 1.0))),
            slices=truth.mask.shape[0],
            **{k: v for k, v in asdict(metrics).items() if k != "empty"},
        )
    except InputError as err:
        row["status"] = f"error: {err}"
    except Exception as err:  # one bad case must not stop the others; it is reported by name
        row["status"] = f"error: {pair.prediction.path}: {type(err).__name__}: {err}"
    return row


def _span(slices: tuple[int, ...]) -> str:
    return f"{slices[0]}-{slices[-1]}" if slices else "none"


def match_cases(prediction_root: Path, truth_root: Path) -> tuple[list[CasePair], list[str], list[str], dict]:
    """Pair the cases of the two folders by name: (pairs, prediction-only, manual-only, layouts)."""
    prediction_layout, predictions = find_mask_sources(prediction_root)
    truth_layout, truths = find_mask_sources(truth_root)
    by_name = {s.name: s for s in truths}
    pairs = [CasePair(s.name, s, by_name[s.name]) for s in predictions if s.name in by_name]
    prediction_only = sorted({s.name for s in predictions} - set(by_name))
    truth_only = sorted(set(by_name) - {s.name for s in predictions})
    if not pairs:
        raise InputError(
            f"{prediction_root}: no case name in common with {truth_root} ({len(predictions)} and "
            f"{len(truths)} cases, e.g. {predictions[0].name} and {truths[0].name}); give the predicted and "
            "the manual masks of the same cases"
        )
    return pairs, prediction_only, truth_only, {"prediction": prediction_layout, "truth": truth_layout}


def evaluate_folders(
    prediction: str | Path,
    truth: str | Path,
    *,
    spacing: tuple[float, float, float] | None = None,
    seed: int = 0,
    resamples: int = 10_000,
    confidence: float = 0.95,
    training: TrainingCases | None = None,
    progress: bool = False,
) -> EvaluationResult:
    """Evaluate the predicted masks of a folder against the manual masks of another.

    Parameters
    ----------
    prediction, truth : path
        Folders of masks, Kaggle layout or NIfTI (the manual folder may also hold the images).
    spacing : tuple of 3 floats, optional
        Voxel size (slice, row, column) in mm for TIFF masks; None: from the NIfTI headers, else pixel
        units. Giving it with NIfTI masks is an :class:`InputError`.
    seed, resamples, confidence :
        The bootstrap of the aggregates (:func:`summarise`).
    training : TrainingCases, optional
        The model's training cases: the table gets ``in_training``, the summary ``training_cases`` and
        ``metrics_not_in_training`` (the aggregates over the other cases).
    progress : bool
        Progress on stderr (:mod:`radiogenomics.progress`: a bar on a terminal, else a line now and then).

    Returns
    -------
    EvaluationResult
        ``(table, summary)``; failed cases in ``summary["cases"]["failed"]`` (and the table's status).
    """
    prediction, truth = Path(prediction), Path(truth)
    pairs, prediction_only, truth_only, layouts = match_cases(prediction, truth)
    for layout, root in ((layouts["prediction"], prediction), (layouts["truth"], truth)):
        spacing = check_spacing(spacing, layout, root)
    rows = [
        evaluate_case(p, spacing=spacing) for p in with_progress(pairs, desc="evaluate", enabled=progress)
    ]
    rows += [{"case": c, "status": STATUS_PREDICTION_ONLY, "empty_rule": ""} for c in prediction_only]
    rows += [{"case": c, "status": STATUS_TRUTH_ONLY, "empty_rule": ""} for c in truth_only]
    table = pd.DataFrame(rows).reindex(columns=list(COLUMNS)).sort_values("case", ignore_index=True)
    table[list(METRICS)] = table[list(METRICS)].astype(float)
    units = sorted(set(table["unit"].dropna()))
    ok = table[table["status"] == STATUS_OK]
    summary = {
        "description": "rg evaluate: predicted masks against manual masks, per case (all slices together)",
        "prediction": str(prediction),
        "truth": str(truth),
        "layouts": layouts,
        "unit": units[0] if len(units) == 1 else units,
        "spacing": _spacing_entry(spacing, layouts, ok),
        "empty_rule": EMPTY_RULE,
        "definitions": DEFINITIONS,
        "cases": {
            "evaluated": len(ok),
            "prediction_only": prediction_only,
            "truth_only": truth_only,
            "failed": {
                r.case: r.status[len("error: ") :] for r in table.itertuples() if r.status.startswith("error")
            },
            "empty_rule_applied": {r.case: r.empty_rule for r in ok.itertuples() if r.empty_rule},
        },
        "metrics": summarise(table, resamples=resamples, confidence=confidence, seed=seed),
        "bootstrap": {
            "function": "scipy.stats.bootstrap",
            "mean": "BCa",
            "median": "percentile",
            "resamples": resamples,
            "confidence": confidence,
            "seed": seed,
            "over": "the evaluated cases (status ok, empty-mask rule included)",
        },
        "software": software_versions("numpy", "scipy", "pandas", "tifffile", "SimpleITK"),
    }
    if training is not None:
        table.insert(2, "in_training", training.marks(table["case"]))
        ok = table[table["status"] == STATUS_OK]
        others = table[~table["in_training"]]
        summary["training_cases"] = {
            "source": training.source,
            "listed": len(training.cases),
            "evaluated_in_training": int(ok["in_training"].sum()),
            "evaluated_others": int((~ok["in_training"]).sum()),
            "cases": ok.loc[ok["in_training"], "case"].tolist(),
            "note": "the model was trained on these cases: its masks of them are in-sample, not an estimate of "
            "its accuracy; metrics_not_in_training summarises the others",
        }
        summary["metrics_not_in_training"] = summarise(
            others, resamples=resamples, confidence=confidence, seed=seed
        )
    return EvaluationResult(table, summary)


def _spacing_entry(spacing, layouts: dict, ok: pd.DataFrame) -> dict:
    if spacing is not None:
        return {"source": "--spacing", "value": list(spacing), "order": "slice, row, column"}
    if "nifti" in layouts.values():
        return {"source": "NIfTI headers", "per_case": dict(zip(ok["case"], ok["spacing"], strict=True))}
    return {"source": "none given: TIFF carries no spacing, distances in pixels, volumes in voxels"}


def write_evaluation(result: EvaluationResult, out_dir: str | Path) -> tuple[Path, Path]:
    """Write ``per_case.csv`` and ``summary.json`` into ``out_dir``, each atomically."""
    out_dir = Path(out_dir)
    csv_path, json_path = out_dir / "per_case.csv", out_dir / "summary.json"
    write_csv(csv_path, result.table, index=False, float_format="%.10g")
    write_json(json_path, result.summary)
    return csv_path, json_path
