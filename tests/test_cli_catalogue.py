"""A catalogue of malformed input the CLI can meet, each with its one-line message and exit code.

Every row runs the real ``rg`` command line and checks the exit code, that the expected message is on
stderr (one line of it), that an exit 1 prints exactly one line (unless the row is a batch command that
reports per case first), that no output holds a traceback, and that a refused command creates nothing:
the inputs' file tree and the row's output folder are as they were. The default run executes all rows in one
subprocess (:data:`DRIVER`, ``rg.main`` in standalone mode: what the ``rg`` script runs; an exception
that escapes is printed as the interpreter would); ``-m slow`` runs each row as its own ``rg`` process.

Adding a command (``rg segment``, ``rg evaluate``, ``rg reproduce``): add its malformed inputs to the
``inputs`` fixture if it needs new files, and rows to :data:`CATALOGUE`::

    Row("segment-out-under-a-file", ("segment", "{d}/masks", "--out", "{d}/a_file/x"),
        r"--out .*a_file is a file, not a folder", 1),

``{d}`` is the folder of inputs (built once), ``{out}`` a fresh empty folder for the row's outputs.
"""

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import tifffile

from radiogenomics.case_io import write_mask_case
from radiogenomics.manifest import build_manifest, write_manifest
from radiogenomics.nifti_io import write_nifti
from tests.helpers import make_case

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Row:
    """One malformed input: the arguments after ``rg``, the message (a regex found within one line of
    stderr), the exit code, whether an error is one line (after one line per warning; False for click's
    usage errors, which print the usage first, batch commands, which report each case first, and a study
    step's line), and whether the command made its outputs (a batch command's other cases) though it exits 1."""

    id: str
    argv: tuple[str, ...]
    message: str
    code: int
    one_line: bool = True
    made: bool = False  # a batch command whose failed cases exit 1 after it wrote the others

    @property
    def refused(self) -> bool:
        """Whether the command refused to run (then it must have created nothing)."""
        return self.code != 0 and not self.made


def usage(id: str, argv: tuple[str, ...], message: str) -> Row:
    """A row refused by click itself: exit 2, usage lines before the error."""
    return Row(id, argv, message, 2, one_line=False)


#: Options of a training run that would take a second, should a row get that far.
TINY = ("--folds", "2", "--epochs", "1", "--size", "16", "--depth", "1", "--features", "2", "--device", "cpu", "-q")  # fmt: skip
ASSOCIATE = ("associate", "{d}/features.csv", "{d}/data.csv", "--out", "{out}/new/r.csv")

