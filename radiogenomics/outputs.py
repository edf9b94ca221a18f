"""Output paths and output sets: checked before any work, committed so that a reader can tell a cut run.

Two rules of DESIGN §7 in one place:

* :func:`check_output` is the one place where a command's outputs are checked. Every command calls it at
  its start, before any work, for each output it was given (``--out``, ``--report``, ``OUT``). A path
  through an existing file, an output file that is a folder (or the reverse) or a folder that cannot be
  written is then a one-line :class:`~radiogenomics.errors.InputError` naming the option, not a traceback
  after an hour of work. It makes nothing: a folder is made by the first file written into it
  (:mod:`radiogenomics.atomic`), after the command's own checks, so a refused command leaves no trace.
  A new command adopts it with one line per output option::

      out = check_output(out, option="--out")                   # a file
      report = check_output(report, option="--report", folder=True)

* :func:`write_outputs` commits files that describe each other (a table and its JSON sidecar, a results
  table and its report): the sidecar is written first and names the SHA-256 of every file it describes,
  then the files, the main table last. Each file is atomic (:mod:`radiogenomics.atomic`), so a command
  killed in between leaves a sidecar whose digests do not match, and :func:`check_outputs` (used by the
  readers) says so instead of pairing a new table with an old run's spacing and units.
"""

import hashlib
import json
import os
from pathlib import Path

from radiogenomics.atomic import atomic_path, write_json, write_text
from radiogenomics.errors import InputError


def _existing_file_above(path: Path) -> Path | None:
    """The first existing non-folder among the parents of ``path`` (nearest the root), or None."""
    for parent in reversed(path.parents):
        if parent.exists() and not parent.is_dir():
            return parent
    return None


def check_output(path: str | os.PathLike, *, option: str = "--out", folder: bool = False) -> Path:
    """Check an output path before any work; make nothing.

    Parameters
    ----------
    path : path
        The output: a file (``folder=False``; an existing file is replaced at the end) or a folder
        (``folder=True``; new, or existing with its content kept).
    option : str, keyword-only
        How the user gave it (``--out``, ``OUT``), named in the message.
    folder : bool, keyword-only
        Whether ``path`` is a folder.

    Returns
    -------
    Path
        ``path``. Nothing is created: the writers make the folders they write in.

    Raises
    ------
    InputError
        A file where a folder must be (in the path or the path itself), a folder where the output file
        should go, or a folder that cannot be written.
    """
    path = Path(path)
    blocker = _existing_file_above(path)
    if blocker is not None:
        raise InputError(
            f"{option} {path}: {blocker} is a file, not a folder; choose another {option} or move that file"
        )
    if folder and path.exists() and not path.is_dir():
        raise InputError(f"{option} {path}: is a file; give a folder (new or existing) for {option}")
    if not folder and path.is_dir():
        raise InputError(f"{option} {path}: is a folder; give a file name, e.g. {path / 'out.csv'}")
    target = path if folder else path.parent
    existing = next(p for p in (target, *target.parents) if p.exists())
    if not os.access(existing, os.W_OK | os.X_OK):
        raise InputError(
            f"{option} {path}: {existing} cannot be written (permission denied); choose another place"
        )
    return path


def sidecar_path(table: str | os.PathLike) -> Path:
    """The JSON sidecar of an output table: ``results.csv`` -> ``results.json`` (also for ``.csv.gz``)."""
    table = Path(table)
    return table.with_name(table.name.removesuffix(".gz").removesuffix(".csv") + ".json")


def digest(data: str | bytes) -> str:
    """SHA-256 of text (UTF-8) or bytes, in hex."""
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


def write_outputs(sidecar: str | os.PathLike, description: dict, files: dict[Path, str | bytes]) -> Path:
    """Commit files that describe each other: the sidecar first, naming each file's digest, then the files.

    Parameters
    ----------
    sidecar : path of the JSON sidecar.
    description : dict
        Its content; an ``outputs`` entry is added: file path relative to the sidecar's folder -> SHA-256.
    files : dict of Path -> str or bytes
        The files' content, written in this order after the sidecar (put the main table last).

    Returns
    -------
    Path
        The sidecar.
    """
    sidecar = Path(sidecar)
    outputs = {os.path.relpath(path, sidecar.parent): digest(data) for path, data in files.items()}
    write_json(sidecar, {**description, "outputs": outputs})
    for path, data in files.items():
        if isinstance(data, str):
            write_text(path, data)
        else:
            with atomic_path(path) as tmp:
                tmp.write_bytes(data)
    return sidecar


def check_outputs(sidecar: str | os.PathLike) -> list[str]:
    """What is off between a sidecar and the files it names: one line per problem, empty if consistent.

    A sidecar without an ``outputs`` entry (written before digests were recorded) gives no problem.
    """
    sidecar = Path(sidecar)
    try:
        outputs = json.loads(sidecar.read_text(encoding="utf-8")).get("outputs", {})
    except (OSError, ValueError, AttributeError) as err:
        return [f"{sidecar}: cannot be read as JSON ({type(err).__name__})"]
    problems = []
    for name, expected in outputs.items():
        path = sidecar.parent / name
        if not path.is_file():
            problems.append(f"{path} is missing")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != expected:
            problems.append(f"{path} is not the file {sidecar.name} describes (its SHA-256 differs)")
    return problems
