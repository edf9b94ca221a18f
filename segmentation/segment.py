"""``rg segment``: a folder of images in, tumour masks out, in the input's layout and geometry.

Input (IMAGES): the Kaggle layout (``<case>/<case>_<n>.tif``; mask files there are ignored, none is needed)
or NIfTI (``<case>.nii.gz`` with the channels on a 4th axis, or ``<case>_0000.nii.gz``, ``_0001``, …).
Output (OUT)::

    OUT/<case>/<case>_<n>_mask.tif          Kaggle input: one 0/255 mask per input slice, same numbers
    OUT/<case>.nii.gz                       NIfTI input: a 0/1 mask with the input's spacing, origin, direction
    OUT/probabilities/<case>/<case>_<n>.tif or OUT/probabilities/<case>.nii.gz   (``probabilities``) float32
    OUT/cases.csv                           per case: predicted voxels, ensemble agreement, channels that
                                            are a copy of FLAIR (copied_from_flair), seconds, status; and
                                            in_training when the model's card lists its training cases
    OUT/segment.json                        models (file, sha256, config), options, software, device, timing,
                                            the card's training cases (training_cases) where it lists them
    OUT/.segment/                           run.json (what made OUT) and one <case>.json per finished case

A case is finished when its ``.segment/<case>.json`` exists; it is written after the case's files, each
case's folder is renamed into place whole, so a killed run leaves finished cases and no half case, and a
rerun (same models and options) does the rest: the same files as one uninterrupted run. ``shard=(i, n)``
takes every n-th case from the i-th (0-based) of the sorted case list, for the jobs of a cluster array.
Each call rewrites ``cases.csv`` and ``segment.json`` from every finished case in OUT, whichever call and
IMAGES folder it came from (the jobs of an array, or batches of new cases into the same folder), so the
last call leaves them complete.

A shipped model's card lists the cases it was trained on (:mod:`segmentation.training_cases`); its masks of
them are in-sample, so ``cases.csv`` marks each case ``in_training`` (true/false) and ``segment.json``
records the list, for ``rg evaluate`` to summarise the others apart. Other models (run folders of
``rg train``, model files) carry no list: no ``in_training`` column, ``training_cases`` null.
"""

import json
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import tifffile
import torch

from radiogenomics.atomic import atomic_path, replace_dir, write_csv, write_json
from radiogenomics.case_io import find_case_dirs, parse_case_name, read_images, replace_mask_case
from radiogenomics.errors import InputError
from radiogenomics.nifti_io import (
    Geometry,
    NiftiCaseFiles,
    find_nifti_cases,
    holds_nifti,
    read_nifti_image,
    write_nifti,
)
from radiogenomics.progress import with_progress
from radiogenomics.versions import software_versions
from segmentation.model import LoadedModel, resolve_precision
from segmentation.predict import Segmentation, segment_volume
from segmentation.training_cases import TrainingCases, for_models

STATE = ".segment"
CASE_COLUMNS = ["case", "patient", "slices", "predicted_voxels", "agreement", "copied_from_flair", "models",
                "seconds", "status"]  # fmt: skip
#: The LGG layout's channels, in its order (the shipped model's input).
CHANNELS = ("pre-contrast", "FLAIR", "post-contrast")


@dataclass(frozen=True)
class SegmentOptions:
    """How cases are segmented (part of what makes an output folder: a rerun must use the same).

    Attributes
    ----------
    mirror : bool
        Left–right mirroring test-time augmentation.
    connectivity : {6, 18, 26} or None
        3D connectivity of the kept components; None: the model's config.
    probabilities : bool
        Also write the float probability maps under ``OUT/probabilities``.
    precision : {"auto", "bf16", "fp32"}
        Inference precision; "auto": bf16 where the device computes it natively, else fp32.
    """

    mirror: bool = False
    connectivity: int | None = None
    probabilities: bool = False
    precision: str = "auto"


@dataclass(frozen=True)
class ImageSource:
    """One case to segment: its name, layout and files."""

    name: str
    layout: str
    path: Path
    nifti: NiftiCaseFiles | None = None


