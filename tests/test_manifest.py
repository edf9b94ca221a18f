import shutil

import numpy as np
import pandas as pd
import pytest

from radiogenomics.errors import InputError
from radiogenomics.manifest import (
    assign_folds,
    build_manifest,
    case_digest,
    coarser_folds,
    expected_files,
    read_manifest,
    verify_download,
    write_manifest,
)


def test_case_digest_is_sha256_of_sorted_sum_lines():
    import hashlib

    sums = {"c/c_2.tif": "b" * 64, "c/c_1.tif": "a" * 64}
    text = f"{'a' * 64}  c/c_1.tif\n{'b' * 64}  c/c_2.tif\n"
    assert case_digest(sums) == hashlib.sha256(text.encode()).hexdigest()


def test_expected_files():
    assert expected_files("c", 2) == ["c/c_1.tif", "c/c_1_mask.tif", "c/c_2.tif", "c/c_2_mask.tif"]


def _patients(n, institutions):
    rng = np.random.default_rng(3)
    return pd.DataFrame(
        {
            "patient": [f"P{i:03d}" for i in range(n)],
            "institution": [institutions[i % len(institutions)] for i in range(n)],
            "tumour_voxels": rng.integers(100, 50_000, n),
        }
    )


@pytest.mark.parametrize(("n", "folds"), [(110, 22), (41, 5), (12, 5)])
def test_assign_folds_sizes_differ_by_at_most_one(n, folds):
    fold = assign_folds(_patients(n, "AABBBCD"), folds=folds, seed=0)
    sizes = fold.value_counts()
    assert set(fold) == set(range(folds))
    assert sizes.max() - sizes.min() <= 1


def test_assign_folds_balances_volume_and_is_seeded():
    table = _patients(110, "AAAB")
    fold = assign_folds(table, folds=22, seed=1)
    assert fold.equals(assign_folds(table, folds=22, seed=1))
    assert not fold.equals(assign_folds(table, folds=22, seed=2))
    medians = table.groupby(fold)["tumour_voxels"].median()
    # each fold takes one patient of each fifth of the volume order within institution blocks
    assert medians.min() > table["tumour_voxels"].quantile(0.1)


def test_assign_folds_rejects_too_many_folds():
    with pytest.raises(InputError, match="--folds 20: need between 2 and 12"):
        assign_folds(_patients(12, "A"), folds=20, seed=0)


def test_frozen_lgg_manifest():
    table = read_manifest()
    assert len(table) == 110 and table["patient"].is_unique
    assert (table.groupby("fold").size() == 5).all() and table["fold"].nunique() == 22
    assert table["institution"].value_counts().to_dict() == {"DU": 45, "HT": 34, "CS": 16, "FG": 14, "EZ": 1}
    assert table["slices"].sum() == 3929 and table["slices"].between(20, 88).all()
    # the folds are the documented rule's output, not edited by hand
    rule = assign_folds(table.reset_index(drop=True), folds=22, seed=2019)
    assert (rule.to_numpy() == table["fold"].to_numpy()).all()
    # the frozen 5-fold split: every test fold a union of whole folds of the 22, 20-25 patients each
    assert (coarser_folds(table["fold"], k=5).to_numpy() == table["fold5"].to_numpy()).all()
    assert (table.groupby("fold")["fold5"].nunique() == 1).all()
    assert sorted(table.groupby("fold5").size()) == [20, 20, 20, 25, 25]


def test_coarser_folds_rejects_a_finer_k():
    with pytest.raises(InputError, match="--folds 22: a coarser split of 22 folds needs between 2 and 21"):
        coarser_folds(pd.Series(range(22)), k=22)


@pytest.fixture
def cohort_copy(synthetic_cohort, tmp_path):
    root = shutil.copytree(synthetic_cohort, tmp_path / "cohort")
    table, sums = build_manifest(root, folds=3, seed=0)
    manifest = write_manifest(tmp_path / "m.csv", table, sums)
    return root, manifest


def test_verify_intact(cohort_copy):
    root, manifest = cohort_copy
    report = verify_download(root, manifest)
    assert report.ok and report.count("intact") == 12


def test_verify_finds_each_kind_of_damage(cohort_copy):
    root, manifest = cohort_copy
    cases = sorted(p.name for p in root.iterdir() if p.is_dir())
    shutil.rmtree(root / cases[0])
    (root / cases[1] / f"{cases[1]}_3_mask.tif").unlink()
    changed = root / cases[2] / f"{cases[2]}_2.tif"
    changed.write_bytes(changed.read_bytes()[:-1] + b"\x01")
    (root / cases[3] / "notes.txt").write_text("x")
    (root / "TCGA_ZZ_9999_20000101").mkdir()
    report = verify_download(root, manifest)
    status = report.cases.set_index("case")["status"]
    assert status[cases[0]] == "missing"
    assert status[cases[1]] == "incomplete"
    assert status[cases[2]] == "changed"
    assert status[cases[3]] == "unexpected"
    assert status["TCGA_ZZ_9999_20000101"] == "unexpected"
    assert report.count("intact") == 8
    assert report.files["changed"] == [f"{cases[2]}/{cases[2]}_2.tif"]
    assert report.files["missing"] == [f"{cases[1]}/{cases[1]}_3_mask.tif"]
    assert f"{cases[3]}/notes.txt" in report.files["unexpected"]
    assert not report.ok and not verify_download(root, manifest, partial=True).ok


def test_partial_accepts_missing_cases_only(cohort_copy):
    root, manifest = cohort_copy
    shutil.rmtree(next(p for p in root.iterdir() if p.is_dir()))
    assert not verify_download(root, manifest).ok
    assert verify_download(root, manifest, partial=True).ok


def test_changed_table_file_is_not_ok(cohort_copy):
    root, manifest = cohort_copy
    (root / "data.csv").write_text("Patient\nX\n")
    report = verify_download(root, manifest, partial=True)
    assert report.files["changed"] == ["data.csv"] and not report.ok


def test_verify_of_the_parent_folder_names_the_one_meant(cohort_copy, tmp_path):
    """The unzipped download's parent (``lgg/kaggle_3m``, with a second copy one level deeper, as the
    Kaggle archive holds): every case missing, one unexpected folder; the report names the folder meant."""
    from click.testing import CliRunner

    from cli.main import rg

    root, manifest = cohort_copy
    parent = tmp_path / "lgg"
    shutil.copytree(root, parent / "lgg-mri-segmentation" / "kaggle_3m")
    shutil.rmtree(next(p for p in (parent / "lgg-mri-segmentation" / "kaggle_3m").iterdir() if p.is_dir()))
    root.rename(parent / "kaggle_3m")
    report = verify_download(parent, manifest)
    assert report.count("missing") == 12 and report.meant == parent / "kaggle_3m"  # the one with every case
    for quiet in ([], ["-q"]):
        result = CliRunner().invoke(rg, ["data", "verify", str(parent), "--manifest", str(manifest), *quiet])
        assert result.exit_code == 1
        assert (
            f"did you mean {parent / 'kaggle_3m'}? (rg data verify {parent / 'kaggle_3m'})" in result.output
        )
    assert verify_download(parent / "kaggle_3m", manifest).meant is None  # the right folder: no hint
    assert verify_download(tmp_path / "lgg" / "lgg-mri-segmentation", manifest).meant is not None
    (tmp_path / "elsewhere").mkdir()
    assert verify_download(tmp_path / "elsewhere", manifest).meant is None  # nothing near: no guess