CATALOGUE = [
    # rg data synth / verify
    usage("synth-out-is-a-file", ("data", "synth", "{d}/a_file", "--cases", "2"), r"'\[OUT\]': Directory .*a_file' is a file"),
    Row("synth-out-under-a-file", ("data", "synth", "{d}/a_file/c"), r"OUT .*a_file is a file, not a folder", 1),
    usage("synth-one-case", ("data", "synth", "{out}/c", "--cases", "1"), r"--cases.*1 is not in the range"),
    usage("verify-no-folder", ("data", "verify", "{d}/nowhere"), r"ROOT.*does not exist"),
    Row("verify-manifest-not-a-manifest", ("data", "verify", "{d}/empty_dir", "--manifest", "{d}/data.csv"), r"data\.csv", 1),
    # rg features
    usage("features-no-folder", ("features", "{d}/nowhere", "--out", "{out}/new/f.csv"), r"MASKS.*does not exist"),
    usage("features-no-out", ("features", "{d}/masks"), r"Missing option '--out'"),
    usage("features-zero-spacing", ("features", "{d}/masks", "--out", "{out}/new/f.csv", "--spacing", "0", "1", "1"), r"--spacing"),
    usage("features-out-is-a-folder", ("features", "{d}/masks", "--out", "{d}/empty_dir"), r"--out.*is a directory"),
    Row("features-out-under-a-file", ("features", "{d}/masks", "--out", "{d}/a_file/f.csv"), r"--out .*a_file is a file, not a folder; choose another --out", 1),
    Row("features-empty-folder", ("features", "{d}/empty_dir", "--out", "{out}/new/f.csv"), r"empty_dir: holds no case folders", 1),
    Row("features-two-cases-one-patient", ("features", "{d}/masks_twice", "--out", "{out}/new/f.csv"), r"belong to patient TCGA_AA_0001; .*move one", 1),
    Row("features-spacing-with-nifti", ("features", "{d}/nifti", "--out", "{out}/new/f.csv", "--spacing", "1", "1", "1"), r"drop --spacing", 1),
    Row("features-bad-mask-values", ("features", "{d}/masks_values", "--out", "{out}/new/f.csv"), r"1 of 2 cases failed; see the status column", 1, one_line=False, made=True),
    Row("features-damaged-tiff", ("features", "{d}/masks_damaged", "--out", "{out}/new/f.csv"), r"error: .*_2_mask\.tif: cannot read TIFF", 1, one_line=False, made=True),
    Row("features-one-voxel-tumour", ("features", "{d}/masks_one_voxel", "--out", "{out}/new/f.csv"), r"warning: .*: pyradiomics: .*other features kept", 0),
    # rg associate: feature tables
    Row("associate-infinite-values", ("associate", "{d}/inf.csv", "{d}/data.csv", "--out", "{out}/new/r.csv"), r"warning: .*inf\.csv: 2 infinite value\(s\) set to missing: ASD \(P00, P01\)", 0),
    Row("associate-infinite-values-logistic", ("associate", "{d}/inf.csv", "{d}/data.csv", "--out", "{out}/new/r.csv", "--test", "logistic"), r"warning: .*2 infinite", 0),
    Row("associate-text-cell", ("associate", "{d}/text_cell.csv", "{d}/data.csv", "--out", "{out}/new/r.csv"), r"text_cell\.csv: line 5, patient P03, column 'BEVR' holds '#VALUE!', not a number", 1),
    Row("associate-text-cell-preset", ("associate", "{d}/text_cell.csv", "{d}/data.csv", "--out", "{out}/new/r.csv", "--preset", "study2019"), r"column 'BEVR' holds '#VALUE!'", 1),
    Row("associate-text-column-preset", ("associate", "{d}/text_column.csv", "{d}/data.csv", "--out", "{out}/new/r.csv", "--preset", "study2019"), r"--preset study2019: feature BEVR: a column of .*text_column\.csv that holds no number", 1),
    Row("associate-no-patient-column", ("associate", "{d}/no_patient.csv", "{d}/data.csv", "--out", "{out}/new/r.csv"), r"no_patient\.csv: no 'patient' column", 1),
    Row("associate-duplicate-patients", ("associate", "{d}/duplicates.csv", "{d}/data.csv", "--out", "{out}/new/r.csv"), r"patient ids appear twice: P01", 1),
    Row("associate-empty-table", ("associate", "{d}/empty.csv", "{d}/data.csv", "--out", "{out}/new/r.csv"), r"empty\.csv: cannot read the feature table", 1),
    Row("associate-binary-table", ("associate", "{d}/binary.csv", "{d}/data.csv", "--out", "{out}/new/r.csv"), r"binary\.csv: cannot read the feature table", 1),
    Row("associate-no-numeric-column", ("associate", "{d}/only_text.csv", "{d}/data.csv", "--out", "{out}/new/r.csv"), r"only_text\.csv: no numeric feature column", 1),
    Row("associate-stale-sidecar", ("associate", "{d}/stale/features.csv", "{d}/data.csv", "--out", "{out}/new/r.csv"), r"warning: .*features\.json: does not describe this table", 0),
    # rg associate: the clinical table, names and options
    Row("associate-clinical-without-id", ("associate", "{d}/features.csv", "{d}/no_id.csv", "--out", "{out}/new/r.csv"), r"no_id\.csv: no 'Patient' column", 1),
    Row("associate-no-shared-patient", ("associate", "{d}/other_ids.csv", "{d}/data.csv", "--out", "{out}/new/r.csv"), r"no patient is in both tables", 1),
    Row("associate-unknown-feature", (*ASSOCIATE, "--features", "ASD,volume"), r"--features volume: no such feature \(columns: ASD, MF, BEVR\)", 1),
    Row("associate-near-feature", (*ASSOCIATE, "--features", "BVR"), r"--features BVR: no such feature; did you mean BEVR\?", 1),
    Row("associate-unknown-label", (*ASSOCIATE, "--labels", "Nope"), r"--labels Nope: no such label column of the clinical table \(columns: RNASeqCluster, MethylationCluster\)", 1),
    Row("associate-near-label", (*ASSOCIATE, "--labels", "rnaseqclustr"), r"--labels rnaseqclustr: no such label column of the clinical table; did you mean RNASeqCluster\?", 1),
    Row("associate-near-covariate", (*ASSOCIATE, "--test", "logistic", "--covariates", "MethylationClustr"), r"--covariates MethylationClustr: no such column of the clinical table; did you mean MethylationCluster\?", 1),
    Row("associate-near-clinical-id", (*ASSOCIATE, "--clinical-id", "patient"), r"data\.csv: no 'patient' column; did you mean Patient\?", 1),
    Row("associate-preset-columns-missing", (*ASSOCIATE, "--preset", "study2019"), r"--preset study2019: label CNCluster: no such column of the clinical table", 1),
    Row("associate-bad-hypotheses", (*ASSOCIATE, "--hypotheses", "{d}/no_id.csv"), r"no_id\.csv: no 'feature' or 'label' column", 1),
    Row("associate-bad-alpha", (*ASSOCIATE, "--alpha", "2"), r"--alpha: 2\.0 is not in \(0, 1\)", 1),
    usage("associate-unknown-test", (*ASSOCIATE, "--test", "ttest"), r"--test.*'ttest' is not one of"),
    usage("associate-two-families", (*ASSOCIATE, "--preset", "study2019", "--hypotheses", "{d}/data.csv"), r"choose one family"),
    Row("associate-out-under-a-file", ("associate", "{d}/features.csv", "{d}/data.csv", "--out", "{d}/a_file/r.csv"), r"--out .*a_file is a file, not a folder", 1),
    usage("associate-report-is-a-file", (*ASSOCIATE, "--report", "{d}/a_file"), r"'--report': Directory .*a_file' is a file"),
    Row("associate-report-under-a-file", (*ASSOCIATE, "--report", "{d}/a_file/report"), r"--report .*a_file is a file, not a folder", 1),
    # rg agree
    Row("agree-infinite-values", ("agree", "{d}/inf.csv", "{d}/features.csv", "--out", "{out}/new/a.csv"), r"warning: .*inf\.csv: 2 infinite", 0),
    Row("agree-text-cell", ("agree", "{d}/features.csv", "{d}/text_cell.csv", "--out", "{out}/new/a.csv"), r"text_cell\.csv: line 5, patient P03", 1),
    Row("agree-different-spacing", ("agree", "{d}/mm/features.csv", "{d}/pixel/features.csv", "--out", "{out}/new/a.csv"), r"warning: .*unit mm in A \(3 x 1 x 1 mm\), pixel in B \(1 x 1 x 1 pixel\)", 0),
    Row("agree-no-shared-patient", ("agree", "{d}/features.csv", "{d}/other_ids.csv", "--out", "{out}/new/a.csv"), r"share no patient id", 1),
    Row("agree-out-under-a-file", ("agree", "{d}/features.csv", "{d}/features.csv", "--out", "{d}/a_file/a.csv"), r"--out .*a_file is a file, not a folder", 1),
    # rg train (errors before any training)
    Row("train-no-cases", ("train", "{d}/empty_dir", "--out", "{out}/run", "--epochs", "1"), r"empty_dir: holds no case folders", 1),
    Row("train-mixed-channels", ("train", "{d}/data_channels", "--out", "{out}/run", *TINY), r"TCGA_AA_0001_20000101: images have 1 channel\(s\), 2 of the 3 cases have 3", 1),
    Row("train-16-bit-slice", ("train", "{d}/data_16bit", "--out", "{out}/run", *TINY), r"_2\.tif: image dtype is uint16, 2 of the case's 3 slices are uint8", 1),
    Row("train-out-under-a-file", ("train", "{d}/data_ok", "--out", "{d}/a_file/run", *TINY), r"--out .*a_file is a file, not a folder", 1),
    # rg segment (errors before any case is segmented)
    Row("segment-out-under-a-file", ("segment", "{d}/data_ok", "--out", "{d}/a_file/x"), r"--out .*a_file is a file, not a folder", 1),
    Row("segment-out-in-images", ("segment", "{d}/data_ok", "--out", "{d}/data_ok/masks"), r"--out .*data_ok/masks: overlaps IMAGES .*data_ok; .*choose another --out", 1),
    Row("segment-channels-do-not-fit", ("segment", "{d}/data_channels", "--out", "{out}/m", "--device", "cpu"), r"TCGA_AA_0001_20000101: images have 1 channel\(s\), model .* takes 3", 1),
    Row("segment-unknown-model", ("segment", "{d}/data_ok", "--out", "{out}/m", "--model", "nope"), r"--model nope: no such run folder, model file or shipped model", 1),
    # rg models
    Row("models-unknown", ("models", "nope"), r"nope: no such shipped model; rg models lists them", 1),
    Row("segment-model-not-a-model", ("segment", "{d}/data_ok", "--out", "{out}/m", "--model", "{d}/data.csv"), r"data\.csv: not a readable rg model file", 1),
    Row("segment-fold-without-run", ("segment", "{d}/data_ok", "--out", "{out}/m", "--model", "{d}/data.csv", "--fold", "0"), r"--fold 0: only a run folder has folds", 1),
    usage("segment-bad-shard", ("segment", "{d}/data_ok", "--out", "{out}/m", "--shard", "4/2"), r"--shard.*expected I/N with 0 <= I < N"),
    usage("segment-bad-connectivity", ("segment", "{d}/data_ok", "--out", "{out}/m", "--connectivity", "8"), r"--connectivity.*'8' is not one of"),
    # rg reproduce (errors before any training)
    Row("reproduce-no-clinical-table", ("reproduce", "{d}/data_ok", "--out", "{out}/s"), r"data_ok/data\.csv: no genomic table; give --clinical FILE", 1),
    Row("reproduce-fold-out-of-range", ("reproduce", "{d}/data_ok", "--out", "{out}/s", "--fold", "3"), r"--fold is 3; this preset has folds 0 to 2", 1),
    Row("reproduce-data-off-its-manifest", ("reproduce", "{d}/data_16bit", "--out", "{out}/s", "--clinical", "{d}/data.csv", "--manifest", "{d}/data_ok_manifest.csv"), r"data_16bit: does not match its manifest \(1 changed; rg data verify .* --partial lists them\)", 1, one_line=False),
    Row("reproduce-out-under-a-file", ("reproduce", "{d}/data_ok", "--out", "{d}/a_file/s"), r"--out .*a_file is a file, not a folder", 1),
    usage("reproduce-unknown-preset", ("reproduce", "{d}/data_ok", "--out", "{out}/s", "--preset", "huge"), r"--preset.*'huge' is not one of"),
    # rg evaluate (errors before any case is read)
    Row("evaluate-empty-folder", ("evaluate", "{d}/empty_dir", "{d}/masks", "--out", "{out}/e"), r"empty_dir: holds no case folders", 1),
    Row("evaluate-no-common-case", ("evaluate", "{d}/masks", "{d}/nifti", "--out", "{out}/e"), r"masks: no case name in common with .*nifti", 1),
    Row("evaluate-out-under-a-file", ("evaluate", "{d}/masks", "{d}/masks", "--out", "{d}/a_file/e"), r"--out .*a_file is a file, not a folder", 1),
    # rg classify
    Row("classify-names-do-not-match", ("classify", "{d}/features.csv", "{d}/data.csv", "--target", "RNASeqCluster", "--out", "{out}/c", "--names", "a,b"), r"--names: give 1 distinct names", 1),
    Row("classify-unknown-target", ("classify", "{d}/features.csv", "{d}/data.csv", "--target", "Nope", "--covariates", "MethylationCluster", "--out", "{out}/c", "--report", "{out}/r"), r"--target Nope: no such column of the clinical table \(columns: RNASeqCluster, MethylationCluster\)", 1),
    Row("classify-near-target", ("classify", "{d}/features.csv", "{d}/data.csv", "--target", "RNASeqClustr", "--covariates", "MethylationCluster", "--out", "{out}/c"), r"--target RNASeqClustr: no such column of the clinical table; did you mean RNASeqCluster\?", 1),
    Row("classify-near-covariate", ("classify", "{d}/features.csv", "{d}/data.csv", "--target", "RNASeqCluster", "--covariates", "methylation", "--out", "{out}/c"), r"--covariates methylation: no such column .*; did you mean MethylationCluster\?", 1),
    Row("classify-out-under-a-file", ("classify", "{d}/features.csv", "{d}/data.csv", "--target", "RNASeqCluster", "--out", "{d}/a_file/c"), r"--out .*a_file is a file, not a folder", 1),
    # rg demo
    usage("demo-out-is-a-file", ("demo", "{d}/a_file"), r"'\[OUT\]': Directory .*a_file' is a file"),
    Row("demo-out-under-a-file", ("demo", "{d}/a_file/demo"), r"OUT .*a_file is a file, not a folder", 1),
    usage("demo-one-case", ("demo", "{out}/d", "--cases", "1"), r"--cases.*1 is not in the range"),
]  # fmt: skip


