"""The feature table of a folder of masks: one row per patient, and a sidecar that describes it.

Masks come in the Kaggle layout (case folders of ``<case>_<n>_mask.tif``; spacing from the caller, by
default 1 x 1 x 1 = pixel units) or as NIfTI files (spacing from each header). A case whose mask is
empty gets a row of missing values with status ``empty mask`` and an :class:`EmptyMaskWarning`; a case
whose pyradiomics group fails (a one-voxel tumour) keeps its other features, with status
``partial: pyradiomics: <message>`` and a :class:`PartialFeaturesWarning`; a case that cannot be read or
measured gets status ``error: <message naming the file>`` and the others go on.
"""

import warnings
from concurrent.futures import as_completed
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from radiogenomics.case_io import Case, find_case_dirs, parse_case_name, read_case
from radiogenomics.errors import InputError, InputWarning
from radiogenomics.features.columns import describe_columns, feature_columns, software_versions
from radiogenomics.features.config import FeatureConfig
from radiogenomics.features.measure import GroupFailed, mask_features
from radiogenomics.nifti_io import NiftiCaseFiles, find_nifti_cases, holds_nifti, read_nifti_case
from radiogenomics.outputs import sidecar_path, write_outputs
from radiogenomics.progress import Progress
from radiogenomics.workers import process_pool

STATUS_OK = "ok"
STATUS_EMPTY = "empty mask"
STATUS_PARTIAL = "partial: "


class EmptyMaskWarning(InputWarning):
    """A case's mask has no tumour voxel: its features are missing values."""


class PartialFeaturesWarning(InputWarning):
    """A third-party group of a case's features failed: its columns are missing, the others kept."""


class FeatureTable(NamedTuple):
    """What :func:`extract_features` returns (``table, sidecar = extract_features(root)``).

    Attributes
    ----------
    table : pandas.DataFrame
        Index ``patient`` (unique); columns ``case``, ``status``, then the features (float; missing where
        status is not ``ok``).
    sidecar : dict
        JSON-able description: ``columns`` (definition, unit, parameters, software of each column),
        ``spacing``, ``config``, ``software``, the cases that were empty or failed.
    """

    table: pd.DataFrame
    sidecar: dict


@dataclass(frozen=True)
class MaskSource:
    """Where one case's mask is: a Kaggle case folder or a NIfTI case (picklable, read in a worker)."""

    name: str
    layout: str
    path: Path
    nifti: NiftiCaseFiles | None = None


def find_mask_sources(root: str | Path) -> tuple[str, list[MaskSource]]:
    """The layout (``"kaggle"`` or ``"nifti"``) of a masks folder and its cases, sorted by name.

    A folder with ``.nii``/``.nii.gz`` files is NIfTI; otherwise it must hold Kaggle case folders (or be
    one). :class:`InputError` if it is neither, or if two cases belong to the same patient.
    """
    root = Path(root)
    if not root.is_dir():
        raise InputError(f"{root}: no such folder; give the folder that holds the masks")
    if holds_nifti(root):
        layout = "nifti"
        sources = [MaskSource(f.name, layout, f.mask or f.images[0], f) for f in find_nifti_cases(root)]
    else:
        layout = "kaggle"
        sources = [MaskSource(d.name, layout, d) for d in find_case_dirs(root)]
    seen: dict[str, str] = {}
    for source in sources:
        patient = parse_case_name(source.name)[0]
        if patient in seen:
            raise InputError(
                f"{root}: cases {seen[patient]} and {source.name} belong to patient {patient}; the table "
                "has one row per patient: move one of them to another folder"
            )
        seen[patient] = source.name
    return layout, sources


def read_source(source: MaskSource) -> Case:
    """Read the mask of one case (no images)."""
    if source.layout == "nifti":
        return read_nifti_case(source.nifti, images=False)
    return read_case(source.path, images=False)


