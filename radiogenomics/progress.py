"""Progress of long loops, on stderr: a tqdm bar on a terminal, plain lines now and then anywhere else.

Piped into a file or a cluster job's log, a bar's carriage-return updates make hundreds of overwritten
lines; there, :class:`Progress` writes one plain line every ``every`` items (by default about
:data:`LINES_PER_LOOP` lines a loop) and one at the end, and :func:`progress_line` writes lines that stay
(one per training epoch). Quiet (``enabled=False``): nothing at all. Every command with a loop takes
``-q/--quiet`` for that.
"""

import math
import sys
import time
from collections.abc import Iterable, Iterator
from typing import TextIO

#: On a non-terminal, about this many lines a loop (one every ``total / LINES_PER_LOOP`` items), and the last.
LINES_PER_LOOP = 10


def on_terminal(stream: TextIO | None = None) -> bool:
    """Whether ``stream`` (default ``sys.stderr``) is a terminal, where a bar can redraw itself."""
    stream = sys.stderr if stream is None else stream
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def progress_line(text: str, *, enabled: bool = True, stream: TextIO | None = None) -> None:
    """Write ``text`` as one line that stays (e.g. one per training epoch), unless quiet."""
    if enabled:
        print(text, file=sys.stderr if stream is None else stream, flush=True)


class Progress:
    """Progress of a loop of ``total`` items (see the module text); a context manager.

    Parameters
    ----------
    total : int
        Items in the loop.
    desc, unit : str
        What the loop does (``"features"``) and what it counts (``"case"``).
    enabled : bool
        False: nothing is shown (``--quiet``).
    every : int, optional
        On a non-terminal, a line every this many items (and after the last); None: about
        :data:`LINES_PER_LOOP` lines a loop; 0: no lines (the caller writes its own, e.g. one per epoch).
    stream : file, optional
        Default ``sys.stderr`` (as it is when the loop starts).
    """

    def __init__(self, total: int, *, desc: str, unit: str = "case", enabled: bool = True,
                 every: int | None = None, stream: TextIO | None = None):  # fmt: skip
        self.total, self.desc, self.unit, self.enabled = int(total), desc, unit, enabled
        self.stream = sys.stderr if stream is None else stream
        self.every = max(1, math.ceil(self.total / LINES_PER_LOOP)) if every is None else every
        self.done, self._next, self._start = 0, self.every, time.perf_counter()
        self.bar = None
        if enabled and on_terminal(self.stream):
            from tqdm import tqdm

            self.bar = tqdm(total=self.total, desc=desc, unit=unit, leave=False, file=self.stream)

    @property
    def drawn(self) -> bool:
        """Whether a bar is on the terminal (then :meth:`postfix` shows something)."""
        return self.bar is not None

    def update(self, n: int = 1) -> None:
        """``n`` more items done."""
        self.done += n
        if self.bar is not None:
            self.bar.update(n)
            return
        if not self.enabled or not self.every:
            return
        if self.done >= self._next or self.done == self.total:
            seconds = time.perf_counter() - self._start
            unit = self.unit if self.total == 1 else f"{self.unit}s"
            progress_line(
                f"{self.desc}: {self.done}/{self.total} {unit} ({seconds:.0f} s)", stream=self.stream
            )
            while self._next <= self.done:
                self._next += self.every

    def postfix(self, **values) -> None:
        """Values shown after the bar (on a terminal only)."""
        if self.bar is not None:
            self.bar.set_postfix(**values)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def with_progress(items: Iterable, *, desc: str, unit: str = "case", enabled: bool = True,
                  total: int | None = None, every: int | None = None, stream: TextIO | None = None) -> Iterator:  # fmt: skip
    """Iterate over ``items`` showing a :class:`Progress` (``total`` default ``len(items)``; other options
    as there)."""
    items = list(items) if total is None and not hasattr(items, "__len__") else items
    with Progress(len(items) if total is None else total, desc=desc, unit=unit, enabled=enabled, every=every,
                  stream=stream) as shown:  # fmt: skip
        for item in items:
            yield item
            shown.update()