def _masks(root: Path, cases: dict[str, np.ndarray]) -> Path:
    for name, mask in cases.items():
        write_mask_case(root, name, list(range(1, len(mask) + 1)), mask)
    return root


def _table(path: Path, frame: pd.DataFrame) -> None:
    frame.to_csv(path, index=False)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    """Every malformed input of the catalogue, and the good ones beside them, in one folder."""
    d = tmp_path_factory.mktemp("inputs")
    (d / "a_file").write_text("a file where a folder is expected\n")
    (d / "empty_dir").mkdir()
    rng = np.random.default_rng(0)
    n = 30
    ids = [f"P{i:02d}" for i in range(n)]
    cluster = np.arange(n) % 2 + 1
    good = pd.DataFrame({"patient": ids, "case": ids, "status": "ok", "ASD": rng.normal(size=n) + cluster,
                         "MF": rng.normal(size=n), "BEVR": rng.uniform(size=n)})  # fmt: skip
    _table(d / "features.csv", good)
    _table(
        d / "data.csv",
        pd.DataFrame({"Patient": ids, "RNASeqCluster": cluster, "MethylationCluster": rng.integers(1, 4, n)}),
    )
    _table(d / "no_id.csv", pd.DataFrame({"id": ids, "RNASeqCluster": cluster}))
    infinite = good.astype({"ASD": object})
    infinite.loc[:1, "ASD"] = ["inf", "-inf"]
    _table(d / "inf.csv", infinite)
    text_cell = good.astype({"BEVR": object})
    text_cell.loc[3, "BEVR"] = "#VALUE!"
    _table(d / "text_cell.csv", text_cell)
    _table(d / "text_column.csv", good.assign(BEVR="#VALUE!"))
    _table(d / "no_patient.csv", good.rename(columns={"patient": "id"}))
    _table(d / "duplicates.csv", pd.concat([good, good.iloc[[1]]]))
    _table(d / "only_text.csv", good[["patient", "case", "status"]])
    _table(d / "other_ids.csv", good.assign(patient=[f"Q{i}" for i in range(n)]))
    (d / "empty.csv").write_bytes(b"")
    (d / "binary.csv").write_bytes(bytes(rng.integers(0, 256, 2000, dtype=np.uint8)))
    (d / "stale").mkdir()
    _table(d / "stale" / "features.csv", good)
    (d / "stale" / "features.json").write_text(json.dumps({"outputs": {"features.csv": "0" * 64}}))
    for unit, value in (("mm", [3.0, 1.0, 1.0]), ("pixel", [1.0, 1.0, 1.0])):
        (d / unit).mkdir()
        _table(d / unit / "features.csv", good)
        (d / unit / "features.json").write_text(json.dumps({"spacing": {"unit": unit, "value": value}}))

    ball = np.zeros((5, 16, 16), bool)
    ball[1:4, 4:12, 4:12] = True
    one = np.zeros((3, 12, 12), bool)
    one[1, 5, 5] = True
    _masks(d / "masks", {"TCGA_AA_0001_20000101": ball})
    _masks(d / "masks_twice", {"TCGA_AA_0001_20000101": ball, "TCGA_AA_0001_20010101": ball})
    _masks(d / "masks_one_voxel", {"TCGA_AA_0001_20000101": one})
    for folder in ("masks_values", "masks_damaged"):
        _masks(d / folder, {"TCGA_AA_0001_20000101": ball, "TCGA_AA_0002_20000101": ball})
    tifffile.imwrite(
        d / "masks_values/TCGA_AA_0002_20000101/TCGA_AA_0002_20000101_2_mask.tif",
        np.full((16, 16), 7, np.uint8),
    )
    (d / "masks_damaged/TCGA_AA_0002_20000101/TCGA_AA_0002_20000101_2_mask.tif").write_bytes(b"\x00" * 10)
    (d / "nifti").mkdir()
    write_nifti(d / "nifti" / "case_mask.nii.gz", ball)

    names = ("TCGA_AA_0001_20000101", "TCGA_AA_0002_20000101", "TCGA_AA_0003_20000101")
    for seed, name in enumerate(names):
        make_case(d / "data_channels", name, seed=seed)
        make_case(d / "data_16bit", name, seed=seed)
        make_case(d / "data_ok", name, seed=seed)
    for path in (d / "data_channels" / names[0]).glob(f"{names[0]}_?.tif"):
        tifffile.imwrite(path, np.zeros((16, 16), np.uint8))
    odd = d / "data_16bit" / names[1] / f"{names[1]}_2.tif"
    tifffile.imwrite(odd, np.full((16, 16, 3), 40000, np.uint16), photometric="rgb")
    write_manifest(d / "data_ok_manifest.csv", *build_manifest(d / "data_ok", folds=3))
    return d


