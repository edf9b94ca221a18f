"""NIfTI volumes and masks through SimpleITK, with spacing, origin and direction kept.

Arrays are in SimpleITK's NumPy order (slice, row, column) = (z, y, x); :class:`Geometry` keeps
``spacing`` in that array order and ``origin``/``direction`` in SimpleITK's physical (x, y, z) order, so a
volume written back has the geometry it was read with.

A NIfTI dataset is a folder of files per case::

    <case>.nii.gz  or  <case>_0000.nii.gz, <case>_0001.nii.gz, ...   image (one file, or one per modality)
    <case>_mask.nii.gz                                               mask (0/1 or 0/255)

A ``_dddd`` suffix names a modality only when the case has a ``_0000`` file, so a case whose own name ends
in four digits (``TCGA_NI_0002.nii.gz``) keeps its name.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import SimpleITK as sitk

from radiogenomics.atomic import atomic_path
from radiogenomics.case_io import Case, mask_to_bool, parse_case_name
from radiogenomics.errors import InputError

_NIFTI = re.compile(r"^(?P<case>.+?)(?:_(?P<modality>\d{4})|_(?P<mask>mask))?\.nii(?:\.gz)?$")


@dataclass(frozen=True)
class Geometry:
    """Where a volume sits in space.

    Attributes
    ----------
    spacing : tuple of 3 floats
        Voxel size along (slice, row, column), in mm.
    origin : tuple of 3 floats
        Physical position of voxel (0, 0, 0), (x, y, z) in mm.
    direction : tuple of 9 floats
        Direction cosines, row-major 3×3, as SimpleITK gives them.
    """

    spacing: tuple[float, float, float] = (1.0, 1.0, 1.0)
    origin: tuple[float, float, float] = (0.0, 0.0, 0.0)
    direction: tuple[float, ...] = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0)

    def matches(self, other: "Geometry", *, tol: float = 1e-4) -> bool:
        """True when spacing, origin and direction agree within ``tol``."""
        return all(
            np.allclose(a, b, atol=tol)
            for a, b in [
                (self.spacing, other.spacing),
                (self.origin, other.origin),
                (self.direction, other.direction),
            ]
        )


def read_nifti(path: str | Path) -> tuple[np.ndarray, Geometry]:
    """Read a NIfTI file: array (S, R, C) or (S, R, C, K) for a multi-channel image, and its geometry."""
    try:
        image = sitk.ReadImage(str(path))
    except RuntimeError as err:
        raise InputError(
            f"{path}: cannot read NIfTI ({str(err).strip().splitlines()[-1]}); replace it"
        ) from err
    if image.GetDimension() != 3:
        raise InputError(f"{path}: image has {image.GetDimension()} dimensions; expected a 3D volume")
    geometry = Geometry(
        spacing=tuple(float(s) for s in reversed(image.GetSpacing())),
        origin=tuple(float(o) for o in image.GetOrigin()),
        direction=tuple(float(d) for d in image.GetDirection()),
    )
    return sitk.GetArrayFromImage(image), geometry


def write_nifti(path: str | Path, array: np.ndarray, geometry: Geometry = Geometry()) -> Path:
    """Write an (S, R, C) volume, or (S, R, C, K) multi-channel image, atomically with its geometry.

    Bool arrays are written as uint8 0/1.
    """
    if array.ndim not in (3, 4):
        raise ValueError(f"array is {array.shape}; expected (S, R, C) or (S, R, C, K)")
    if array.dtype == bool:
        array = array.astype(np.uint8)
    image = sitk.GetImageFromArray(array, isVector=array.ndim == 4)
    image.SetSpacing(tuple(reversed(geometry.spacing)))
    image.SetOrigin(geometry.origin)
    image.SetDirection(geometry.direction)
    path = Path(path)
    with atomic_path(path) as tmp:
        sitk.WriteImage(image, str(tmp), useCompression=path.suffix == ".gz")
    return path


@dataclass(frozen=True)
class NiftiCaseFiles:
    """The files of one NIfTI case: image files (one, or one per modality, in order) and the mask."""

    name: str
    images: tuple[Path, ...]
    mask: Path | None


def holds_nifti(root: str | Path) -> bool:
    """Whether a folder holds NIfTI files directly (the NIfTI layout), rather than Kaggle case folders."""
    return any(p.name.endswith((".nii", ".nii.gz")) for p in Path(root).iterdir())


def find_nifti_cases(root: str | Path) -> list[NiftiCaseFiles]:
    """Group the NIfTI files of a folder into cases (see the module docstring for the names)."""
    root = Path(root)
    matches = [(p, _NIFTI.match(p.name)) for p in sorted(root.iterdir()) if p.is_file()]
    matches = [(p, m) for p, m in matches if m is not None]
    # "_dddd" marks a modality only where the case has a "_0000" file: TCGA_NI_0002.nii.gz alone is a case.
    multi = {m["case"] for _, m in matches if m["modality"] == "0000"}
    images: dict[str, dict[int, Path]] = {}
    masks: dict[str, Path] = {}
    for path, match in matches:
        if match["mask"]:
            masks[match["case"]] = path
            continue
        per_modality = match["modality"] is not None and match["case"] in multi
        case = match["case"] if per_modality else path.name.split(".nii")[0]
        index = int(match["modality"]) if per_modality else 0
        if index in images.setdefault(case, {}):
            raise InputError(f"{path}: case {case} has image channel {index} twice; keep one file")
        images[case][index] = path
    names = sorted(set(images) | set(masks))
    if not names:
        raise InputError(f"{root}: holds no .nii/.nii.gz files; give the folder of the NIfTI cases")
    return [
        NiftiCaseFiles(n, tuple(images.get(n, {})[k] for k in sorted(images.get(n, {}))), masks.get(n))
        for n in names
    ]


def read_nifti_case(files: NiftiCaseFiles, *, images: bool = True) -> Case:
    """Read one NIfTI case into a :class:`Case` (spacing from the header).

    A case that has only an image file and no ``_mask`` file, read with ``images=False``, is taken to be a
    mask (a folder of predicted masks named ``<case>.nii.gz``). The mask's geometry must match the image's.
    """
    mask_path = files.mask
    if mask_path is None:
        if images or len(files.images) != 1:
            raise InputError(f"{files.name}: no {files.name}_mask.nii.gz beside its image; add the mask")
        mask_path = files.images[0]
    mask_array, geometry = read_nifti(mask_path)
    if mask_array.ndim != 3:
        raise InputError(
            f"{mask_path}: mask has {mask_array.ndim - 3} channel axes; expected one label volume"
        )
    mask = mask_to_bool(mask_array, source=mask_path)
    image = None
    if images:
        if not files.images:
            raise InputError(f"{mask_path}: mask has no image; add {files.name}.nii.gz")
        channels = []
        for path in files.images:
            array, image_geometry = read_nifti(path)
            if array.shape[:3] != mask.shape or not image_geometry.matches(geometry):
                raise InputError(
                    f"{mask_path}: mask geometry (shape {mask.shape}, spacing {geometry.spacing}, origin "
                    f"{geometry.origin}) differs from its image {path.name} (shape {array.shape[:3]}, "
                    f"spacing {image_geometry.spacing}, origin {image_geometry.origin}); resample the mask "
                    "onto the image"
                )
            channels.append(array if array.ndim == 4 else array[..., np.newaxis])
        image = np.concatenate(channels, axis=-1)
    patient, institution = parse_case_name(files.name)
    slices = tuple(range(1, mask.shape[0] + 1))
    return Case(files.name, patient, institution, slices, mask, image, geometry.spacing, mask_path)


def read_nifti_image(files: NiftiCaseFiles) -> tuple[np.ndarray, Geometry]:
    """Read one NIfTI case's image alone (its mask, if any, is ignored): a folder of new images to segment.

    Returns
    -------
    image : (S, R, C, K) ndarray
        The channels in file order (``_0000``, ``_0001``, …) or those of one multi-channel file.
    geometry : Geometry
        The first file's; every channel file must share it.
    """
    if not files.images:
        raise InputError(f"{files.name}: only a mask file, no image; add {files.name}.nii.gz or _0000.nii.gz")
    channels, geometry = [], None
    for path in files.images:
        array, found = read_nifti(path)
        if geometry is None:
            geometry, shape = found, array.shape[:3]
        elif array.shape[:3] != shape or not found.matches(geometry):
            raise InputError(
                f"{path}: geometry (shape {array.shape[:3]}, spacing {found.spacing}) differs from "
                f"{files.images[0].name} (shape {shape}, spacing {geometry.spacing}); resample the channels "
                "onto one grid"
            )
        channels.append(array if array.ndim == 4 else array[..., np.newaxis])
    return np.concatenate(channels, axis=-1), geometry


def iter_nifti_cases(root: str | Path, *, images: bool = True) -> Iterator[Case]:
    """Read the NIfTI cases of a folder one at a time."""
    for files in find_nifti_cases(root):
        yield read_nifti_case(files, images=images)
