"""Cases in the Kaggle LGG layout: one folder a case, one TIFF a slice.

::

    ROOT/TCGA_CS_4941_19960909/TCGA_CS_4941_19960909_1.tif        (H, W, 3) uint8 image
    ROOT/TCGA_CS_4941_19960909/TCGA_CS_4941_19960909_1_mask.tif   (H, W) uint8 mask, 0/255

Slices are ordered by the number in the file name (``_10`` after ``_9``). A case folder named
``TCGA_<inst>_<id>_<yyyymmdd>`` belongs to patient ``TCGA_<inst>_<id>`` of institution ``<inst>``; any
other folder name is its own patient id with an empty institution.
"""

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import tifffile

from radiogenomics.atomic import atomic_path, replace_dir
from radiogenomics.errors import InputError

TCGA_PATIENT = re.compile(r"^TCGA_(?P<institution>[A-Za-z0-9]+)_[A-Za-z0-9]+$")
TCGA_CASE = re.compile(r"^(?P<patient>TCGA_(?P<institution>[A-Za-z0-9]+)_[A-Za-z0-9]+)_(?P<date>\d{8})$")
_SLICE_FILE = re.compile(r"^(?P<prefix>.+)_(?P<number>\d+)(?P<mask>_mask)?\.tiff?$", re.IGNORECASE)


@dataclass(frozen=True)
class Case:
    """One case: its mask, optionally its image, and where it came from.

    Attributes
    ----------
    name : str
        Case name (the folder name, e.g. ``TCGA_CS_4941_19960909``).
    patient, institution : str
        Patient id (``TCGA_CS_4941``) and institution code (``CS``); institution is ``""`` if unknown.
    slices : tuple of int
        Slice numbers from the file names, ascending.
    mask : (S, H, W) ndarray of bool
    image : (S, H, W, C) ndarray of uint8, or None
        None when the case was read with ``images=False``.
    spacing : tuple of 3 floats, or None
        Voxel size along (slice, row, column) in mm; None when the files carry none (TIFF layout).
    path : Path
        The case folder (or NIfTI mask file).
    """

    name: str
    patient: str
    institution: str
    slices: tuple[int, ...]
    mask: np.ndarray
    image: np.ndarray | None = None
    spacing: tuple[float, float, float] | None = None
    path: Path | None = None


def parse_case_name(name: str) -> tuple[str, str]:
    """Return ``(patient, institution)`` for a case folder name (institution ``""`` if not TCGA-style)."""
    match = TCGA_CASE.match(name)
    if match is None:
        return name, ""
    return match["patient"], match["institution"]


def institution_of(name: str) -> str:
    """Institution code of a patient id or case name (``TCGA_<inst>_<id>[_<date>]`` -> ``<inst>``), else ``""``."""
    match = TCGA_CASE.match(name) or TCGA_PATIENT.match(name)
    return match["institution"] if match else ""


@dataclass(frozen=True)
class SliceFiles:
    """The slice files of one case folder: numbers ascending, and per number its image and mask path."""

    numbers: tuple[int, ...]
    images: dict[int, Path]
    masks: dict[int, Path]


def list_slice_files(case_dir: str | Path, *, images: bool = True, masks: bool = True) -> SliceFiles:
    """Find and check the slice files of a case folder, without reading them.

    Raises :class:`InputError` for an empty folder, a TIFF whose name is not ``<case>_<n>[_mask].tif``,
    a duplicate or missing slice number, and (with ``images=True``) an image without a mask or a mask
    without an image. ``masks=False`` (with ``images=True``) lists the images alone: mask files may be
    there or not, and are ignored (a folder of new images to segment).
    """
    case_dir = Path(case_dir)
    if not case_dir.is_dir():
        raise InputError(f"{case_dir}: not a folder; give a case folder of the Kaggle layout")
    image_files: dict[int, Path] = {}
    mask_files: dict[int, Path] = {}
    for path in sorted(case_dir.iterdir()):
        if path.name.startswith(".") or path.suffix.lower() not in (".tif", ".tiff"):
            continue
        match = _SLICE_FILE.match(path.name)
        if match is None or match["prefix"] != case_dir.name:
            raise InputError(
                f"{path}: file name is not {case_dir.name}_<n>.tif or {case_dir.name}_<n>_mask.tif; "
                "rename it or move it out of the case folder"
            )
        number = int(match["number"])
        target = mask_files if match["mask"] else image_files
        if number in target:
            raise InputError(
                f"{path}: slice {number} appears twice (also {target[number].name}); remove one of them"
            )
        target[number] = path
    if not mask_files and not image_files:
        raise InputError(f"{case_dir}: case folder holds no slice TIFFs; remove it or add its slices")
    if images and not masks:
        if not image_files:
            raise InputError(f"{case_dir}: case folder holds no image slices (<case>_<n>.tif); add them")
        mask_files = {}
    elif images:
        for number in sorted(set(image_files) - set(mask_files)):
            raise InputError(
                f"{image_files[number]}: image has no mask; add {case_dir.name}_{number}_mask.tif"
            )
        for number in sorted(set(mask_files) - set(image_files)):
            raise InputError(f"{mask_files[number]}: mask has no image; add {case_dir.name}_{number}.tif")
    elif not mask_files:
        raise InputError(f"{case_dir}: case folder holds no *_mask.tif files; masks are needed")
    numbers = sorted(mask_files) if mask_files else sorted(image_files)
    missing = sorted(set(range(numbers[0], numbers[-1] + 1)) - set(numbers))
    if missing:
        raise InputError(
            f"{case_dir}: slice numbers jump over {missing[:5]}; every slice from {numbers[0]} to "
            f"{numbers[-1]} must be present"
        )
    return SliceFiles(tuple(numbers), image_files if images else {}, mask_files)


