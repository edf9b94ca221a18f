"""Workers end when their parent dies: a parent killed with SIGKILL leaves no process behind."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

PARENT = textwrap.dedent(
    """
    import json, os, sys, time
    from multiprocessing import forkserver, resource_tracker
    from radiogenomics.workers import process_pool

    def pid(_):
        return os.getpid()

    def busy(_):
        time.sleep(120)

    if __name__ == "__main__":
        pool = process_pool(2)
        pids = set()
        while len(pids) < 2:
            pids |= {f.result() for f in [pool.submit(pid, i) for i in range(8)]}
        pool.submit(busy, 0)  # one worker busy, one idle
        print(json.dumps({"workers": sorted(pids), "forkserver": forkserver._forkserver._forkserver_pid,
                          "tracker": resource_tracker._resource_tracker._pid}), flush=True)
        time.sleep(120)
    """
)


def running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie waiting to be reaped counts as ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
def test_sigkill_of_the_parent_leaves_no_worker_forkserver_or_tracker(tmp_path):
    script = tmp_path / "parent.py"
    script.write_text(PARENT)
    with subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True) as parent:
        try:
            children = json.loads(parent.stdout.readline())
        finally:
            parent.send_signal(signal.SIGKILL)
    pids = [*children["workers"], children["forkserver"], children["tracker"]]
    assert all(pid > 0 for pid in pids)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(running(pid) for pid in pids):
        time.sleep(0.1)
    survivors = [pid for pid in pids if running(pid)]
    for pid in survivors:  # do not leave them to the next test
        os.kill(pid, signal.SIGKILL)
    assert not survivors, f"processes alive after their parent's SIGKILL: {survivors} of {children}"
