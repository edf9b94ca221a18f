"""File-level entry points of ``rg associate`` and ``rg agree``: read, compute, write (atomically).

Every output CSV gets a JSON sidecar (same stem) with the resolved settings, the inputs, the ids that
could not be matched and the software versions. The sidecar is written first and names the digest of the
table (and of the report), the table last (:func:`radiogenomics.outputs.write_outputs`), so that a run
killed between them is recognisable.
"""

from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from radiogenomics import versions
from radiogenomics.clinical import read_clinical
from radiogenomics.errors import InputError
from radiogenomics.outputs import sidecar_path, write_outputs
from radiogenomics.stats.agree import agree
from radiogenomics.stats.associate import AssociateConfig, associate
from radiogenomics.stats.feature_table import check_same_spacing, read_feature_table, table_sidecar
from radiogenomics.stats.hypotheses import preset, read_hypotheses


def software_versions() -> dict[str, str]:
    """Versions of Python, rg and the libraries behind the statistics."""
    return versions.software_versions("numpy", "scipy", "pandas", "statsmodels", "matplotlib")


@dataclass(frozen=True)
class AssociateOutputs:
    """What ``run_associate`` wrote, and a few counts for the command's summary line."""

    results: Path
    sidecar: Path
    report: Path | None
    rows: int
    significant: int
    family_size: int
    unmatched: int


def run_associate(
    features_path,
    clinical_path,
    out,
    *,
    feature_names=None,
    labels=None,
    hypotheses_path=None,
    preset_name: str | None = None,
    report_dir=None,
    clinical_id: str = "Patient",
    config: AssociateConfig = AssociateConfig(),
) -> AssociateOutputs:
    """Read FEATURES and CLINICAL, run :func:`~radiogenomics.stats.associate.associate`, write the outputs.

    Parameters
    ----------
    features_path, clinical_path : paths of the feature CSV and the clinical table.
    out : path of the results CSV; its sidecar is ``<out stem>.json`` beside it.
    feature_names, labels : columns of the exploratory family (default: all features, the cluster columns).
    hypotheses_path, preset_name : a pre-registered family (at most one of the two).
    report_dir : folder for ``index.html``, or None for no report.
    clinical_id : name of the patient id column of the clinical table.
    config : AssociateConfig

    Returns
    -------
    AssociateOutputs
    """
    if hypotheses_path is not None and preset_name is not None:
        raise InputError("--hypotheses and --preset both given; choose one family")
    family = read_hypotheses(hypotheses_path) if hypotheses_path is not None else None
    family = preset(preset_name) if preset_name is not None else family
    features = read_feature_table(features_path)
    clinical = read_clinical(clinical_path, id_column=clinical_id)
    result = associate(
        features, clinical, feature_names=feature_names, labels=labels, family=family, config=config
    )
    out = Path(out)
    sidecar = sidecar_path(out)
    files = {}
    report = None
    if report_dir is not None:
        from radiogenomics.report import render_report

        report = Path(report_dir) / "index.html"
        files[report] = render_report(result, sidecar=table_sidecar(features_path))
    files[out] = result.table.to_csv(index=False, float_format="%.6g")
    write_outputs(
        sidecar,
        {
            "command": "rg associate",
            "inputs": {"features": str(features_path), "clinical": str(clinical_path)},
            "config": asdict(result.config),
            "family": None
            if result.family is None
            else {
                "name": result.family.name,
                "source": result.family.source,
                "pairs": [list(p) for p in result.family.pairs],
            },
            "features": list(result.features),
            "labels": list(result.labels),
            "patients_tested": len(result.data),
            "features_only": list(result.features_only),
            "clinical_only": list(result.clinical_only),
            "dropped_feature_columns": features.attrs.get("dropped_columns", []),
            "untested_feature_columns": [c for c in features.columns if c not in result.features],
            "columns": {
                "p": "raw p-value; p_se its Monte Carlo standard error (0 when exact)",
                "p_adjusted": "adjusted within family and test kind over the rows with a p-value",
                "reject": "p_adjusted <= alpha",
                "note": "why a test was not run, or class counts",
            },
            "software": software_versions(),
        },
        files,
    )
    table = result.table
    confirmatory = table[table["family"] == "confirmatory"] if result.family is not None else table
    return AssociateOutputs(
        results=out,
        sidecar=sidecar,
        report=report,
        rows=len(table),
        significant=int(confirmatory["reject"].sum()),
        family_size=len(result.family.pairs) if result.family is not None else 0,
        unmatched=len(result.features_only) + len(result.clinical_only),
    )


@dataclass(frozen=True)
class AgreeOutputs:
    """What ``run_agree`` wrote and the ids found in one table only."""

    results: Path
    sidecar: Path
    features: int
    patients: int
    only_a: tuple[str, ...]
    only_b: tuple[str, ...]
    table: pd.DataFrame | None = None  # the agreement table written to ``results``


def run_agree(path_a, path_b, out, *, confidence: float = 0.95) -> AgreeOutputs:
    """Read two feature CSVs, compute the agreement table, write it and its JSON sidecar.

    Warns (:class:`~radiogenomics.errors.InputWarning`) when the tables' sidecars give different units or
    spacings (:func:`~radiogenomics.stats.feature_table.check_same_spacing`).

    Returns
    -------
    AgreeOutputs
    """
    a = read_feature_table(path_a)
    b = read_feature_table(path_b)
    check_same_spacing(path_a, path_b)
    result = agree(a, b, confidence=confidence)
    compared = set(result.table["feature"])  # not the bookkeeping columns
    out = Path(out)
    sidecar = sidecar_path(out)
    write_outputs(
        sidecar,
        {
            "command": "rg agree",
            "inputs": {"a": str(path_a), "b": str(path_b)},
            "confidence": confidence,
            "only_a": list(result.only_a),
            "only_b": list(result.only_b),
            "features_only_a": list(result.features_only_a),
            "features_only_b": list(result.features_only_b),
            "shared_columns_not_compared": [
                c for c in a.columns.intersection(b.columns) if c not in compared
            ],
            "statistics": "ICC(2,1) absolute agreement and ICC(3,1) consistency (Shrout & Fleiss 1979, F-based "
            "CIs of McGraw & Wong 1996); Spearman with Fisher-z CI (Bonett & Wright 2000 variance)",
            "software": software_versions(),
        },
        {out: result.table.to_csv(index=False, float_format="%.6g")},
    )
    patients = len(set(a.index) & set(b.index))
    return AgreeOutputs(out, sidecar, len(result.table), patients, result.only_a, result.only_b, result.table)
