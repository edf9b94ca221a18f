"""The clinical/genomic table (``data.csv`` of the LGG set): one row per patient.

Comma or semicolon separated, LF or CRLF, with or without a final newline or a byte-order mark; blank
cells are missing values. The frame is indexed by patient id (column ``Patient`` by default).
"""

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from radiogenomics.errors import InputError
from radiogenomics.names import suggest

#: The genomic cluster columns of the LGG table, in its order.
LGG_CLUSTER_COLUMNS = (
    "RNASeqCluster",
    "MethylationCluster",
    "miRNACluster",
    "CNCluster",
    "RPPACluster",
    "OncosignCluster",
    "COCCluster",
)


def read_clinical(path: str | Path, *, id_column: str = "Patient") -> pd.DataFrame:
    """Read a clinical table, indexed by patient id.

    The separator (``,``, ``;`` or tab) is taken from the header line. Raises :class:`InputError` for an
    unreadable or empty file, a missing id column, or duplicate or blank ids.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: cannot read the clinical table ({err}); give a UTF-8 CSV file") from err
    header = text.splitlines()[0] if text.strip() else ""
    if not header:
        raise InputError(f"{path}: the clinical table is empty; give a CSV with a header row")
    sep = max([",", ";", "\t"], key=header.count)
    try:
        frame = pd.read_csv(path, sep=sep, encoding="utf-8-sig", skipinitialspace=True)
    except (pd.errors.ParserError, ValueError) as err:
        raise InputError(f"{path}: cannot parse the clinical table ({err}); check its separator") from err
    return index_by_id(frame, id_column, source=path, hint="name the patient id column or pass its name")


def index_by_id(frame: pd.DataFrame, id_column: str, *, source: str | Path, hint: str) -> pd.DataFrame:
    """Index a table read from ``source`` by its id column (stripped strings), dropping that column.

    Raises :class:`InputError` for a missing id column (with ``hint`` as the fix), or blank or duplicate ids.
    """
    frame.columns = [str(c).strip() for c in frame.columns]
    if id_column not in frame.columns:
        found = suggest(id_column, frame.columns, listing="columns")
        raise InputError(f"{source}: no '{id_column}' column{found}; {hint}")
    ids = frame[id_column].astype("string").str.strip()
    if ids.isna().any():
        raise InputError(
            f"{source}: {int(ids.isna().sum())} rows have a blank '{id_column}'; fill or remove them"
        )
    duplicated = ids[ids.duplicated()].unique().tolist()
    if duplicated:
        raise InputError(
            f"{source}: patient ids appear twice: {', '.join(duplicated[:5])}; keep one row each"
        )
    frame = frame.drop(columns=id_column)
    frame.index = pd.Index(ids.astype(str).tolist(), name="patient")
    return frame


@dataclass(frozen=True)
class Join:
    """Two tables joined on patient id, and the ids found on one side only."""

    frame: pd.DataFrame
    left_only: tuple[str, ...]
    right_only: tuple[str, ...]


def join_on_patient(left: pd.DataFrame, right: pd.DataFrame) -> Join:
    """Inner-join two patient-indexed tables, reporting the ids present on one side only."""
    left_only = tuple(sorted(set(left.index) - set(right.index)))
    right_only = tuple(sorted(set(right.index) - set(left.index)))
    overlap = left.columns.intersection(right.columns)
    frame = left.join(right.drop(columns=overlap), how="inner")
    return Join(frame, left_only, right_only)
