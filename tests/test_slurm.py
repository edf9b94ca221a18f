"""The README's SLURM scripts really run: ``scripts/slurm/reproduce-array.sh``, then ``reproduce-gather.sh``.

The slow test starts a single-node SLURM (Debian's ``slurm-wlm``, with munge; installed with apt-get as root
where missing, else skipped with the reason) whose configuration, state, sockets and logs all live in a
temporary folder, on ports of its own: it touches nothing of a SLURM the machine may already run. The daemons
run in the foreground as the test's children and are stopped at the end of the module.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from radiogenomics.synthetic import CohortConfig, synth_cohort

REPO = Path(__file__).resolve().parents[1]
ARRAY = REPO / "scripts" / "slurm" / "reproduce-array.sh"
GATHER = REPO / "scripts" / "slurm" / "reproduce-gather.sh"
DAEMONS = ("munged", "slurmctld", "slurmd")
CLIENTS = ("sbatch", "squeue", "sinfo", "scontrol", "scancel")
#: A tiny study: 2 folds (the array's 2 tasks), 1 epoch, 32² slices, a U-Net 4 features wide.
TINY = ["--folds", "2", "--epochs", "1", "--size", "32", "--features", "4", "--no-pyradiomics"]


def test_readme_shows_the_scripts_the_slow_test_runs():
    section = (REPO / "README.md").read_text().split("## Running on a cluster", 1)[1].split("\n## ", 1)[0]
    for script in (ARRAY, GATHER):
        assert os.access(script, os.X_OK), f"{script} is not executable"
        assert str(script.relative_to(REPO)) in section
    assert "--dependency=afterok:" in section and "--parsable" in section


@pytest.mark.parametrize("script", [ARRAY, GATHER], ids=["array", "gather"])
def test_scripts_say_how_to_call_them(script, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLURM_")}
    result = subprocess.run(
        ["bash", str(script)], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=30
    )
    assert result.returncode == 2 and result.stderr.startswith("usage: sbatch")


def _slurm_tools() -> dict[str, str]:
    """Paths of the SLURM and munge programs, installed with apt-get where missing; else skip with the reason."""
    path = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])

    def found() -> dict[str, str | None]:
        return {name: shutil.which(name, path=path) for name in DAEMONS + CLIENTS}

    tools = found()
    if all(tools.values()):
        return tools
    missing = ", ".join(name for name, where in tools.items() if where is None)
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        pytest.skip(f"{missing} not installed, and this is not a root Debian machine to install slurm-wlm on")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "slurm-wlm", "munge"]):
        try:
            result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=1200)
        except subprocess.TimeoutExpired:
            pytest.skip(f"could not install slurm-wlm: {' '.join(command)} took over 20 minutes")
        if result.returncode != 0:
            pytest.skip(f"could not install slurm-wlm ({' '.join(command)}): {result.stderr.strip()[-300:]}")
    tools = found()
    if not all(tools.values()):
        missing = ", ".join(name for name, where in tools.items() if where is None)
        pytest.skip(f"apt-get installed slurm-wlm and munge, but {missing} is not there")
    return tools


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _slurm_conf(root: Path, host: str, munge_socket: Path) -> str:
    """A single-node cluster: this machine, every CPU this process may use, no accounting, no cgroups."""
    cpus = len(os.sched_getaffinity(0))
    return f"""\
ClusterName=rgtest
SlurmctldHost={host}(127.0.0.1)
SlurmctldPort={_free_port()}
SlurmdPort={_free_port()}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={munge_socket}
StateSaveLocation={root / "state"}
SlurmdSpoolDir={root / "spool"}
SlurmctldPidFile={root / "slurmctld.pid"}
SlurmdPidFile={root / "slurmd.pid"}
SlurmctldLogFile={root / "log" / "slurmctld.log"}
SlurmdLogFile={root / "log" / "slurmd.log"}
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
NodeName={host} NodeAddr=127.0.0.1 CPUs={cpus} RealMemory=100 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
"""


@dataclass(frozen=True)
class Slurm:
    """A running single-node cluster: its programs, the environment that reaches it, its daemons' logs."""

    tools: dict[str, str]
    env: dict[str, str]
    logs: Path

    def run(self, name: str, *args: str, timeout: float = 60, **kwargs) -> subprocess.CompletedProcess:
        kwargs.setdefault("env", self.env)
        return subprocess.run(
            [self.tools[name], *args], capture_output=True, text=True, timeout=timeout, **kwargs
        )

    def daemon_logs(self) -> str:
        return "\n".join(f"== {p.name}\n{p.read_text()[-3000:]}" for p in sorted(self.logs.glob("*.log")))


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)


