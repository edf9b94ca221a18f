"""Worker processes that end when their parent dies (DESIGN §7: no orphans).

A :class:`~concurrent.futures.ProcessPoolExecutor` whose parent is killed (``SIGKILL``, the out-of-memory
killer) leaves its idle workers waiting on a queue forever, holding their memory. The workers of
:func:`process_pool` each watch the process that made the pool: a daemon thread waits on a pidfd of it
(Linux ≥ 5.3; elsewhere it polls once a second) and ends the worker as soon as that process is gone. With
the workers gone, the forkserver and the resource tracker see their last pipe close and end too.
"""

import multiprocessing
import os
import select
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor

#: Seconds between checks where pidfds are not available.
POLL_SECONDS = 1.0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else (the pid was reused): treat as gone
        return False
    return True


def _wait_for_exit(pid: int, pidfd: int | None) -> None:
    if pidfd is not None:
        select.select([pidfd], [], [])  # readable when the process has ended
    else:
        while _alive(pid):
            time.sleep(POLL_SECONDS)
    os._exit(1)  # the parent is gone: nobody will read this worker's results


def exit_with_parent(parent: int) -> None:
    """End this process (at once, ``os._exit``) when process ``parent`` ends; a pool initializer.

    Parameters
    ----------
    parent : int
        The pid to watch, the process that made the pool (not ``os.getppid()``: a forkserver's worker is
        the forkserver's child).
    """
    try:
        pidfd = os.pidfd_open(parent)
    except ProcessLookupError:
        os._exit(1)
    except (AttributeError, OSError):  # no pidfd_open (old kernel, not Linux): poll
        pidfd = None
    threading.Thread(
        target=_wait_for_exit, args=(parent, pidfd), daemon=True, name="exit-with-parent"
    ).start()


def process_pool(workers: int, *, preload: Sequence[str] = ()) -> ProcessPoolExecutor:
    """A pool of ``workers`` forkserver processes that end when this process ends, however it ends.

    Parameters
    ----------
    workers : int
        Number of worker processes.
    preload : sequence of str, keyword-only
        Modules the forkserver imports once, so that each worker starts with them.

    Returns
    -------
    ProcessPoolExecutor
        Use it as a context manager, as usual.
    """
    context = multiprocessing.get_context("forkserver")
    if preload:
        context.set_forkserver_preload(list(preload))
    return ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=exit_with_parent, initargs=(os.getpid(),)
    )
