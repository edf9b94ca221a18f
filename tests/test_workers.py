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


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (read from /proc)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
                continue
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return {p for p in found if running(p)}


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
def test_a_killed_rg_features_jobs_2_leaves_no_process(synthetic_cohort, tmp_path):
    rg = Path(sys.executable).parent / "rg"
    command = [str(rg), "features", str(synthetic_cohort), "--out", str(tmp_path / "f.csv"), "--jobs", "2"]
    with subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as parent:
        children: set[int] = set()
        deadline = time.monotonic() + 120
        while (
            len(children) < 4 and time.monotonic() < deadline and parent.poll() is None
        ):  # tracker, forkserver, 2 workers
            children |= descendants(parent.pid)
            time.sleep(0.2)
        parent.send_signal(signal.SIGKILL)
    assert len(children) >= 4, f"the pool never started: {children}"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(running(pid) for pid in children):
        time.sleep(0.1)
    survivors = [pid for pid in children if running(pid)]
    for pid in survivors:
        os.kill(pid, signal.SIGKILL)
    assert not survivors, f"alive after rg's SIGKILL: {survivors}"