@dataclass(frozen=True)
class SegmentResult:
    """What a call did: the output folder, cases written now, skipped (already done), failed (name → why)."""

    out: Path
    written: tuple[str, ...]
    skipped: tuple[str, ...]
    failed: dict[str, str] = field(default_factory=dict)
    table: pd.DataFrame | None = None


def find_image_sources(root: str | Path) -> tuple[str, list[ImageSource]]:
    """The layout (``"kaggle"`` or ``"nifti"``) of an images folder and its cases, sorted by name."""
    root = Path(root)
    if not root.is_dir():
        raise InputError(f"{root}: no such folder; give the folder that holds the images")
    if holds_nifti(root):
        return "nifti", [ImageSource(f.name, "nifti", root, f) for f in find_nifti_cases(root)]
    return "kaggle", [ImageSource(d.name, "kaggle", d) for d in find_case_dirs(root)]


def read_source(source: ImageSource) -> tuple[tuple[int, ...], np.ndarray, Geometry | None]:
    """A case's slice numbers, image (S, H, W, C) and NIfTI geometry (None for TIFF)."""
    if source.layout == "nifti":
        image, geometry = read_nifti_image(source.nifti)
        return tuple(range(1, image.shape[0] + 1)), image, geometry
    slices, image = read_images(source.path)
    return slices, image, None


def _check_places(images: Path, out: Path) -> None:
    images, out = images.resolve(), out.resolve()
    if out == images or images in out.parents or out in images.parents:
        raise InputError(
            f"--out {out}: overlaps IMAGES {images}; rg never writes into its input: choose another --out"
        )
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out}: is a file; give a folder (new or empty)")


def _check_out(out: Path, run: dict, *, overwrite: bool) -> set[str]:
    """Check OUT against this run (see the module text), writing nothing; return the cases finished there."""
    state = out / STATE
    run_path = state / "run.json"
    if run_path.is_file() and not overwrite:
        saved = json.loads(run_path.read_text())
        if saved != run:
            changed = [k for k in run if saved.get(k) != run[k]]
            raise InputError(
                f"--out {out}: holds masks made with other {', '.join(changed)}; use another --out, or "
                "--overwrite to replace them"
            )
    elif not overwrite and out.is_dir():
        others = sorted(p.name for p in out.iterdir() if p.name != STATE)
        if others:
            raise InputError(
                f"--out {out}: holds other files ({', '.join(others[:3])}{', …' if len(others) > 3 else ''}); "
                "give a new or empty folder, or --overwrite to replace masks there"
            )
    if overwrite or not state.is_dir():
        return set()
    return {p.stem for p in state.glob("*.json") if p.name != "run.json"}


def _claim_out(out: Path, run: dict, *, overwrite: bool) -> None:
    """Make OUT this run's (after :func:`_check_out` and the first case's checks): ``.segment/run.json``;
    with ``overwrite``, the records of earlier runs go."""
    state = out / STATE
    if overwrite and state.is_dir():
        for record in state.glob("*.json"):
            record.unlink()
    write_json(state / "run.json", run)


def write_case(
    out: Path, source: ImageSource, slices, geometry, result: Segmentation, *, probabilities: bool
):
    """Write one case's mask (and probabilities) in the input's layout; each file or folder atomically."""
    if source.layout == "nifti":
        if probabilities:
            write_nifti(out / "probabilities" / f"{source.name}.nii.gz", result.probabilities, geometry)
        write_nifti(out / f"{source.name}.nii.gz", result.mask, geometry)
        return
    tmp = out / STATE / "tmp"
    if probabilities:
        folder = tmp / "probabilities" / source.name
        # a run killed while writing this case left its staging folder half full (temporary files included)
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for number, plane in zip(slices, result.probabilities, strict=True):
            with atomic_path(folder / f"{source.name}_{number}.tif") as path:
                tifffile.imwrite(path, plane.astype(np.float32), photometric="minisblack")
        replace_dir(folder, out / "probabilities" / source.name)
    replace_mask_case(out, source.name, slices, result.mask, staging=tmp)