def _poll(condition, *, timeout: float) -> bool:
    """Whether ``condition()`` came true within ``timeout`` seconds (asked every half second)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.5)
    return True


def _wait_for(condition, what: str, slurm: Slurm, *, timeout: float = 60) -> None:
    if not _poll(condition, timeout=timeout):
        pytest.fail(f"{what}: not after {timeout:.0f} s\n{slurm.daemon_logs()}")


@pytest.fixture(scope="module")
def slurm(tmp_path_factory) -> Iterator[Slurm]:
    """munged, slurmctld and slurmd started in the foreground on a fresh temporary folder; stopped after."""
    tools = _slurm_tools()
    if os.geteuid() != 0:
        pytest.skip("slurmd runs jobs as their user and needs root; run the slow tests as root")
    root = tmp_path_factory.mktemp("slurm")
    for folder in ("munge", "state", "spool", "log"):
        (root / folder).mkdir(mode=0o700)
    key, munge_socket = root / "munge" / "munge.key", root / "munge" / "munge.socket"
    key.write_bytes(os.urandom(128))  # what mungekey --create writes: random bytes, readable by munged alone
    key.chmod(0o600)
    host = socket.gethostname().split(".")[0]
    conf = root / "slurm.conf"
    conf.write_text(_slurm_conf(root, host, munge_socket))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLURM_")}  # not those of a job we run in
    env["SLURM_CONF"] = str(conf)
    cluster = Slurm(tools, env, root / "log")
    daemons = []
    try:
        daemons.append(subprocess.Popen(
            [tools["munged"], "--foreground", "--force", f"--socket={munge_socket}", f"--key-file={key}",
             f"--pid-file={root / 'munge' / 'munged.pid'}", f"--seed-file={root / 'munge' / 'munged.seed'}",
             f"--log-file={root / 'log' / 'munged.log'}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))  # fmt: skip
        _wait_for(munge_socket.exists, "munged's socket", cluster, timeout=30)
        for name in ("slurmctld", "slurmd"):
            daemons.append(subprocess.Popen([tools[name], "-D", "-f", str(conf)], env=env, stdout=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL, start_new_session=True))  # fmt: skip
        _wait_for(lambda: cluster.run("sinfo", "-h", "-N", "-o", "%t").stdout.strip() == "idle",
                  "the node idle in sinfo", cluster)  # fmt: skip
        yield cluster
    finally:
        try:
            if len(daemons) == 3:  # jobs left by a failed test: cancel them while slurmd can still end them
                cluster.run("scancel", "--user=root")
                _poll(lambda: not cluster.run("squeue", "-h").stdout.strip(), timeout=60)
        finally:
            for daemon in reversed(daemons):
                _stop(daemon)


def _tiny_cohort(root: Path) -> Path:
    """A synthetic 8-case cohort (64² slices, 8 to 12 of them; its data.csv has the study2019 columns)."""
    return synth_cohort(root / "data", CohortConfig(cases=8, seed=0, size=64, min_slices=8, max_slices=12))


def _job_id(submitted: subprocess.CompletedProcess) -> str:
    assert submitted.returncode == 0, submitted.stderr
    return submitted.stdout.strip().split(";")[0]  # --parsable: "id" or "id;cluster"


@pytest.mark.slow
def test_array_then_gather_on_a_single_node_slurm(slurm, tmp_path):
    """The array script trains each fold in its own task; the gathering script, held back by afterok, trains
    nothing more and writes the study's table and report from them (8 synthetic cases, about half a minute)."""
    data = _tiny_cohort(tmp_path)
    out, logs = tmp_path / "study", tmp_path / "logs"
    logs.mkdir()
    args = [str(data), str(out), *TINY]
    env = dict(slurm.env)
    if not (REPO / ".venv" / "bin" / "rg").is_file():  # the scripts' default; else the rg beside this Python
        env["RG"] = str(Path(sys.executable).with_name("rg"))
    submit = dict(cwd=REPO, env=env)  # submitted from the repository root, as the README says
    array = _job_id(slurm.run("sbatch", "--parsable", "--array=0-1", "--cpus-per-task=1",
                              f"--output={logs}/%x-%A_%a.out", str(ARRAY), *args, **submit))  # fmt: skip
    gather = _job_id(slurm.run("sbatch", "--parsable", f"--dependency=afterok:{array}", "--cpus-per-task=1",
                               f"--output={logs}/%x-%j.out", str(GATHER), *args, **submit))  # fmt: skip

    def finished() -> bool:
        queue = slurm.run("squeue", "-h", "-j", f"{array},{gather}", "-o", "%i %T %r").stdout
        assert "DependencyNeverSatisfied" not in queue, f"the array failed:\n{_tails(logs)}"
        return not queue.strip()

    _wait_for(finished, f"array {array} and gather {gather} done", slurm, timeout=600)

    states = (
        slurm.run("scontrol", "-o", "show", "job", array).stdout
        + slurm.run("scontrol", "-o", "show", "job", gather).stdout
    )
    records = [line for line in states.splitlines() if line.strip()]
    assert len(records) == 3, states  # two array tasks and the gathering job
    assert all("JobState=COMPLETED" in r and "ExitCode=0:0" in r for r in records), (
        f"{states}\n{_tails(logs)}"
    )

    task_logs = sorted(logs.glob(f"rg-reproduce-{array}_*.out"))
    assert [p.name for p in task_logs] == [f"rg-reproduce-{array}_{k}.out" for k in (0, 1)]
    for fold, log in enumerate(task_logs):
        text = log.read_text()
        assert "Traceback" not in text and f"fold {fold} done" in text, text
    gathered = (logs / f"rg-gather-{gather}.out").read_text()
    assert "Traceback" not in gathered and f"train: {out / 'train'} (already there)" in gathered, gathered

    for fold in (0, 1):
        assert (out / "train" / f"fold_{fold}" / "done.json").is_file()
    assert (out / "index.html").is_file()
    assert "train" not in set(pd.read_csv(out / "steps.csv")["step"])  # the array trained, the gather did not
    summary = pd.read_csv(out / "summary.csv")
    dice = summary[summary["quantity"].str.startswith("Dice")]
    assert len(dice) == 2 and dice["predicted"].between(0, 1).all(), summary


def _tails(logs: Path) -> str:
    return "\n".join(f"== {p.name}\n{p.read_text()[-2000:]}" for p in sorted(logs.glob("*.out")))
