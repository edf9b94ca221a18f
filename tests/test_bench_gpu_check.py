"""The prepared GPU check's data plumbing: packing case archives under a size budget, unpacking them there."""

import filecmp

from benchmarks.gpu_check import case_folder, pack
from benchmarks.lgg_data import SHARED_LGG


def test_pack_fits_the_budget_with_whole_archives_and_is_seeded(tmp_path):
    chosen = pack(tmp_path / "a", mib=5)
    again = pack(tmp_path / "b", mib=5)
    assert chosen and chosen == again
    copies = sorted((tmp_path / "a").iterdir())
    assert [p.name for p in copies] == sorted(chosen)
    assert sum(p.stat().st_size for p in copies) <= 5 * 2**20
    source = SHARED_LGG / "archives" / "cases"
    assert all(filecmp.cmp(p, source / p.name, shallow=False) for p in copies)
    smallest = min(p.stat().st_size for p in source.glob("*.tar.xz"))
    assert sum(p.stat().st_size for p in copies) + smallest > 5 * 2**20 or len(chosen) == len(
        list(source.glob("*.tar.xz"))
    )


def test_case_folder_unpacks_archives_to_the_kaggle_layout(tmp_path, lgg_root):
    carried = tmp_path / "carried"
    chosen = pack(carried, mib=2.5)
    data = case_folder(carried, tmp_path / "scratch")
    case = chosen[0].removesuffix(".tar.xz")
    unpacked, original = data / case, lgg_root / "kaggle_3m" / case
    assert sorted(p.name for p in unpacked.iterdir()) == sorted(p.name for p in original.iterdir())
    assert all(filecmp.cmp(p, original / p.name, shallow=False) for p in unpacked.iterdir())
    assert case_folder(lgg_root / "kaggle_3m", tmp_path / "unused") == lgg_root / "kaggle_3m"