def copied_from_flair(image: np.ndarray) -> str:
    """The channels of ``image`` (S, H, W, C) that are exact copies of its FLAIR channel, by name, joined by
    ``+`` ("" when none, or when ``image`` is not 3 channels in the LGG order).

    The LGG dataset puts a copy of FLAIR in place of a sequence that was not acquired (9 of the 81 shipped
    cases: 6 without pre- and post-contrast, 3 without post-contrast). A model trained without modality dropout
    segments such cases less well (its cross-validation on the 81: Dice 0.68 mean on them, 0.78 on the others);
    the shipped model, trained with it, 0.83 and 0.79.
    """
    if image.ndim != 4 or image.shape[-1] != len(CHANNELS):
        return ""
    flair = CHANNELS.index("FLAIR")
    others = [c for c in range(len(CHANNELS)) if c != flair]
    return "+".join(CHANNELS[c] for c in others if np.array_equal(image[..., c], image[..., flair]))


def _run_record(models: list[LoadedModel], options: SegmentOptions, layout: str) -> dict:
    """What makes an output folder: the model files' hashes, the options, the layout (compared on reruns)."""
    return {"models": [m.sha256 for m in models], "options": asdict(options), "layout": layout}


def _channel_mismatch(models: list[LoadedModel], image: np.ndarray, source: ImageSource) -> str | None:
    """The message for images whose channel count a model does not take, else None."""
    for model in models:
        if image.shape[-1] != model.in_channels:
            where = source.path if source.layout == "kaggle" else source.nifti.images[0]
            return (
                f"{where}: images have {image.shape[-1]} channel(s), model {model.path} takes "
                f"{model.in_channels}; give images with the channels it was trained on (its card or config)"
            )
    return None


def segment_folder(
    images: str | Path,
    out: str | Path,
    models: list[LoadedModel],
    *,
    options: SegmentOptions = SegmentOptions(),
    shard: tuple[int, int] | None = None,
    overwrite: bool = False,
    device: torch.device | str = "cpu",
    progress: bool = False,
) -> SegmentResult:
    """Segment every case of ``images`` (or a shard of them) into ``out`` (see the module text).

    Parameters
    ----------
    images : path
        The images folder, Kaggle layout or NIfTI; never written to.
    out : path
        The masks folder: new or empty, or one this function wrote with the same models and options (it
        then resumes); anything else needs ``overwrite``.
    models : list of LoadedModel
        One model, or an ensemble (probabilities averaged; agreement reported).
    options : SegmentOptions
    shard : (i, n), optional
        Only cases i, i + n, i + 2n, … of the sorted list (0 <= i < n).
    overwrite : bool
        Replace what ``out`` holds (cases are rewritten as they are segmented).
    device : torch.device or str
        Where the models are.
    progress : bool
        Progress on stderr (:mod:`radiogenomics.progress`: a bar on a terminal, else a line now and then).

    Returns
    -------
    SegmentResult
        ``failed`` names each case that could not be read or segmented; the others are written.
    """
    images, out = Path(images), Path(out)
    if shard is not None and not (0 <= shard[0] < shard[1]):
        raise InputError(f"--shard {shard[0]}/{shard[1]}: expected I/N with 0 <= I < N (e.g. 0/4 … 3/4)")
    _check_places(images, out)
    layout, sources = find_image_sources(images)
    mine = sources if shard is None else sources[shard[0] :: shard[1]]
    run = _run_record(models, options, layout)
    done = _check_out(out, run, overwrite=overwrite)
    written, skipped, failed = [], [], {}
    fitted = False  # whether a case has shown the models fit the data's channels
    claimed = False  # OUT is made only once the checks have passed: a refused call leaves nothing
    for source in with_progress(mine, desc="segment", enabled=progress):
        if source.name in done:
            skipped.append(source.name)
            continue
        start = time.perf_counter()
        try:
            slices, image, geometry = read_source(source)
        except InputError as err:
            failed[source.name] = str(err)
            continue
        mismatch = _channel_mismatch(models, image, source)
        if mismatch and not fitted:  # a model that does not fit the data: one error, not one per case
            raise InputError(mismatch)
        if mismatch:
            failed[source.name] = mismatch
            continue
        fitted = True
        if not claimed:
            _claim_out(out, run, overwrite=overwrite)
            claimed = True
        result = segment_volume(models, image, device=device, mirror=options.mirror,
                                precision=options.precision, connectivity=options.connectivity)  # fmt: skip
        write_case(out, source, slices, geometry, result, probabilities=options.probabilities)
        record = {"case": source.name, "patient": parse_case_name(source.name)[0], "slices": len(slices),
                  "predicted_voxels": int(result.mask.sum()), "agreement": result.agreement,
                  "copied_from_flair": copied_from_flair(image), "models": len(models),
                  "seconds": time.perf_counter() - start, "status": "ok"}  # fmt: skip
        write_json(out / STATE / f"{source.name}.json", record)
        written.append(source.name)
    if not claimed:  # every case skipped or unreadable
        _claim_out(out, run, overwrite=overwrite)
    training = for_models(m.sha256 for m in models)
    table = _gather(out, failed, training)
    _write_record(out, models, options, layout, sources, table, training, device=device, shard=shard)
    return SegmentResult(out, tuple(written), tuple(skipped), failed, table)


