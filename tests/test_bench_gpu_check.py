"""The prepared GPU check's plumbing: packing every case archive into parts under a size budget (one device
call's carry each), finding what did not arrive, unpacking them there, fitting the epochs to the time left,
and bringing the run back in files under the device tool's size limit."""

import filecmp
import json
import shutil
import subprocess
import sys

import pytest

from benchmarks.gpu_check import case_folder, fit_epochs, missing_archives, pack, pack_run, restore
from benchmarks.lgg_data import SHARED_LGG


@pytest.fixture(scope="module")
def packed(tmp_path_factory, lgg_root):
    """Every archive packed into parts of at most 8 MiB (a small stand-in for the 57 MiB of a real carry:
    more parts, the same rules)."""
    root = tmp_path_factory.mktemp("pack")
    return root / "parts", pack(root / "parts", mib=8)


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
        "archives.json", "data.csv"
    ]  # fmt: skip
    assert json.loads((dest / "part_0" / "archives.json").read_text()) == archives


def test_packing_is_seeded(packed, tmp_path):
    _, parts = packed
    assert pack(tmp_path / "again", mib=8) == parts


def test_an_archive_not_carried_is_named(packed, tmp_path):
    dest, parts = packed
    assert missing_archives(dest) == []
    arrived = tmp_path / "arrived"
    for k in range(len(parts) - 1):  # the last part's call never happened
        shutil.copytree(dest / f"part_{k}", arrived / f"part_{k}")
    assert missing_archives(arrived) == sorted(parts[-1])


def test_case_folder_unpacks_every_part_to_the_kaggle_layout(packed, tmp_path, lgg_root):
    dest, parts = packed
    data = case_folder(dest, tmp_path / "scratch", workers=2)
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


def test_epochs_fit_the_time_left():
    # by hand: 4 processes share 400 img/s (100 each); the folds' 100 images an epoch take 1 s, then the
    # final model's 50 more images run alone at 200 img/s: 0.25 s. 1.25 s an epoch.
    rates = {"fold_images": 100, "all_images": 150, "procs": 4, "shared": 400, "alone": 200}
    assert fit_epochs(100, **rates) == 80
    assert fit_epochs(100.0 - 1e-9, **rates) == 79
    assert fit_epochs(1000, **rates) == 100  # the study's epochs at most
    assert fit_epochs(1000, **rates, cap=1000) == 800
    assert fit_epochs(0.5, **rates) == 1  # at least one
    assert fit_epochs(100, **rates, overhead=0.75) == 50  # checkpoints: 2 s an epoch


def _fake_run(root):
    """A run folder as rg train leaves it: checkpoints and fold weights beside what the check brings back."""
    run = root / "run"
    for fold in ("fold_0", "fold_all"):
        (run / fold).mkdir(parents=True)
        (run / fold / "checkpoint.pt").write_bytes(b"c" * 100)
        (run / fold / "log.csv").write_text("epoch,loss\n1,0.5\n")
    (run / "fold_0" / "model.pt").write_bytes(b"f" * 100)
    (run / "fold_all" / "model.pt").write_bytes(bytes(range(256)) * 40)  # 10,240 bytes
    (run / "oof_masks" / "A").mkdir(parents=True)
    (run / "oof_masks" / "A" / "A_1_mask.tif").write_bytes(b"mask")
    return run


def test_the_run_comes_back_in_parts_and_is_laid_out_again(tmp_path):
    run, out = _fake_run(tmp_path), tmp_path / "out"
    out.mkdir()
    returned = pack_run(run, out, chunk=4096)
    assert returned["model_parts"] == ["model.pt.part_0", "model.pt.part_1", "model.pt.part_2"]
    assert [(out / name).stat().st_size for name in returned["model_parts"]] == [4096, 4096, 2048]
    (out / "gpu_check.json").write_text(json.dumps({"returned": returned}))

    restored = restore(out, tmp_path / "here")
    assert filecmp.cmp(restored / "fold_all" / "model.pt", run / "fold_all" / "model.pt", shallow=False)
    assert (restored / "oof_masks" / "A" / "A_1_mask.tif").read_bytes() == b"mask"
    assert (restored / "fold_0" / "log.csv").exists()
    assert not list(restored.rglob("checkpoint.pt"))  # neither checkpoints nor fold weights travel
    assert not (restored / "fold_0" / "model.pt").exists()
    with pytest.raises(SystemExit, match="exists"):
        restore(out, restored)


def test_a_damaged_part_is_refused(tmp_path):
    run, out = _fake_run(tmp_path), tmp_path / "out"
    out.mkdir()
    returned = pack_run(run, out, chunk=4096)
    (out / "gpu_check.json").write_text(json.dumps({"returned": returned}))
    part = out / "model.pt.part_1"
    part.write_bytes(part.read_bytes()[:-1] + b"\x00")
    with pytest.raises(SystemExit, match="sha256"):
        restore(out, tmp_path / "here")
    assert not (tmp_path / "here").exists() and not (tmp_path / "here.restoring").exists()


@pytest.mark.slow
def test_the_whole_check_runs_on_the_cpu_and_its_files_make_a_run(tmp_path, lgg_root):
    """``--quick`` on six real cases (64², 8 features, 2 epochs): the probes, the folds and the final model
    trained at once by ``rg train`` processes, the files back, the run laid out again here."""
    from segmentation.model import load_model

    data = tmp_path / "k"
    data.mkdir()
    cases = sorted(p for p in (lgg_root / "kaggle_3m").iterdir() if p.is_dir())[:6]
    for case in cases:
        (data / case.name).symlink_to(case)
    shutil.copyfile(lgg_root / "kaggle_3m" / "data.csv", data / "data.csv")
    out = tmp_path / "out"
    subprocess.run([sys.executable, "-m", "benchmarks.gpu_check", "--cases", str(data), "--device", "cpu", "--quick",
                    "--out", str(out), "--run", str(tmp_path / "runs")], check=True)  # fmt: skip
    report = json.loads((out / "gpu_check.json").read_text())
    assert report["cases"] == len(cases) and report["cv"]["patients"] == len(cases)
    assert all(item["rc"] == 0 for item in report["cv"]["processes"].values())
    assert sorted(report["cv"]["processes"]) == ["0", "1", "2", "all"]
    run = restore(out, tmp_path / "here")
    assert sorted(p.name for p in (run / "oof_masks").iterdir()) == [case.name for case in cases]
    model = load_model(run / "fold_all" / "model.pt")
    assert (model.config.size, model.config.features, model.config.norm) == (64, 8, "instance")
