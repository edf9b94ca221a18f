"""The study as one resumable chain of steps, each a plain file or folder under ``OUT``:

===========================  ==========================================================================
``study.json``               the preset (recipe and design); a rerun with another preset is refused
``verify.txt``               DATA checked against its manifest (a partial download is accepted, and said)
``train/``                   ``rg train``: folds, checkpoints, out-of-fold masks (``train/oof_masks``)
``evaluate/``                ``rg evaluate``: out-of-fold masks against the manual masks, figures
``features_predicted.csv``   ``rg features`` of the out-of-fold masks (+ ``.json``)
``features_manual.csv``      ``rg features`` of the manual masks (+ ``.json``)
``agreement.csv``            ``rg agree``: ICC(2,1), ICC(3,1), Spearman per feature (+ ``.json``)
``associations_*.csv``       ``rg associate`` on each mask set (+ ``.json``)
``summary.csv``              ours beside the study's: Dice, each hypothesis's p on both mask sets
``steps.csv``                what each step cost (seconds) and when it ran
``index.html``               the report (:mod:`study.report`)
===========================  ==========================================================================

Every step is skipped when its output is already there (and, where a sidecar names its digest, intact);
training resumes from its checkpoints. With ``fold=K`` only that fold trains (a job of a SLURM array);
a later call without it trains what is left, gathers and runs the rest.
"""

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from radiogenomics.atomic import write_csv, write_json, write_text
from radiogenomics.errors import InputError
from radiogenomics.outputs import check_outputs, sidecar_path
from segmentation.config import TrainConfig
from study.presets import STUDY_BOUNDS, STUDY_DICE, Design, Preset

SIDES = ("predicted", "manual")


@dataclass(frozen=True)
class StudyResult:
    """Where a call left the study: finished (``report`` set) or waiting for folds."""

    out: Path
    complete: bool
    folds_left: tuple[int, ...]
    summary: pd.DataFrame | None
    report: Path | None


def _done(path: Path) -> bool:
    """An output is done when it exists and, where it has a sidecar, the sidecar's digests match."""
    if not path.exists():
        return False
    sidecar = sidecar_path(path)
    return not sidecar.exists() or not check_outputs(sidecar)


class Steps:
    """Runs a step unless its output is done; records each run step's seconds in ``OUT/steps.csv``."""

    def __init__(self, out: Path, echo: Callable[[str], None], *, record: bool = True):
        self.path = out / "steps.csv"
        self.keep = record  # the jobs of an array share OUT: only the gathering call writes steps.csv
        self.table = pd.read_csv(self.path) if self.path.exists() else pd.DataFrame(
            columns=["step", "seconds", "machine", "finished"]
        )  # fmt: skip
        self.echo = echo

    def run(self, name: str, output: Path, work: Callable[[], object], *, always: bool = False) -> None:
        if not always and _done(output):
            self.echo(f"{name}: {output} (already there)")
            return
        self.echo(f"{name} -> {output}")
        start = time.perf_counter()
        work()
        self.record(name, time.perf_counter() - start)

    def record(self, name: str, seconds: float) -> None:
        if not self.keep:
            return
        row = {"step": name, "seconds": round(seconds, 1), "machine": machine(),
               "finished": datetime.now(UTC).isoformat(timespec="seconds")}  # fmt: skip
        self.table = pd.concat(
            [self.table[self.table["step"] != name], pd.DataFrame([row])], ignore_index=True
        )
        write_csv(self.path, self.table, index=False)


def machine() -> str:
    """This machine in a few words: CPU model and cores, and the GPU torch sees, if any."""
    import os
    import platform

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import torch

    gpu = f"; {torch.cuda.get_device_name(0)}" if torch.cuda.is_available() else ""
    return f"{cpu}, {os.cpu_count()} cores, {torch.get_num_threads()} threads{gpu}"


def check_study(out: Path, preset: Preset) -> None:
    """Check that ``OUT/study.json``, where there is one, names the same preset (a folder holds one study).

    A setting that a saved ``study.json`` lacks (made before the setting existed) reads as its default, the
    value that version ran with (as :meth:`~segmentation.config.TrainConfig.from_json` reads a model's config).
    """
    path = out / "study.json"
    wanted = json.loads(json.dumps(preset.to_json()))  # tuples as lists, as saved
    if path.exists():
        saved = json.loads(path.read_text())
        if saved.get("name") != wanted["name"]:
            raise InputError(
                f"{out}: holds a study run with preset {saved.get('name')!r} ({path}); rerun with "
                f"--preset {saved.get('name')}, or give a new --out"
            )
        defaults = json.loads(json.dumps({"train": TrainConfig().to_json(), "design": asdict(Design())}))
        values = {part: {**defaults[part], **saved.get(part, {})} for part in ("train", "design")}
        changed = [
            f"{key} {values[part].get(key)}"
            for part in ("train", "design")
            for key, value in wanted[part].items()
            if values[part].get(key) != value
        ]
        if changed:
            raise InputError(
                f"{out}: holds a study run of preset {wanted['name']} with other settings ({', '.join(changed)}; "
                f"see {path}); rerun with those, or give a new --out"
            )


