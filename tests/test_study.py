"""The study's chain (``study.chain``), ``rg demo`` through segmentation and ``rg reproduce``."""

import json
import re
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from PIL import Image

from cli.main import rg
from radiogenomics.errors import InputError
from radiogenomics.features import STUDY_FEATURES
from segmentation.config import TrainConfig
from study.chain import check_study, run_study, write_study
from study.demo import run_demo
from study.presets import DEMO, FAST, PAPER, PRESETS, REPRODUCE_PRESETS

#: The demo's design at settings that run in seconds (the learning itself is the slow test's business).
QUICK = replace(DEMO, train=replace(DEMO.train, folds=2, epochs=4, samples_per_epoch=128))
CASES = 14  # rg associate's min_n is 10 patients with a label (a few labels are blank)


@pytest.fixture(scope="module")
def quick_demo(tmp_path_factory) -> tuple[Path, str, list[str]]:
    out = tmp_path_factory.mktemp("demo")
    lines = []
    text = run_demo(out, cases=CASES, preset=QUICK, progress=False, echo=lines.append)
    return out, text, lines


def test_demo_writes_every_step(quick_demo):
    out, text, _ = quick_demo
    for name in ("verify.txt", "cases.csv", "study.json", "steps.csv", "summary.csv", "agreement.csv",
                 "features_predicted.csv", "features_manual.csv", "associations_predicted.csv",
                 "associations_manual.csv", "index.html", "evaluate/summary.json", "evaluate/per_case.csv",
                 "train/oof_dice.csv"):  # fmt: skip
        assert (out / name).is_file(), name
    assert len(list((out / "train" / "oof_masks").iterdir())) == CASES
    assert f"report: {out / 'index.html'}" in text
    steps = pd.read_csv(out / "steps.csv")
    assert {"verify", "train", "evaluate", "features (predicted)", "features (manual)", "agree",
            "associate (predicted)", "associate (manual)", "report"} == set(steps["step"])  # fmt: skip


def test_summary_matches_its_sources(quick_demo):
    out, _, _ = quick_demo
    summary = pd.read_csv(out / "summary.csv")
    dice = json.loads((out / "evaluate" / "summary.json").read_text())["metrics"]["dice"]
    assert summary.loc[0, "predicted"] == pytest.approx(dice["mean"])
    assert summary.loc[1, "predicted"] == pytest.approx(dice["median"])
    assert float(summary.loc[0, "study"]) == pytest.approx(0.836)
    tested = summary.dropna(subset=["feature"])
    assert len(tested) == len(STUDY_FEATURES) * 2  # three features × (planted, null), no family
    manual = (
        pd.read_csv(out / "associations_manual.csv").query("test == 'fisher'").set_index(["feature", "label"])
    )
    for _, row in tested.iterrows():
        assert row["manual"] == pytest.approx(manual.loc[(row["feature"], row["label"]), "p"])
    assert tested["manual"].notna().all() and tested["predicted"].notna().all()


def test_report_reads_from_the_files_it_links(quick_demo):
    out, _, _ = quick_demo
    page = (out / "index.html").read_text()
    dice = json.loads((out / "evaluate" / "summary.json").read_text())["metrics"]["dice"]
    assert f"mean {100 * dice['mean']:.1f} %" in page
    for name in ("summary.csv", "agreement.csv", "associations_manual.csv", "features_predicted.csv",
                 "evaluate/per_case.csv", "train/oof_dice.csv"):  # fmt: skip
        assert f'href="{name}"' in page, name
    for target in re.findall(r'(?:href|src)="([^"]+)"', page):
        assert not target.startswith(("http:", "https:", "//", "/")), target
        if not target.startswith("data:"):
            assert (out / target).exists(), target
    assert "2-fold patient-level cross-validation" in page  # the methods paragraph, from what ran
    assert "Fisher" in page and "ICC(2,1)" in page and "<details>" in page


def test_demo_rerun_skips_finished_steps(quick_demo):
    out, _, _ = quick_demo
    before = pd.read_csv(out / "steps.csv").set_index("step")
    stamps = {
        p: p.stat().st_mtime_ns
        for p in (out / "summary.csv", out / "agreement.csv", out / "features_manual.csv")
    }
    lines = []
    run_demo(out, cases=CASES, preset=QUICK, progress=False, echo=lines.append)
    after = pd.read_csv(out / "steps.csv").set_index("step")
    assert sum("already there" in line for line in lines) >= 8
    assert (after.drop(index="report")["finished"] == before.drop(index="report")["finished"]).all()
    assert stamps[out / "agreement.csv"] == (out / "agreement.csv").stat().st_mtime_ns
    assert stamps[out / "features_manual.csv"] == (out / "features_manual.csv").stat().st_mtime_ns