def case_row(
    source: MaskSource,
    *,
    spacing: tuple[float, float, float] | None,
    config: FeatureConfig,
    pyradiomics: bool,
) -> dict:
    """One row of the table: patient, case, status, spacing used, then the features.

    Never raises for a problem of the case itself: an unreadable file or a failed measurement becomes
    status ``error: <message>`` (naming the file) and missing features.
    """
    patient = parse_case_name(source.name)[0]
    row = {"patient": patient, "case": source.name, "status": STATUS_OK, "spacing": None}
    try:
        case = read_source(source)
        used = tuple(float(s) for s in (case.spacing or spacing or (1.0, 1.0, 1.0)))
        row["spacing"] = list(used)
        if not case.mask.any():
            row["status"] = STATUS_EMPTY
            return row
        try:
            features = mask_features(case.mask, spacing=used, config=config, pyradiomics=pyradiomics)
        except GroupFailed as err:
            features = err.features
            row["status"] = f"{STATUS_PARTIAL}{err}"
        features["largest_slice"] = float(case.slices[int(features["largest_slice"])])
        row.update(features)
    except InputError as err:
        row["status"] = f"error: {err}"
    except Exception as err:  # a failed measurement of one case must not stop the others; it is reported
        row["status"] = f"error: {source.path}: {type(err).__name__}: {err}"
    return row


def check_spacing(spacing, layout: str, root: Path) -> tuple[float, float, float] | None:
    """``--spacing`` checked for the masks folder ``root``: 3 positive sizes, and only for TIFF masks."""
    if spacing is None:
        return None
    values = tuple(float(s) for s in spacing)
    if len(values) != 3 or not all(np.isfinite(v) and v > 0 for v in values):
        raise InputError(
            f"spacing is {list(spacing)}; expected 3 positive voxel sizes in mm: slice row column"
        )
    if layout == "nifti":
        raise InputError(
            f"{root}: NIfTI masks carry their spacing in the header; drop --spacing (it is for TIFF masks)"
        )
    return values


def extract_features(
    root: str | Path,
    *,
    spacing: tuple[float, float, float] | None = None,
    jobs: int = 1,
    pyradiomics: bool = True,
    config: FeatureConfig = FeatureConfig(),
    progress: bool = False,
) -> FeatureTable:
    """Shape features of every case under ``root``: one row per patient, plus the sidecar.

    Parameters
    ----------
    root : path
        Masks in the Kaggle layout (case folders of ``*_mask.tif``) or a folder of NIfTI masks.
    spacing : tuple of 3 floats, optional
        Voxel size (slice, row, column) in mm for TIFF masks; None: 1 x 1 x 1, features in pixel units.
        NIfTI masks take theirs from the header (passing one is an :class:`InputError`).
    jobs : int
        Worker processes (cases are independent).
    pyradiomics : bool
        Add pyradiomics ``shape`` and ``shape2D`` columns.
    config : FeatureConfig
        The open choices of ASD, MF and BEVR.
    progress : bool
        Progress on stderr (:mod:`radiogenomics.progress`: a bar on a terminal, else a line now and then).

    Returns
    -------
    FeatureTable
        ``(table, sidecar)``. Empty masks raise an :class:`EmptyMaskWarning` each; failed cases are in
        ``table.status`` and ``sidecar["failed"]``.
    """
    if jobs < 1:
        raise InputError(f"jobs is {jobs}; expected at least 1 worker")
    root = Path(root)
    layout, sources = find_mask_sources(root)
    spacing = check_spacing(spacing, layout, root)
    options = {"spacing": spacing, "config": config, "pyradiomics": pyradiomics}
    rows: list[dict | None] = [None] * len(sources)
    bar = Progress(len(sources), desc="features", unit="case", enabled=progress)
    with bar:
        if jobs == 1 or len(sources) == 1:
            for index, source in enumerate(sources):
                rows[index] = case_row(source, **options)
                bar.update()
        else:
            with process_pool(min(jobs, len(sources)), preload=["radiogenomics.features.extract"]) as pool:
                futures = {pool.submit(case_row, s, **options): i for i, s in enumerate(sources)}
                for future in as_completed(futures):
                    rows[futures[future]] = future.result()
                    bar.update()
    columns = feature_columns(pyradiomics=pyradiomics)
    table = pd.DataFrame([{k: v for k, v in row.items() if k != "spacing"} for row in rows])
    table = table.reindex(columns=["patient", "case", "status", *columns]).set_index("patient")
    table[columns] = table[columns].astype(float)
    for row in rows:
        if row["status"] == STATUS_EMPTY:
            warnings.warn(
                f"{row['case']}: mask is empty; its row holds missing values (status '{STATUS_EMPTY}')",
                EmptyMaskWarning,
                stacklevel=2,
            )
        elif row["status"].startswith(STATUS_PARTIAL):
            warnings.warn(
                f"{row['case']}: {row['status'][len(STATUS_PARTIAL) :]}; that group's columns are missing, "
                "the other features kept (status 'partial: ...')",
                PartialFeaturesWarning,
                stacklevel=2,
            )
    sidecar = _sidecar(root, layout, rows, spacing=spacing, config=config, pyradiomics=pyradiomics)
    return FeatureTable(table, sidecar)


