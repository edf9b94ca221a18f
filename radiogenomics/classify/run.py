"""File-level entry point of ``rg classify``: read the tables, run :func:`classify`, write every output.

``OUT/`` receives (each file written atomically):

- ``summary.csv``: one row per (masks, target, feature_set, model): n, classes, auc, ci_low, ci_high,
  balanced_accuracy, perm_p, permutations, …;
- ``auc_per_class.csv``: the one-vs-rest AUC of each class with its CI;
- ``predictions.csv``: the out-of-fold probability of each class for each patient and repeat;
- ``folds.csv``: the outer test fold of each patient per target and repeat;
- ``figures/roc_<masks>_<target>.png`` and ``figures/confusion_<masks>_<target>.png``;
- ``classify.json``: every setting, the inputs, the patients dropped per target, the software versions.
"""

from dataclasses import asdict, dataclass
from pathlib import Path

from radiogenomics import versions
from radiogenomics.atomic import atomic_path, write_csv, write_json
from radiogenomics.classify.compare import ClassifyConfig, ClassifyResult, classify
from radiogenomics.classify.figures import figures
from radiogenomics.clinical import read_clinical
from radiogenomics.errors import InputError
from radiogenomics.stats.feature_table import read_feature_table


@dataclass(frozen=True)
class ClassifyOutputs:
    """What :func:`run_classify` wrote."""

    out: Path
    summary: Path
    sidecar: Path
    report: Path | None
    result: ClassifyResult


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


def run_classify(features_paths, clinical_path, out_dir, *, config: ClassifyConfig, names=None, report_dir=None,
                 clinical_id: str = "Patient") -> ClassifyOutputs:  # fmt: skip
    """Read one or two feature tables and CLINICAL, run the comparison, write ``out_dir`` (module docstring).

    Parameters
    ----------
    features_paths : one or two feature CSVs (e.g. manual and predicted masks).
    clinical_path : the clinical table.
    out_dir : output folder.
    config : ClassifyConfig, keyword-only
    names : names of the mask sources, one per table (default the files' stems).
    report_dir : folder for ``index.html``, or None.
    clinical_id : patient id column of the clinical table.
    """
    paths = [Path(p) for p in features_paths]
    names = list(names) if names else [p.stem for p in paths]
    if len(names) != len(paths) or len(set(names)) != len(names):
        raise InputError(
            f"--names: give {len(paths)} distinct names, one per feature table (got {', '.join(names)})"
        )
    features = {name: read_feature_table(path) for name, path in zip(names, paths, strict=True)}
    clinical = read_clinical(clinical_path, id_column=clinical_id)
    result = classify(features, clinical, config)
    out = Path(out_dir)
    write_csv(out / "summary.csv", result.summary, index=False, float_format="%.6g")
    write_csv(out / "auc_per_class.csv", result.per_class, index=False, float_format="%.6g")
    write_csv(out / "predictions.csv", result.predictions, index=False, float_format="%.6g")
    write_csv(out / "folds.csv", result.folds, index=False)
    images = {}
    for (masks, target), summary in result.summary.groupby(["masks", "target"], sort=False):
        rows = result.predictions[
            (result.predictions["masks"] == masks) & (result.predictions["target"] == target)
        ]
        classes = list(result.targets[target]["classes"])
        images[masks, target] = figures(rows, summary, classes, title=f"{target} ({masks})")
        for kind, png in zip(("roc", "confusion"), images[masks, target], strict=True):
            with atomic_path(out / "figures" / f"{kind}_{_safe(masks)}_{_safe(target)}.png") as tmp:
                tmp.write_bytes(png)
    sidecar = out / "classify.json"
    write_json(
        sidecar,
        {
            "command": "rg classify",
            "inputs": {
                "features": dict(zip(names, map(str, paths), strict=True)),
                "clinical": str(clinical_path),
            },
            "config": asdict(config),
            "targets": result.targets,
            "ids_not_in_every_table": result.unmatched,
            "feature_columns": {name: list(f.columns) for name, f in features.items()},
            "definitions": {
                "auc": "macro one-vs-rest AUC of the repeat-averaged out-of-fold probabilities (binary: the AUC)",
                "ci_low, ci_high": "percentile bootstrap over patients of the same predictions",
                "balanced_accuracy": "mean recall over classes of the largest averaged probability",
                "perm_p": "(1 + #shuffles with macro AUC >= perm_statistic) / (1 + permutations); each shuffle "
                "reruns the whole nested CV with permutation_repeats repeats; perm_statistic is the observed "
                "macro AUC of the first permutation_repeats repeats",
                "not_converged": "fits that warned of non-convergence (their result is used)",
            },
            "software": versions.software_versions(
                "numpy", "scipy", "pandas", "scikit-learn", "joblib", "matplotlib"
            ),
        },
    )
    report = None
    if report_dir is not None:
        from radiogenomics.classify.report import write_classify_report

        report = write_classify_report(result, images, report_dir)
    return ClassifyOutputs(out, out / "summary.csv", sidecar, report, result)
