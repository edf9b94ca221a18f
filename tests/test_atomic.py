import os
import stat

import pandas as pd
import pytest

from radiogenomics.atomic import FILE_MODE, atomic_path, write_csv, write_text


def test_output_has_the_usual_permissions(tmp_path):
    write_text(tmp_path / "a.txt", "x")
    probe = tmp_path / "probe.txt"
    probe.write_text("x")  # what open() gives under this umask
    assert (
        stat.S_IMODE(os.stat(tmp_path / "a.txt").st_mode) == stat.S_IMODE(os.stat(probe).st_mode) == FILE_MODE
    )


def test_failure_leaves_the_old_file_and_no_temporary(tmp_path):
    write_csv(tmp_path / "t.csv", pd.DataFrame({"a": [1]}), index=False)
    with pytest.raises(RuntimeError), atomic_path(tmp_path / "t.csv") as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed")
    assert (tmp_path / "t.csv").read_text() == "a\n1\n"
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv"]


def test_temporary_keeps_the_suffix(tmp_path):
    with atomic_path(tmp_path / "m.nii.gz") as tmp:
        assert tmp.name.endswith(".nii.gz") and tmp.parent == tmp_path
        tmp.write_bytes(b"")