def _gather(out: Path, failed: dict[str, str], training: TrainingCases | None) -> pd.DataFrame:
    """``cases.csv``: the record of every finished case in OUT (of this call's IMAGES or an earlier call's),
    and a row per case that failed in this call; by case name; ``in_training`` where the models' card lists
    their training cases."""
    records = {p.stem: p for p in (out / STATE).glob("*.json") if p.name != "run.json"}
    rows = []
    for name in sorted(records.keys() | failed.keys()):
        if name in records:
            rows.append(json.loads(records[name].read_text()))
        else:
            rows.append({"case": name, "patient": parse_case_name(name)[0],
                         "status": f"error: {failed[name]}"})  # fmt: skip
    table = pd.DataFrame(rows, columns=CASE_COLUMNS)
    if training is not None:
        table["in_training"] = training.marks(table["case"])
    write_csv(out / "cases.csv", table, index=False, float_format="%.6g")
    return table


def _training_entry(training: TrainingCases | None, finished: pd.DataFrame) -> dict | None:
    """``segment.json``'s ``training_cases``: the card's list and how many finished cases of OUT are on it."""
    if training is None:
        return None
    return {**training.to_json(), "in_this_folder": int(finished["in_training"].sum()),
            "note": "the model's masks of these cases are in-sample: not an estimate of its accuracy"}  # fmt: skip


def _write_record(out, models, options, layout, sources, table, training, *, device, shard) -> None:
    """``segment.json``: how OUT was made; ``cases`` counts every finished case in OUT (``finished``) and
    those of this call's IMAGES (``input``, ``input_finished``; ``complete`` when all of them are)."""
    finished = table[table["status"] == "ok"]
    input_finished = int(finished["case"].isin([s.name for s in sources]).sum())
    write_json(
        out / "segment.json",
        {
            "models": [
                {
                    "file": str(m.path),
                    "sha256": m.sha256,
                    "epoch": m.epoch,
                    "in_channels": m.in_channels,
                    "config": m.config.to_json(),
                }
                for m in models
            ],  # fmt: skip
            "ensemble": "mean of the models' probabilities in the original geometry"
            if len(models) > 1
            else None,
            "options": asdict(options),
            "post_processing": {
                "threshold": models[0].config.threshold,
                "keep_components": models[0].config.keep_components,
                "connectivity": options.connectivity or models[0].config.connectivity,
            },
            "agreement": "mean Dice over pairs of the models' own masks (NaN for one model): low values flag "
            "cases to review",
            "layout": layout,
            "cases": {
                "input": len(sources),
                "finished": len(finished),
                "input_finished": input_finished,
                "complete": input_finished == len(sources),
            },
            "training_cases": _training_entry(training, finished),
            "seconds_per_case": float(finished["seconds"].mean()) if len(finished) else None,
            "shard": None if shard is None else f"{shard[0]}/{shard[1]}",
            "device": str(device),
            "precision": resolve_precision(options.precision, torch.device(device)),
            "threads": torch.get_num_threads(),
            "software": software_versions("torch", "numpy", "SimpleITK", "tifffile"),
        },
    )
