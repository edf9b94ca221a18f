"""Messages for a name that is not there (a column, a feature, a folder): the nearest names first.

One wording for every unknown-name message of the command line, e.g.
``--target death1: no such column of the clinical table; did you mean death01? (columns: Patient, …)``:
the close matches (:func:`difflib.get_close_matches`, case-insensitive) first, then the whole list when it
is short, else its size and its first names.
"""

import difflib

#: Lists up to this long are shown whole; longer ones by their first names and their size.
SHORT = 20


def close_names(name: str, available, *, n: int = 3, cutoff: float = 0.6) -> list[str]:
    """The names of ``available`` nearest to ``name``, at most ``n``, letter case ignored: those
    :func:`difflib.get_close_matches` finds (best first), then those that begin with ``name`` (3 letters
    or more: an abbreviation).

    >>> close_names("death1", ["Patient", "death01", "gender"])
    ['death01']
    >>> close_names("GENDR", ["age", "gender"])
    ['gender']
    >>> close_names("age", ["age_at_initial_pathologic", "gender"])
    ['age_at_initial_pathologic']
    """
    by_folded: dict[str, str] = {}
    for candidate in map(str, available):
        by_folded.setdefault(candidate.lower(), candidate)
    folded = str(name).lower()
    found = difflib.get_close_matches(folded, list(by_folded), n=n, cutoff=cutoff)
    if len(folded) >= 3:
        found += [f for f in by_folded if f.startswith(folded) and f not in found]
    return [by_folded[f] for f in found[:n]]


def _either(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def suggest(name: str, available, *, listing: str = "columns") -> str:
    """The tail of an unknown-name message: ``"; did you mean X? (listing: a, b, c)"``, the first part only
    when a name is close, the list whole when short, else its size and first names."""
    available = [str(a) for a in available]
    close = close_names(name, available)
    text = f"; did you mean {_either(close)}?" if close else ""
    if len(available) <= SHORT:
        return text + f" ({listing}: {', '.join(available) or 'none'})"
    return text + f" ({len(available)} {listing}, e.g. {', '.join(available[:SHORT])}, …)"


def unknown_name(name: str, available, *, where: str, what: str = "column", listing: str = "columns") -> str:
    """``{where} {name}: no such {what}; did you mean X? ({listing}: …)`` (one line).

    Parameters
    ----------
    name : str
        What the user gave.
    available : iterable of str
        What there is.
    where : str
        The option or file that named it, e.g. ``"--target"``.
    what, listing : str
        What was looked for (``"column of the clinical table"``) and what the list is (``"its columns"``).

    Examples
    --------
    >>> unknown_name("death1", ["Patient", "death01"], where="--target")
    '--target death1: no such column; did you mean death01? (columns: Patient, death01)'
    """
    return f"{where} {name}: no such {what}{suggest(name, available, listing=listing)}"