def _tree(root: Path) -> dict[str, tuple[bool, int, int]]:
    """Every path under ``root``: whether a folder, size, modification time (ns)."""
    return {
        str(p.relative_to(root)): (p.is_dir(), p.stat().st_size, p.stat().st_mtime_ns)
        for p in root.rglob("*")
    }


def _argv(row: Row, inputs: Path, out: Path) -> list[str]:
    return [arg.format(d=inputs, out=out) for arg in row.argv]


DRIVER = """
import contextlib, io, json, sys, traceback
from cli.main import rg

results = []
for argv in json.load(sys.stdin):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rg.main(argv, prog_name="rg", standalone_mode=True)
            code = 0
        except SystemExit as exit:
            code = exit.code if isinstance(exit.code, int) else int(exit.code is not None)
        except BaseException:
            traceback.print_exc()  # what the interpreter would print
            code = 1
    results.append({"code": code, "stdout": out.getvalue(), "stderr": err.getvalue()})
json.dump(results, sys.__stdout__)
"""


def check(row: Row, code: int, stdout: str, stderr: str) -> None:
    shown = f"rg {' '.join(row.argv)}\nexit {code}\nstdout: {stdout}\nstderr: {stderr}"
    assert "Traceback" not in stdout + stderr, shown
    assert code == row.code, shown
    assert re.search(row.message, stderr), shown
    if row.code == 1 and row.one_line:  # one line of error, after one line per warning
        *warnings, error = stderr.splitlines()
        assert error.startswith("Error: ") and all(w.startswith("warning: ") for w in warnings), shown