def read_tiff(path: str | Path) -> np.ndarray:
    """Read one TIFF page into an array; :class:`InputError` names the file if it cannot be read."""
    try:
        return tifffile.imread(path)
    except Exception as err:  # tifffile raises many types for damaged files
        raise InputError(
            f"{path}: cannot read TIFF ({err}); the file is damaged or truncated: replace it"
        ) from err


def mask_to_bool(mask: np.ndarray, *, source: str | Path) -> np.ndarray:
    """Turn a 0/255 or 0/1 mask into bool; :class:`InputError` for any other values."""
    if mask.dtype == bool:
        return mask
    top = mask.max(initial=0)
    if top not in (0, 1, 255) or np.count_nonzero(mask[mask != 0] != top):
        values = np.unique(mask)
        raise InputError(
            f"{source}: mask values are {values[:6].tolist()}{'...' if values.size > 6 else ''}; "
            "expected 0/255 or 0/1: binarise the mask"
        )
    return mask != 0


def odd_one_out(values: list) -> tuple[int, object] | None:
    """The first entry that differs from the most common value, and that value; None if all are equal.

    The expectation is the majority, not the first entry read, so that an odd first slice (or case) is
    the one named, not the healthy one read after it. On a tie the earliest value wins.
    """
    counts: dict = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    usual = max(counts, key=counts.get)
    odd = next((i for i, value in enumerate(values) if value != usual), None)
    return None if odd is None else (odd, usual)


def _stack(paths: list[Path], what: str) -> np.ndarray:
    """Read and stack a case's slices, each checked against the case: same shape, same dtype."""
    arrays = [read_tiff(p) for p in paths]
    for attribute, fix in (("shape", "resize it"), ("dtype", "convert it to the case's bit depth")):
        found = odd_one_out([str(getattr(a, attribute)) for a in arrays])
        if found is not None:
            index, usual = found
            raise InputError(
                f"{paths[index]}: {what} {attribute} is {getattr(arrays[index], attribute)}, "
                f"{sum(str(getattr(a, attribute)) == usual for a in arrays)} of the case's {len(arrays)} "
                f"slices are {usual}; {fix}"
            )
    if what == "mask":
        for path, array in zip(paths, arrays, strict=True):
            mask_to_bool(array, source=path)
    return np.stack(arrays)


def read_images(case_dir: str | Path) -> tuple[tuple[int, ...], np.ndarray]:
    """Read the images of a Kaggle case folder, with or without masks beside them.

    Returns
    -------
    slices : tuple of int
        Slice numbers from the file names, ascending.
    image : (S, H, W, C) ndarray
        As stored (uint8 in the dataset); a single-channel image gets C = 1.
    """
    files = list_slice_files(case_dir, images=True, masks=False)
    image = _stack([files.images[n] for n in files.numbers], "image")
    return files.numbers, image if image.ndim == 4 else image[..., np.newaxis]