def test_chain_says_which_cases_evaluate_could_not_score(quick_demo, tmp_path):
    out = tmp_path / "study"
    shutil.copytree(quick_demo[0], out)
    shutil.rmtree(out / "evaluate")
    broken = sorted((out / "train" / "oof_masks").iterdir())[0]
    first = sorted(broken.glob("*_mask.tif"))[0]
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(first)  # one slice of another shape than the images
    lines = []
    run_study(out / "cohort", out, QUICK, manifest=out / "manifest.csv", progress=False, echo=lines.append)
    said = [line for line in lines if line.startswith("evaluate: error: ")]
    assert len(said) == 1 and said[0].startswith(f"evaluate: error: {broken.name}: "), lines
    status = pd.read_csv(out / "evaluate" / "per_case.csv").set_index("case")["status"]
    assert status[broken.name] != "ok" and (status.drop(broken.name) == "ok").all()


def test_refuses_another_recipe_in_the_same_folder(quick_demo):
    out, _, _ = quick_demo
    other = replace(QUICK, train=replace(QUICK.train, epochs=3))
    with pytest.raises(InputError, match=r"other settings \(epochs"):
        run_study(
            out / "cohort", out, other, manifest=out / "manifest.csv", progress=False, echo=lambda _: None
        )
    with pytest.raises(InputError, match=r"preset 'demo'.*--preset demo"):
        run_study(out / "cohort", out, FAST, progress=False, echo=lambda _: None)


@pytest.mark.filterwarnings(
    "ignore::radiogenomics.features.extract.EmptyMaskWarning"
)  # one epoch: empty masks
def test_one_fold_per_call_then_gather(synthetic_cohort, tmp_path):
    preset = replace(
        QUICK, train=replace(QUICK.train, epochs=1), design=replace(QUICK.design, pyradiomics=False)
    )
    out = tmp_path / "study"
    quiet = dict(progress=False, echo=lambda _: None)
    first = run_study(synthetic_cohort, out, preset, fold=1, **quiet)
    assert not first.complete and first.folds_left == (0,) and not (out / "summary.csv").exists()
    second = run_study(synthetic_cohort, out, preset, fold=0, **quiet)
    assert not second.complete and second.folds_left == () and not (out / "evaluate").exists()
    last = run_study(synthetic_cohort, out, preset, **quiet)
    assert last.complete and (out / "index.html").is_file()
    steps = pd.read_csv(out / "steps.csv")  # written by the gathering call only (array jobs share OUT)
    assert "train" not in set(steps["step"]) and {"evaluate", "report"} <= set(steps["step"])
    assert "train fold_0" in (out / "index.html").read_text()  # each fold's cost, from its log


def test_verify_without_manifest_says_so(synthetic_cohort, tmp_path):
    from study.chain import verify_data

    text = verify_data(synthetic_cohort, tmp_path, None)
    assert "not verified" in text and (tmp_path / "verify.txt").read_text() == text


def test_data_off_its_manifest_is_refused_on_every_call_and_leaves_nothing(tmp_path):
    """Verification writes nothing when it fails: no study folder, and no verify.txt that a rerun would take
    for a passed step (it ran on before: the second call skipped verification and trained)."""
    from radiogenomics.manifest import build_manifest, write_manifest
    from tests.helpers import make_case

    data = tmp_path / "data"
    for seed in range(2):
        make_case(data, f"TCGA_AA_000{seed}_20000101", seed=seed)
    (data / "data.csv").write_text("Patient,RNASeqCluster\nTCGA_AA_0000,1\nTCGA_AA_0001,2\n")
    write_manifest(tmp_path / "manifest.csv", *build_manifest(data, folds=2))
    slice_ = data / "TCGA_AA_0001_20000101" / "TCGA_AA_0001_20000101_2.tif"
    slice_.write_bytes(slice_.read_bytes()[:-1] + b"\x01")
    refused = r"data: does not match its manifest \(1 changed; rg data verify"
    for _ in range(2):
        with pytest.raises(InputError, match=refused):
            run_study(data, tmp_path / "study", FAST, manifest=tmp_path / "manifest.csv", echo=lambda _: None)
        assert not (tmp_path / "study").exists()


