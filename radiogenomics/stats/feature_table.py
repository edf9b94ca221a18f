"""Read a feature table (``features.csv`` from ``rg features``, or any CSV with a ``patient`` column).

One row per patient: a ``patient`` column, numeric feature columns, and optionally text columns such as
``case`` and ``status`` (kept aside, never tested). Blank cells are missing values.
"""

from pathlib import Path

import pandas as pd

from radiogenomics.clinical import index_by_id
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
    frame = index_by_id(
        frame,
        id_column,
        source=path,
        hint="a feature table needs one row per patient with a 'patient' column, as `rg features` writes",
    )
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
