"""The prepared GPU check's data plumbing: packing every case archive into parts under a size budget (one
device call's carry each), unpacking them there."""

import filecmp
import json

import pytest

from benchmarks.gpu_check import case_folder, pack
from benchmarks.lgg_data import SHARED_LGG


@pytest.fixture(scope="module")
def packed(tmp_path_factory, lgg_root):
    """Every archive packed into parts of at most 8 MiB, with a run's folds (a small stand-in for the 56 MiB
    of a real carry: more parts, the same rules)."""
    root = tmp_path_factory.mktemp("pack")
    run = root / "run"
    run.mkdir()
    (run / "folds.json").write_text(json.dumps({"k": 3, "folds": []}))
    return root / "parts", pack(root / "parts", mib=8, split_from=run)


def test_every_archive_travels_once_in_parts_that_fit(packed):
    dest, parts = packed
    source = SHARED_LGG / "archives" / "cases"
    archives = sorted(p.name for p in source.glob("*.tar.xz"))
    assert sorted(name for part in parts for name in part) == archives  # each once
    for k, names in enumerate(parts):
        copies = sorted((dest / f"part_{k}").glob("*.tar.xz"))
        assert [p.name for p in copies] == sorted(names)
        assert sum(p.stat().st_size for p in copies) <= 8 * 2**20
        assert all(filecmp.cmp(p, source / p.name, shallow=False) for p in copies)
    sizes = [sum((source / n).stat().st_size for n in names) for names in parts]
    first = [(source / names[0]).stat().st_size for names in parts]
    assert all(size + nxt > 8 * 2**20 for size, nxt in zip(sizes, first[1:], strict=False))  # a part is full
    assert sorted(p.name for p in (dest / "part_0").iterdir() if not p.name.endswith(".tar.xz")) == [
        "data.csv", "folds.json"
    ]  # fmt: skip


def test_packing_is_seeded(packed, tmp_path):
    _, parts = packed
    assert pack(tmp_path / "again", mib=8) == parts


def test_case_folder_unpacks_every_part_to_the_kaggle_layout(packed, tmp_path, lgg_root):
    dest, parts = packed
    data = case_folder(dest, tmp_path / "scratch")
    original = lgg_root / "kaggle_3m"
    assert sorted(p.name for p in data.iterdir() if p.is_dir()) == sorted(
        name.removesuffix(".tar.xz") for part in parts for name in part
    )
    case = parts[-1][0].removesuffix(".tar.xz")
    assert sorted(p.name for p in (data / case).iterdir()) == sorted(
        p.name for p in (original / case).iterdir()
    )
    assert all(filecmp.cmp(p, original / case / p.name, shallow=False) for p in (data / case).iterdir())
    assert filecmp.cmp(data / "data.csv", original / "data.csv", shallow=False)
    assert case_folder(original, tmp_path / "unused") == original