def _sidecar(root: Path, layout: str, rows: list[dict], *, spacing, config, pyradiomics) -> dict:
    unit = "mm" if layout == "nifti" or spacing is not None else "pixel"
    if layout == "nifti":
        spacing_entry = {
            "source": "NIfTI header of each case",
            "unit": unit,
            "per_case": {row["case"]: row["spacing"] for row in rows},
        }
    else:
        spacing_entry = {
            "source": "--spacing"
            if spacing is not None
            else "default 1 x 1 x 1: pixel units (TIFF has no spacing)",
            "unit": unit,
            "value": list(spacing or (1.0, 1.0, 1.0)),
            "order": "slice, row, column",
        }
    return {
        "description": "rg shape features: one row per patient (index 'patient'), case, status, features",
        "masks": str(root),
        "layout": layout,
        "spacing": spacing_entry,
        "config": asdict(config),
        "pyradiomics": pyradiomics,
        "software": software_versions(),
        "cases": len(rows),
        "ok": sum(row["status"] == STATUS_OK for row in rows),
        "empty": [row["case"] for row in rows if row["status"] == STATUS_EMPTY],
        "partial": {
            row["case"]: row["status"][len(STATUS_PARTIAL) :]
            for row in rows
            if row["status"].startswith(STATUS_PARTIAL)
        },
        "failed": {
            row["case"]: row["status"][len("error: ") :] for row in rows if row["status"].startswith("error")
        },
        "columns": describe_columns(config, unit=unit, pyradiomics=pyradiomics),
    }


def write_features(result: FeatureTable, out: str | Path) -> tuple[Path, Path]:
    """Write the table as CSV and the sidecar as JSON beside it (``<stem>.json``).

    The sidecar is written first and names the table's SHA-256, the table last, each atomically
    (:func:`radiogenomics.outputs.write_outputs`): a run killed between the two leaves a pair that
    :func:`read_features` and ``rg associate`` recognise as not matching.
    """
    out = Path(out)
    json_path = sidecar_path(out)
    text = result.table.to_csv(index=True, float_format="%.10g")
    write_outputs(json_path, result.sidecar, {out: text})
    return out, json_path


def read_features(path: str | Path) -> pd.DataFrame:
    """Read a features CSV written by :func:`write_features` (index ``patient``, case, status, features).

    The checks are :func:`radiogenomics.stats.feature_table.read_feature_table`'s (the one reader), plus
    the ``case`` and ``status`` columns.
    """
    from radiogenomics.stats.feature_table import read_feature_table

    table = read_feature_table(path, descriptive=True)
    if "status" not in table.columns or "case" not in table.columns:
        raise InputError(f"{path}: has no 'case'/'status' columns; give a CSV written by rg features")
    return table
