"""Read a feature table (``features.csv`` from ``rg features``, or any CSV with a ``patient`` column).

One row per patient: a ``patient`` column, numeric feature columns, and optionally text columns such as
``case`` and ``status`` (kept aside, never tested). Blank cells are missing values.
"""

from pathlib import Path

import pandas as pd

from radiogenomics.errors import InputError

#: Columns of ``rg features`` output that describe a row rather than measure the tumour.
DESCRIPTIVE_COLUMNS = ("case", "status")


def read_feature_table(path: str | Path, *, id_column: str = "patient") -> pd.DataFrame:
    """Read a feature CSV indexed by patient id, with only its numeric feature columns.

    Parameters
    ----------
    path : path of a comma-separated file with a header.
    id_column : str, keyword-only
        Name of the patient id column.

    Returns
    -------
    DataFrame, (patients, features) of float, index named ``patient``
        Text columns (``case``, ``status`` and any other non-numeric one) are dropped; they are listed in
        ``frame.attrs["dropped_columns"]``.

    Raises
    ------
    InputError
        Unreadable file, no id column, blank or duplicate ids, or no numeric feature column.
    """
    path = Path(path)
    try:
        frame = pd.read_csv(path, encoding="utf-8-sig", skipinitialspace=True)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise InputError(
            f"{path}: cannot read the feature table ({reason}); give a CSV with a header"
        ) from err
    frame.columns = [str(c).strip() for c in frame.columns]
    if id_column not in frame.columns:
        raise InputError(
            f"{path}: no '{id_column}' column (found {', '.join(frame.columns[:8])}); "
            "a feature table needs one row per patient with a 'patient' column, as `rg features` writes"
        )
    ids = frame[id_column].astype("string").str.strip()
    if ids.isna().any():
        raise InputError(
            f"{path}: {int(ids.isna().sum())} rows have a blank '{id_column}'; fill or remove them"
        )
    duplicated = ids[ids.duplicated()].unique().tolist()
    if duplicated:
        raise InputError(
            f"{path}: patient ids appear twice: {', '.join(duplicated[:5])}; keep one row per patient"
        )
    frame = frame.drop(columns=id_column)
    frame.index = pd.Index(ids.astype(str).tolist(), name="patient")
    numeric = [
        c for c in frame.columns if c not in DESCRIPTIVE_COLUMNS and pd.api.types.is_numeric_dtype(frame[c])
    ]
    dropped = [c for c in frame.columns if c not in numeric]
    if not numeric:
        raise InputError(
            f"{path}: no numeric feature column (found {', '.join(frame.columns[:8])}); check the file"
        )
    table = frame[numeric].astype(float)
    table.attrs["dropped_columns"] = dropped
    table.attrs["source"] = str(path)
    return table
