"""Progress on stderr (:mod:`radiogenomics.progress`): a bar on a terminal, plain lines anywhere else, and
what the commands print through it: never a carriage return into a log, a line per training epoch."""

import io

import numpy as np
import pytest
from click.testing import CliRunner

from cli.main import rg
from radiogenomics.case_io import write_mask_case
from radiogenomics.progress import Progress, progress_line, with_progress
from tests.helpers import make_case


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("total", "every", "lines"),
    [
        (25, None, [3, 6, 9, 12, 15, 18, 21, 24, 25]),  # about 10 lines a loop, and the last
        (4, None, [1, 2, 3, 4]),
        (7, 5, [5, 7]),
        (7, 0, []),  # the caller writes its own lines
    ],
)
def test_a_line_every_n_items_off_a_terminal(total, every, lines):
    log = io.StringIO()
    for _ in with_progress(range(total), desc="features", unit="case", every=every, stream=log):
        pass
    shown = log.getvalue()
    assert "\r" not in shown
    assert [int(line.split(": ")[1].split("/")[0]) for line in shown.splitlines()] == lines
    if lines:
        assert shown.splitlines()[-1].startswith(f"features: {total}/{total} cases (")


def test_quiet_shows_nothing_and_a_terminal_gets_a_bar():
    log = io.StringIO()
    with Progress(5, desc="x", enabled=False, stream=log) as shown:
        shown.update(5)
    progress_line("epoch", enabled=False, stream=log)
    assert log.getvalue() == ""
    terminal = Terminal()
    with Progress(5, desc="segment", stream=terminal) as shown:
        assert shown.drawn
        shown.update(5)
    assert "\r" in terminal.getvalue() and "segment" in terminal.getvalue()


def _masks(root, n=12):
    ball = np.zeros((4, 12, 12), bool)
    ball[1:3, 3:9, 3:9] = True
    for i in range(n):
        write_mask_case(root, f"TCGA_AA_{i:04d}_20000101", [1, 2, 3, 4], ball)
    return root


def test_features_and_evaluate_write_plain_lines_into_a_log(tmp_path):
    masks = _masks(tmp_path / "masks")
    result = CliRunner().invoke(
        rg, ["features", str(masks), "-o", str(tmp_path / "f.csv"), "--no-pyradiomics"]
    )
    assert result.exit_code == 0, result.output
    assert "\r" not in result.stderr and "features: 12/12 cases (" in result.stderr
    assert "features: 2/12 cases (" in result.stderr  # now and then, not only at the end
    result = CliRunner().invoke(
        rg, ["evaluate", str(masks), str(masks), "-o", str(tmp_path / "e"), "--no-figures"]
    )
    assert result.exit_code == 0 and "\r" not in result.stderr and "evaluate: 12/12 cases (" in result.stderr
    for args in (["features", str(masks), "-o", str(tmp_path / "q.csv"), "--no-pyradiomics"],
                 ["evaluate", str(masks), str(masks), "-o", str(tmp_path / "q"), "--no-figures"]):  # fmt: skip
        quiet = CliRunner().invoke(rg, [*args, "-q"])
        assert quiet.exit_code == 0 and "cases (" not in quiet.stderr, quiet.stderr


def test_training_writes_a_line_per_epoch_unless_quiet(tmp_path):
    """What a SLURM log of rg train shows: a line per fold and epoch with its loss and seconds."""
    for seed in range(4):
        make_case(tmp_path / "data", f"TCGA_AA_{seed:04d}_20000101", seed=seed)
    tiny = ["--folds", "2", "--epochs", "2", "--size", "16", "--depth", "1", "--features", "2", "--batch-size",
            "2", "--samples-per-epoch", "4", "--device", "cpu", "--threads", "1"]  # fmt: skip
    result = CliRunner().invoke(rg, ["train", str(tmp_path / "data"), "-o", str(tmp_path / "run"), *tiny])
    assert result.exit_code == 0, result.output
    epochs = [line for line in result.stderr.splitlines() if " epoch " in line]
    assert [line.split(":")[0] for line in epochs] == [
        "fold 0 epoch 1/2", "fold 0 epoch 2/2", "fold 1 epoch 1/2", "fold 1 epoch 2/2"
    ]  # fmt: skip
    assert all(" loss " in line and " s (" in line for line in epochs) and "\r" not in result.stderr
    quiet = CliRunner().invoke(rg, ["train", str(tmp_path / "data"), "-o", str(tmp_path / "q"), *tiny, "-q"])
    assert quiet.exit_code == 0 and " epoch " not in quiet.stderr, quiet.stderr
