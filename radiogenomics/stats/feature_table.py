"""Read and validate a feature table: the one reader of ``features.csv`` (``rg features``) or of any CSV
with a ``patient`` column, used by ``rg associate``, ``rg agree`` and :func:`~radiogenomics.features.read_features`.

One row per patient: a ``patient`` column, numeric feature columns, and optionally text columns such as
``case`` and ``status`` (kept aside, never tested). Blank cells are missing values. What else a table may
hold, and what becomes of it:

* an infinite value (``inf``, ``-inf``): set to missing, with an :class:`~radiogenomics.errors.InputWarning`
  naming the patients and columns (:func:`finite_features`);
* a numeric column with a cell that is not a number (a spreadsheet's ``#VALUE!``, ``1,5``): an
  :class:`~radiogenomics.errors.InputError` naming the cell (line, patient, column, value), since dropping
  the column would change the tested family unseen;
* a column that holds no number at all (notes, dates): left out, with an ``InputWarning`` naming it, and
  listed in ``attrs["dropped_columns"]``;
* a sidecar beside the table (``features.json``) whose digest does not match it (a run cut between the
  two files, or an edited table): an ``InputWarning`` (:func:`radiogenomics.outputs.check_outputs`).
"""

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from radiogenomics.clinical import index_by_id
from radiogenomics.errors import InputError, InputWarning
from radiogenomics.outputs import check_outputs, sidecar_path

#: Columns of ``rg features`` output that describe a row rather than measure the tumour.
DESCRIPTIVE_COLUMNS = ("case", "status")


def _names(items, limit: int = 5) -> str:
    items = list(items)
    return ", ".join(map(str, items[:limit])) + (
        f" and {len(items) - limit} more" if len(items) > limit else ""
    )


def finite_features(table: pd.DataFrame, *, source: str | Path = "the feature table") -> pd.DataFrame:
    """The table with infinite values set to missing, warning which patients and columns held them.

    Parameters
    ----------
    table : DataFrame indexed by patient, numeric columns.
    source : the file (or a description) named in the warning.

    Returns
    -------
    DataFrame
        A copy (``attrs`` kept) when anything was infinite, else ``table`` itself.
    """
    values = table.to_numpy(dtype=float)
    infinite = np.isinf(values)
    if not infinite.any():
        return table
    where = "; ".join(
        f"{column} ({_names(table.index[infinite[:, j]])})"
        for j, column in enumerate(table.columns)
        if infinite[:, j].any()
    )
    warnings.warn(
        f"{source}: {int(infinite.sum())} infinite value(s) set to missing: {where}; those patients are "
        "left out of the tests of those columns (fix the values where they were computed)",
        InputWarning,
        stacklevel=2,
    )
    cleaned = table.mask(pd.DataFrame(infinite, index=table.index, columns=table.columns))
    cleaned.attrs = dict(table.attrs)
    return cleaned


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path, dtype=str, encoding="utf-8-sig", skipinitialspace=True)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise InputError(
            f"{path}: cannot read the feature table ({reason}); give a CSV with a header"
        ) from err


def _numeric(frame: pd.DataFrame, path: Path) -> tuple[pd.DataFrame, list[str]]:
    """Parse every column as numbers; return the numeric frame and the columns that hold no number."""
    numeric, text = {}, []
    for column in frame.columns:
        cells = frame[column].str.strip()
        parsed = pd.to_numeric(cells, errors="coerce")
        bad = cells.notna() & parsed.isna()
        if bad.any() and parsed.notna().sum() == 0:
            text.append(column)
            continue
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            more = f" ({int(bad.sum()) - 1} more such cells in the column)" if bad.sum() > 1 else ""
            raise InputError(
                f"{path}: line {row + 2}, patient {frame.index[row]}, column '{column}' holds "
                f"{cells.iloc[row]!r}, not a number{more}; fix the cell or blank it (a blank cell is a "
                "missing value)"
            )
        numeric[column] = parsed.astype(float)
    return pd.DataFrame(numeric, index=frame.index), text


def read_feature_table(
    path: str | Path, *, id_column: str = "patient", descriptive: bool = False
) -> pd.DataFrame:
    """Read and validate a feature CSV, indexed by patient id (see the module text for the rules).

    Parameters
    ----------
    path : path of a comma-separated file with a header.
    id_column : str, keyword-only
        Name of the patient id column.
    descriptive : bool, keyword-only
        Keep the text columns ``case`` and ``status`` (as str, first) beside the features.

    Returns
    -------
    DataFrame, (patients, features) of float, index named ``patient``
        ``attrs["dropped_columns"]`` lists the text columns left out (``case`` and ``status`` unless
        ``descriptive``), ``attrs["source"]`` the path.

    Raises
    ------
    InputError
        Unreadable file, no id column, blank or duplicate ids, a cell that is not a number in a numeric
        column, or no numeric feature column.
    """
    path = Path(path)
    frame = index_by_id(
        _read_csv(path),
        id_column,
        source=path,
        hint="a feature table needs one row per patient with a 'patient' column, as `rg features` writes",
    )
    kept = [c for c in DESCRIPTIVE_COLUMNS if c in frame.columns]
    table, text = _numeric(frame.drop(columns=kept), path)
    if text:
        warnings.warn(
            f"{path}: column(s) {_names(text)} hold no number; left out of the features",
            InputWarning,
            stacklevel=2,
        )
    if not len(table.columns):
        raise InputError(
            f"{path}: no numeric feature column (found {', '.join(frame.columns[:8])}); check the file"
        )
    sidecar = sidecar_path(path)
    if sidecar.is_file() and (problems := check_outputs(sidecar)):
        warnings.warn(
            f"{sidecar}: does not describe this table ({problems[0]}): the table was edited or a run was "
            "cut short; rerun the command that wrote them if you rely on the sidecar",
            InputWarning,
            stacklevel=2,
        )
    table = finite_features(table, source=path)
    if descriptive:
        table = pd.concat([frame[kept], table], axis=1)
    table.attrs["dropped_columns"] = text if descriptive else kept + text
    table.attrs["source"] = str(path)
    return table