def test_presets_are_the_documented_recipes():
    assert PRESETS == {"paper": PAPER, "fast": FAST, "demo": DEMO} and set(REPRODUCE_PRESETS) < set(PRESETS)
    assert (PAPER.train.folds, PAPER.train.size, PAPER.train.features, PAPER.train.epochs) == (
        22,
        256,
        32,
        100,
    )
    card = json.loads((Path(__file__).parents[1] / "segmentation" / "weights" / "lgg-flair.json").read_text())
    # fast reproduces the card's CV (settings added since the card was made read as their defaults)
    assert TrainConfig.from_json(card["recipe"]) == FAST.train
    assert "3 folds, 128² slices, 16 features, 30 epochs, instance norm" in FAST.description
    assert FAST.description.endswith(", modality dropout 0.2")


def test_a_study_folder_of_another_recipe_is_refused_naming_the_setting(tmp_path):
    """A folder made by the fast preset before modality dropout: refused, naming the setting and its value;
    accepted with that setting given back."""
    before = replace(FAST, train=replace(FAST.train, aug_modality_dropout=0.0))
    check_study(tmp_path, before)  # no study.json yet: any preset passes, and nothing is written
    assert list(tmp_path.iterdir()) == []
    write_study(tmp_path, before)
    with pytest.raises(InputError, match=r"other settings \(aug_modality_dropout 0\.0; see .*study.json\)"):
        check_study(tmp_path, FAST)
    check_study(tmp_path, before)


def test_a_setting_that_an_older_study_json_lacks_reads_as_its_default(tmp_path):
    """A folder made before modality dropout existed: its study.json has no such key. It trained without
    (the default, 0), so it is refused for fast naming that value, and resumed with it given back."""
    before = replace(FAST, train=replace(FAST.train, aug_modality_dropout=0.0))
    write_study(tmp_path, before)
    saved = json.loads((tmp_path / "study.json").read_text())
    del saved["train"]["aug_modality_dropout"]
    (tmp_path / "study.json").write_text(json.dumps(saved))
    with pytest.raises(InputError, match=r"other settings \(aug_modality_dropout 0\.0; see "):
        check_study(tmp_path, FAST)
    check_study(tmp_path, before)