def write_study(out: Path, preset: Preset) -> None:
    """``OUT/study.json``: the preset the folder's study runs (once its checks have passed)."""
    write_json(out / "study.json", preset.to_json())


def verify_data(data: Path, out: Path, manifest: Path | None) -> str:
    """Check DATA against ``manifest`` (default: the LGG manifest when DATA's cases are LGG cases) and write
    the report to ``OUT/verify.txt``; where DATA does not match, write nothing and raise."""
    from radiogenomics.case_io import find_case_dirs
    from radiogenomics.manifest import STATUSES, format_report, read_manifest, verify_download

    if manifest is None:
        names = {p.name for p in find_case_dirs(data)}
        if not names or not names <= set(read_manifest()["case"]):
            text = f"{data}: no manifest for these cases; not verified (give --manifest FILE to verify)\n"
            write_text(out / "verify.txt", text)
            return text
    report = verify_download(data, manifest, partial=True)
    if not report.ok:  # no verify.txt: a rerun verifies again
        off = ", ".join(f"{n} {status}" for status in STATUSES[2:] if (n := report.count(status)))
        given = f" --manifest {manifest}" if manifest is not None else ""
        raise InputError(
            f"{data}: does not match its manifest ({off or 'files differ'}; rg data verify {data}{given} "
            "--partial lists them); fix or re-download it"
        )
    text = format_report(report) + "\n"
    write_text(out / "verify.txt", text)
    return text


def _evaluate(oof: Path, data: Path, out: Path, progress: bool, echo: Callable[[str], None]) -> None:
    from segmentation.evaluate import evaluate_folders, write_evaluation
    from segmentation.evaluate_figures import write_figures, write_index

    result = evaluate_folders(oof, data, progress=progress)
    write_evaluation(result, out)
    for line in result.problems(oof, data):  # also in evaluate/per_case.csv's status column
        echo(f"evaluate: {line}")
    write_index(result, write_figures(result, out, images=data, progress=progress), out)


def _features(root: Path, path: Path, *, pyradiomics: bool, jobs: int, progress: bool) -> None:
    from radiogenomics.features import extract_features, write_features

    write_features(extract_features(root, jobs=jobs, pyradiomics=pyradiomics, progress=progress), path)


def analyse_masks(
    predicted: Path,
    data: Path,
    out: Path,
    design: Design,
    clinical: Path,
    steps: Steps,
    *,
    jobs: int = 1,
    progress: bool = True,
) -> None:
    """The steps after training, into OUT: ``evaluate/`` (the predicted masks against DATA's manual masks),
    ``features_{predicted,manual}.csv``, ``agreement.csv`` and ``associations_{predicted,manual}.csv``
    (the design's family or pairs, genomic labels from ``clinical``); each skipped when done."""
    steps.run(
        "evaluate",
        out / "evaluate" / "summary.json",
        lambda: _evaluate(predicted, data, out / "evaluate", progress, steps.echo),
    )
    for side, root in zip(SIDES, (predicted, data), strict=True):
        path = out / f"features_{side}.csv"
        steps.run(f"features ({side})", path, lambda root=root, path=path: _features(
            root, path, pyradiomics=design.pyradiomics, jobs=jobs, progress=progress))  # fmt: skip

    from radiogenomics.stats.run import run_agree, run_associate

    steps.run("agree", out / "agreement.csv", lambda: run_agree(
        out / "features_predicted.csv", out / "features_manual.csv", out / "agreement.csv"))  # fmt: skip
    for side in SIDES:
        path = out / f"associations_{side}.csv"
        steps.run(f"associate ({side})", path, lambda side=side, path=path: run_associate(
            out / f"features_{side}.csv", clinical, path, preset_name=design.hypotheses,
            feature_names=None if design.features is None else list(design.features),
            labels=None if design.labels is None else list(design.labels)))  # fmt: skip