def read_case(case_dir: str | Path, *, images: bool = True) -> Case:
    """Read a case folder of the Kaggle layout.

    Parameters
    ----------
    case_dir : path
        The case folder.
    images : bool
        Also read the images (False: masks only, e.g. a folder of manual or predicted masks).

    Returns
    -------
    Case
        ``mask`` (S, H, W) bool and, with ``images``, ``image`` (S, H, W, C) uint8 (a single-channel
        image gets C = 1).
    """
    case_dir = Path(case_dir)
    files = list_slice_files(case_dir, images=images)
    mask_paths = [files.masks[n] for n in files.numbers]
    mask = _stack(mask_paths, "mask") != 0  # values checked per file
    image = None
    if images:
        image = _stack([files.images[n] for n in files.numbers], "image")
        if image.ndim == 3:
            image = image[..., np.newaxis]
        if image.shape[:3] != mask.shape:
            raise InputError(
                f"{case_dir}: masks are {mask.shape[1:]}, images are {image.shape[1:3]}; "
                "each mask must match its slice"
            )
    patient, institution = parse_case_name(case_dir.name)
    return Case(case_dir.name, patient, institution, files.numbers, mask, image, None, case_dir)


def find_case_dirs(root: str | Path) -> list[Path]:
    """The case folders under ``root``, sorted by name: sub-folders that hold TIFF files.

    ``root`` may itself be one case folder. :class:`InputError` if it holds no case.
    """
    root = Path(root)
    if not root.is_dir():
        raise InputError(f"{root}: no such folder; give the folder that holds the case folders")
    if any(p.suffix.lower() in (".tif", ".tiff") for p in root.iterdir() if p.is_file()):
        return [root]
    dirs = [p for p in sorted(root.iterdir()) if p.is_dir() and not p.name.startswith(".")]
    cases = [d for d in dirs if any(f.suffix.lower() in (".tif", ".tiff") for f in d.iterdir())]
    empty = [d for d in dirs if not any(d.iterdir())]
    if empty:
        raise InputError(f"{empty[0]}: case folder is empty; remove it or add its slices")
    if not cases:
        raise InputError(
            f"{root}: holds no case folders (sub-folders with <case>_<n>.tif slices); "
            "give the folder of the Kaggle layout (kaggle_3m)"
        )
    return cases


def iter_cases(root: str | Path, *, images: bool = True) -> Iterator[Case]:
    """Read the cases under ``root`` one at a time (a whole dataset is never held in memory)."""
    for case_dir in find_case_dirs(root):
        yield read_case(case_dir, images=images)


def write_mask_case(
    out_root: str | Path, case: str, slices: tuple[int, ...] | list[int], mask: np.ndarray
) -> Path:
    """Write a case's masks in the Kaggle layout: ``OUT/<case>/<case>_<n>_mask.tif``, 0/255 uint8.

    Each file is written atomically. Returns the case folder.

    Parameters
    ----------
    mask : (S, H, W) ndarray of bool
        One slice per entry of ``slices``.
    """
    if mask.ndim != 3 or mask.shape[0] != len(slices):
        raise ValueError(f"mask is {mask.shape}; expected (S, H, W) with S = {len(slices)} slices")
    case_dir = Path(out_root) / case
    case_dir.mkdir(parents=True, exist_ok=True)
    data = np.where(mask, np.uint8(255), np.uint8(0))
    for number, plane in zip(slices, data, strict=True):
        with atomic_path(case_dir / f"{case}_{number}_mask.tif") as tmp:
            tifffile.imwrite(tmp, plane, photometric="minisblack")
    return case_dir


def replace_mask_case(
    out_root: str | Path,
    case: str,
    slices: tuple[int, ...] | list[int],
    mask: np.ndarray,
    *,
    staging: str | Path,
) -> Path:
    """Write a case's masks as :func:`write_mask_case` does, but the whole folder at once.

    The masks go to an empty ``STAGING/<case>`` first (what a killed earlier write left there is removed),
    then that folder replaces ``OUT/<case>``: a kill never leaves a half-written case, nor an atomic write's
    temporary file, in ``OUT``. ``staging`` must be on the same file system as ``out_root``. Returns the
    case folder.
    """
    staged = Path(staging) / case
    shutil.rmtree(staged, ignore_errors=True)
    write_mask_case(staging, case, slices, mask)
    return replace_dir(staged, Path(out_root) / case)


def write_image_case(
    out_root: str | Path, case: str, slices: tuple[int, ...] | list[int], image: np.ndarray
) -> Path:
    """Write a case's images in the Kaggle layout: ``OUT/<case>/<case>_<n>.tif``, (H, W, 3) uint8 RGB."""
    if image.ndim != 4 or image.shape[0] != len(slices):
        raise ValueError(f"image is {image.shape}; expected (S, H, W, C) with S = {len(slices)} slices")
    case_dir = Path(out_root) / case
    case_dir.mkdir(parents=True, exist_ok=True)
    for number, plane in zip(slices, image, strict=True):
        with atomic_path(case_dir / f"{case}_{number}.tif") as tmp:
            tifffile.imwrite(tmp, plane, photometric="rgb" if plane.shape[-1] == 3 else "minisblack")
    return case_dir