def test_cli_reproduce_stops_after_one_fold(synthetic_cohort, tmp_path):
    result = CliRunner().invoke(rg, ["reproduce", str(synthetic_cohort), "--out", str(tmp_path / "s"), "--fold", "0",
                                     "--folds", "2", "--epochs", "1", "--size", "32", "--features", "4", "--norm", "instance",
                                     "--aug-modality-dropout", "0", "--precision", "fp32", "-q"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "fold 0 done; folds not done yet: 1" in result.output
    saved = json.loads((tmp_path / "s" / "study.json").read_text())
    assert (
        saved["name"] == "fast"
        and saved["train"]["epochs"] == 1
        and (saved["train"]["norm"], saved["train"]["precision"]) == ("instance", "fp32")
        and "2 folds, 32² slices" in saved["description"]
    )
    trained = json.loads((tmp_path / "s" / "train" / "config.json").read_text())
    assert (trained["norm"], trained["precision"], trained["aug_modality_dropout"]) == ("instance", "fp32", 0)
    assert "modality dropout" not in saved["description"]  # the preset's 0.2 changed to none


@pytest.mark.slow
def test_demo_learns_and_finds_the_planted_signal(tmp_path):
    """The default demo (24 synthetic cases, the demo preset): out-of-fold Dice > 0.85 and the planted
    signal found on the predicted masks as on the manual ones, the null column not."""
    result = CliRunner().invoke(rg, ["demo", str(tmp_path / "d"), "-q"])
    assert result.exit_code == 0, result.output
    summary = pd.read_csv(tmp_path / "d" / "summary.csv")
    assert summary.loc[0, "predicted"] > 0.85
    tested = summary.dropna(subset=["feature"]).set_index(["feature", "label"])
    for feature in STUDY_FEATURES:
        assert tested.loc[(feature, "RNASeqCluster"), "predicted"] < 0.01
        assert tested.loc[(feature, "MethylationCluster"), "predicted"] > 0.05


def _real_subset(lgg_root: Path, into: Path, count: int) -> Path:
    """``count`` shipped LGG cases with every subtype label of the study's family, data.csv and README.md."""
    from radiogenomics.stats.hypotheses import STUDY2019

    data = lgg_root / "kaggle_3m"
    table = pd.read_csv(data / "data.csv").set_index("Patient")
    labels = sorted({pair.label for pair in STUDY2019.pairs})
    complete = set(table.dropna(subset=labels).index)
    cases = sorted(p for p in data.iterdir() if p.is_dir() and "_".join(p.name.split("_")[:3]) in complete)
    into.mkdir()
    for case in cases[:count]:
        (into / case.name).symlink_to(case, target_is_directory=True)
    for name in ("data.csv", "README.md"):  # the manifest lists both
        (into / name).write_bytes((data / name).read_bytes())
    return into


def _reproduce(data: Path, out: Path) -> list[str]:
    import sys

    args = ["reproduce", str(data), "--out", str(out), "--folds", "2", "--epochs", "2", "--size", "32",
            "--features", "4", "--threads", "1", "--no-pyradiomics", "-q"]  # fmt: skip
    # (a tiny model's masks are large and ragged: pyradiomics' 3D shape takes ~40 s on one such case)
    return [sys.executable, "-c", "import sys; from cli.main import rg; rg(sys.argv[1:])", *args]


@pytest.mark.slow
def test_reproduce_on_real_cases_resumes_after_a_kill(lgg_root, tmp_path):
    """rg reproduce on 16 real cases (2 folds, a tiny U-Net): completes, fills every row of its table, and a
    run SIGKILLed during training, started again, ends with the same table and features."""
    import signal
    import subprocess
    import time

    repo = Path(__file__).resolve().parents[1]
    data = _real_subset(lgg_root, tmp_path / "lgg", 16)
    whole = subprocess.run(_reproduce(data, tmp_path / "whole"), cwd=repo, capture_output=True, text=True)
    assert whole.returncode == 0, whole.stderr[-2000:]
    assert "hypotheses rejected: manual masks" in whole.stdout and "Traceback" not in whole.stderr
    process = subprocess.Popen(_reproduce(data, tmp_path / "killed"), cwd=repo, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)  # fmt: skip
    checkpoint = tmp_path / "killed" / "train" / "fold_0" / "checkpoint.pt"
    deadline = time.monotonic() + 600
    while not checkpoint.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process.poll() is None, "the run ended before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not (tmp_path / "killed" / "summary.csv").exists()
    again = subprocess.run(_reproduce(data, tmp_path / "killed"), cwd=repo, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr[-2000:]

    summary = pd.read_csv(tmp_path / "whole" / "summary.csv")
    pd.testing.assert_frame_equal(summary, pd.read_csv(tmp_path / "killed" / "summary.csv"))
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "whole" / "features_predicted.csv"),
                                  pd.read_csv(tmp_path / "killed" / "features_predicted.csv"))  # fmt: skip
    assert len(summary) == 2 + 10  # Dice mean, median; the study2019 family
    assert summary["predicted"].notna().all() and summary.loc[2:, "manual"].notna().all()
    assert summary["study"].notna().sum() == 2 + 8  # the study reports 8 of its 10 pairs
    assert "verdict: ok (partial" in (tmp_path / "whole" / "verify.txt").read_text()
    assert json.loads((tmp_path / "whole" / "study.json").read_text())["design"]["pyradiomics"] is False


@pytest.mark.filterwarnings(
    "ignore::radiogenomics.features.extract.EmptyMaskWarning"
)  # one epoch: empty masks
def test_demo_with_fewer_cases_than_folds_takes_one_patient_a_fold(tmp_path):
    preset = replace(QUICK, train=replace(QUICK.train, folds=4, epochs=1, samples_per_epoch=16),
                     design=replace(QUICK.design, pyradiomics=False))  # fmt: skip
    text = run_demo(tmp_path / "d", cases=3, preset=preset, progress=False, echo=lambda _: None)
    assert json.loads((tmp_path / "d" / "study.json").read_text())["train"]["folds"] == 3
    assert "(n/a: not tested; a test needs at least 10 patients" in text
