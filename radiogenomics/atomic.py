"""Atomic output: write to a temporary name in the same folder, then rename.

A killed command leaves either the old file or the new one, never half of one.
"""

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


#: Permissions of a new output file: what ``open()`` would give (mkstemp alone makes them 0600).
FILE_MODE = 0o666 & ~_umask()


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success rename it onto ``path``, else delete it.

    The temporary name keeps the suffix of ``path`` (so writers that look at the extension still work).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix="".join(path.suffixes), dir=path.parent)
    os.close(fd)
    tmp = Path(tmp)
    try:
        yield tmp
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_json(path: str | os.PathLike, obj) -> None:
    """Write ``obj`` as indented JSON to ``path`` atomically."""
    write_text(path, json.dumps(obj, indent=2, sort_keys=False, default=str) + "\n")


def write_csv(path: str | os.PathLike, frame, **kwargs) -> None:
    """Write a pandas DataFrame to CSV atomically (``kwargs`` go to ``DataFrame.to_csv``)."""
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, **kwargs)


def replace_dir(tmp: str | os.PathLike, final: str | os.PathLike) -> Path:
    """Move a finished folder ``tmp`` into place at ``final`` (an older one there is moved aside, then removed).

    ``tmp`` must be on the same file system (a sibling staging folder). Returns ``final``.
    """
    tmp, final = Path(tmp), Path(final)
    old = None
    if final.exists():
        old = final.with_name(f".old-{final.name}-{os.getpid()}")
        os.replace(final, old)
    final.parent.mkdir(parents=True, exist_ok=True)
    os.replace(tmp, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return final