def summary_table(out: Path) -> pd.DataFrame:
    """Ours beside the study's: Dice mean and median, then each confirmatory hypothesis (or, without a
    family, each tested pair) with p on the manual and on the predicted masks and the study's bound (for the
    confirmatory family only: the study reported its bounds for its own hypotheses).

    Returns
    -------
    DataFrame with columns ``quantity, feature, label, manual, predicted, reject_manual,
    reject_predicted, study, study_note``
    """
    evaluation = json.loads((out / "evaluate" / "summary.json").read_text())["metrics"]["dice"]
    rows = [
        {"quantity": f"Dice {stat} (per patient)", "predicted": evaluation[stat], "study": f"{STUDY_DICE[stat]:.4f}",
         "study_note": STUDY_DICE["source"]}
        for stat in ("mean", "median")
    ]  # fmt: skip
    tables = {side: pd.read_csv(out / f"associations_{side}.csv") for side in SIDES}
    for side, table in tables.items():
        family = "confirmatory" if (table["family"] == "confirmatory").any() else "exploratory"
        tables[side] = table[(table["family"] == family) & (table["test"] == "fisher")].set_index(
            ["feature", "label"]
        )
    for (feature, label), manual in tables["manual"].iterrows():
        predicted = (
            tables["predicted"].loc[(feature, label)]
            if (feature, label) in tables["predicted"].index
            else None
        )
        bound, kind = (  # the study's bounds are for its family on the LGG set, not for an exploratory design
            STUDY_BOUNDS.get((feature, label), ("", "not reported"))
            if manual["family"] == "confirmatory"
            else ("", "")
        )
        rows.append({
            "quantity": f"Fisher p ({manual['family']})", "feature": feature, "label": label,
            "manual": manual["p"], "predicted": None if predicted is None else predicted["p"],
            "reject_manual": bool(manual["reject"]),
            "reject_predicted": None if predicted is None else bool(predicted["reject"]),
            "study": bound, "study_note": kind,
        })  # fmt: skip
    columns = ["quantity", "feature", "label", "manual", "predicted", "reject_manual", "reject_predicted",
               "study", "study_note"]  # fmt: skip
    return pd.DataFrame(rows).reindex(columns=columns)


def run_study(
    data: str | Path,
    out: str | Path,
    preset: Preset,
    *,
    fold: int | None = None,
    clinical: str | Path | None = None,
    manifest: str | Path | None = None,
    device: str | None = None,
    jobs: int = 1,
    progress: bool = True,
    echo: Callable[[str], None] = print,
) -> StudyResult:
    """Run (or resume) the study on DATA (Kaggle layout: images, manual masks, ``data.csv``) into OUT.

    Parameters
    ----------
    data : path
        Cases in the Kaggle layout with their manual masks.
    out : path
        The study folder (see the module text).
    preset : Preset
        Recipe and design (:data:`study.presets.PRESETS`).
    fold : int, optional
        Train this fold only and stop (one job of an array; the call without ``fold`` gathers and goes
        on); None: the whole study (training the folds not done).
    clinical : path, optional
        The genomic table; default ``DATA/data.csv``.
    manifest : path, optional
        The manifest to verify DATA against; default: the LGG manifest when DATA holds LGG cases.
    device, jobs, progress, echo
        Training device ("auto", "cpu", "cuda"…), worker processes of the feature step, progress bars,
        where step lines go.
    """
    from segmentation.train import train_cv

    data, out = Path(data), Path(out)
    clinical = Path(clinical) if clinical is not None else data / "data.csv"
    if not clinical.is_file():
        raise InputError(f"{clinical}: no genomic table; give --clinical FILE (the LGG set's data.csv)")
    check_study(out, preset)  # the checks first: a refused call makes nothing (OUT included)
    steps = Steps(out, echo, record=fold is None)  # a fold's cost: train/fold_K/log.csv
    steps.run("verify", out / "verify.txt", lambda: echo(verify_data(data, out, manifest).rstrip()))
    if not (out / "study.json").exists():
        write_study(out, preset)

    run = out / "train"
    if fold is not None or not (run / "summary.json").exists():  # summary.json: every fold done, gathered
        what = "train" if fold is None else f"train fold {fold}"
        echo(f"{what} ({preset.description}) -> {run}")
        start = time.perf_counter()
        result = train_cv(data, run, preset.train, fold=fold, device=device, progress=progress)
        steps.record(what, time.perf_counter() - start)
        if (
            fold is not None or not result.complete
        ):  # one job of an array stops here; the gathering call goes on
            left = tuple(
                k for k in range(result.folds_total) if not (run / f"fold_{k}" / "done.json").exists()
            )
            return StudyResult(out, False, left, None, None)
    else:
        echo(f"train: {run} (already there)")

    analyse_masks(run / "oof_masks", data, out, preset.design, clinical, steps, jobs=jobs, progress=progress)
    summary = summary_table(out)
    write_csv(out / "summary.csv", summary, index=False)

    from study.report import write_study_report

    report = out / "index.html"
    steps.run("report", report, lambda: write_study_report(out, data=data, clinical=clinical), always=True)
    return StudyResult(out, True, (), summary, report)