def _run_in_one_process(rows: list[Row], inputs: Path, tmp: Path) -> list[dict]:
    argvs = [_argv(row, inputs, tmp / row.id) for row in rows]
    for row in rows:
        (tmp / row.id).mkdir()
    result = subprocess.run(
        [sys.executable, "-c", DRIVER], input=json.dumps(argvs), capture_output=True, text=True, cwd=ROOT,
        env={**os.environ, "COLUMNS": "200"}, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_catalogue_ids_are_unique():
    ids = [row.id for row in CATALOGUE]
    assert len(ids) == len(set(ids))


def check_nothing_made(row: Row, out: Path) -> None:
    """A refused row leaves its output folder empty."""
    if row.refused:
        made = sorted(str(p.relative_to(out)) for p in out.rglob("*"))
        assert not made, f"rg {' '.join(row.argv)}: refused, yet made {', '.join(made)} in its output folder"


def test_every_malformed_input_gives_its_message_and_exit_code_without_traceback(inputs, tmp_path):
    before = _tree(inputs)
    results = _run_in_one_process(CATALOGUE, inputs, tmp_path)
    failures = []
    for row, result in zip(CATALOGUE, results, strict=True):
        try:
            check(row, result["code"], result["stdout"], result["stderr"])
            check_nothing_made(row, tmp_path / row.id)
        except AssertionError as err:
            failures.append(f"{row.id}: {err}")
    after = _tree(inputs)
    changed = sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))
    failures += [f"the inputs changed (no row may write there): {', '.join(changed)}"] if changed else []
    assert not failures, "\n\n".join(failures)


@pytest.mark.slow
@pytest.mark.parametrize("row", CATALOGUE, ids=[row.id for row in CATALOGUE])
def test_each_row_as_its_own_rg_process(row, inputs, tmp_path):
    script = Path(sys.executable).parent / "rg"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "cli.main"]
    before = _tree(inputs)
    result = subprocess.run(
        [*command, *_argv(row, inputs, tmp_path)], capture_output=True, text=True, cwd=ROOT,
        env={**os.environ, "COLUMNS": "200"}, timeout=600,
    )  # fmt: skip
    check(row, result.returncode, result.stdout, result.stderr)
    check_nothing_made(row, tmp_path)
    assert _tree(inputs) == before, f"rg {' '.join(row.argv)} changed its inputs"
