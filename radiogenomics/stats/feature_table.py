"""Read and validate a feature table: the one reader of ``features.csv`` (``rg features``) or of any CSV
with a ``patient`` column, used by ``rg associate``, ``rg agree`` and :func:`~radiogenomics.features.read_features`.

One row per patient: a ``patient`` column, numeric feature columns, and optionally text columns such as
``case`` and ``status`` (kept aside, never tested). Blank cells are missing values. The numeric
bookkeeping columns of ``rg features`` (``largest_slice``, ``components``:
:data:`~radiogenomics.features.columns.BOOKKEEPING_COLUMNS`) are read like the others, but ``rg associate``
tests them only when named and ``rg agree`` does not compare them (:func:`measured_columns`). What else a
table may hold, and what becomes of it:

* an infinite value (``inf``, ``-inf``): set to missing, with an :class:`~radiogenomics.errors.InputWarning`
  naming the patients and columns (:func:`finite_features`);
* a numeric column with a cell that is not a number (a spreadsheet's ``#VALUE!``, ``1,5``): an
  :class:`~radiogenomics.errors.InputError` naming the cell (line, patient, column, value), since dropping
  the column would change the tested family unseen;
* a column that holds no number at all (notes, dates): left out, with an ``InputWarning`` naming it, and
  listed in ``attrs["dropped_columns"]``;
* a sidecar beside the table (``features.json``) whose digest does not match it (a run cut between the
  two files, or an edited table): an ``InputWarning`` (:func:`radiogenomics.outputs.check_outputs`).

The sidecar also gives the spacing and unit the features were measured in (:func:`table_spacing`);
``rg agree`` warns when its two tables' disagree (:func:`check_same_spacing`).
"""

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from radiogenomics.clinical import index_by_id
from radiogenomics.errors import InputError, InputWarning
from radiogenomics.features.columns import BOOKKEEPING_COLUMNS
from radiogenomics.outputs import check_outputs, sidecar_path

#: Columns of ``rg features`` output that describe a row rather than measure the tumour.
DESCRIPTIVE_COLUMNS = ("case", "status")


def measured_columns(table: pd.DataFrame) -> list[str]:
    """The columns tested and compared by default: every column but the bookkeeping ones.

    Parameters
    ----------
    table : DataFrame indexed by patient, numeric columns (:func:`read_feature_table`).

    Returns
    -------
    list of str
        The columns of ``table`` not in :data:`~radiogenomics.features.columns.BOOKKEEPING_COLUMNS`, in order.
    """
    return [column for column in table.columns if column not in BOOKKEEPING_COLUMNS]


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


def table_sidecar(path: str | Path) -> dict | None:
    """A feature table's sidecar (``features.json`` beside ``features.csv``: definitions, units, spacing).

    Returns None when there is none or it cannot be read as a JSON object (a table written some other way).
    """
    try:
        entry = json.loads(sidecar_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return entry if isinstance(entry, dict) else None


def table_spacing(path: str | Path) -> dict | None:
    """The ``spacing`` entry of a feature table's sidecar (``features.json`` beside ``features.csv``).

    Parameters
    ----------
    path : path of the feature table.

    Returns
    -------
    dict or None
        ``unit`` (``"mm"`` or ``"pixel"``) and ``value`` (slice, row, column) or ``per_case`` (case ->
        spacing, from the NIfTI headers), as ``rg features`` writes them; None when there is no sidecar,
        it cannot be read, or it holds no spacing (a table written some other way).
    """
    entry = (table_sidecar(path) or {}).get("spacing")
    return entry if isinstance(entry, dict) and "unit" in entry else None


def _shown(spacing, unit: str) -> str:
    return " x ".join(f"{float(s):g}" for s in spacing) + f" {unit}"


def _described(entry: dict) -> str:
    if entry.get("value") is not None:
        return _shown(entry["value"], entry["unit"])
    return "from each case's NIfTI header"


def _case_spacings(a: dict, b: dict):
    """(case, spacing in A, spacing in B) for each case whose spacing both entries give (case None: all)."""
    per_a, per_b = a.get("per_case") or {}, b.get("per_case") or {}
    for case in sorted(set(per_a) | set(per_b)) or [None]:
        spacing_a, spacing_b = per_a.get(case, a.get("value")), per_b.get(case, b.get("value"))
        if spacing_a is not None and spacing_b is not None:
            yield case, spacing_a, spacing_b


def spacing_mismatch(a: dict, b: dict, *, rtol: float = 1e-4) -> str:
    """How two spacing entries (:func:`table_spacing`) disagree, naming both values; ``""`` if they agree.

    Parameters
    ----------
    a, b : dict
        Spacing entries of tables A and B.
    rtol : float, keyword-only
        Relative tolerance on each voxel size (NIfTI headers store float32).

    Returns
    -------
    str
        The unit of each (and its spacing), or the first case whose spacings differ; empty when the units
        are the same and every spacing given on both sides matches.
    """
    if a["unit"] != b["unit"]:
        return f"unit {a['unit']} in A ({_described(a)}), {b['unit']} in B ({_described(b)})"
    for case, spacing_a, spacing_b in _case_spacings(a, b):
        same = np.shape(spacing_a) == np.shape(spacing_b) and np.allclose(spacing_a, spacing_b, rtol=rtol)
        if not same:
            where = f" of case {case}" if case is not None else ""
            return f"spacing{where} {_shown(spacing_a, a['unit'])} in A, {_shown(spacing_b, b['unit'])} in B"
    return ""


def check_same_spacing(path_a: str | Path, path_b: str | Path) -> None:
    """Warn when the sidecars of two feature tables disagree on unit or spacing (nothing if one is absent).

    Warns
    -----
    InputWarning
        Naming both tables and both values: ICCs and mean differences across units or spacings are
        meaningless.
    """
    a, b = table_spacing(path_a), table_spacing(path_b)
    if a is None or b is None or not (mismatch := spacing_mismatch(a, b)):
        return
    warnings.warn(
        f"{path_a} (A) and {path_b} (B) were measured in different units or spacings, per their sidecars: "
        f"{mismatch}; agreement across them is meaningless: run rg features on both with the same --spacing",
        InputWarning,
        stacklevel=2,
    )
