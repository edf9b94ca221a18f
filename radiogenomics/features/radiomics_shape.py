"""pyradiomics ``shape`` (3D) and ``shape2D`` features, through pyradiomics' own extractor.

Feature names are pyradiomics' (``original_shape_Sphericity``, ``original_shape2D_Perimeter``, ...).
pyradiomics logs instead of raising when it skips a class (3D shape on 2D input, for one), so every
expected column is checked and a missing one is an error. Its logger is kept at ERROR level.
"""

import functools
import logging

import numpy as np
import SimpleITK as sitk

#: One line per feature: (definition, unit dimension) with dimension 0 (none), 1 (length), 2 (area),
#: 3 (volume) or -1 (1/length). Names and meanings follow the pyradiomics documentation.
SHAPE_3D = {
    "MeshVolume": ("volume enclosed by the marching-cubes triangle mesh of the ROI", 3),
    "VoxelVolume": ("number of voxels times the voxel volume", 3),
    "SurfaceArea": ("area of the marching-cubes triangle mesh", 2),
    "SurfaceVolumeRatio": ("surface area over mesh volume", -1),
    "Sphericity": ("(36 pi V^2)^(1/3) / A: 1 for a sphere, less otherwise", 0),
    "Maximum3DDiameter": ("largest distance between two mesh vertices", 1),
    "Maximum2DDiameterSlice": ("largest vertex distance within one axial (row-column) plane", 1),
    "Maximum2DDiameterColumn": ("largest vertex distance within one slice-row plane", 1),
    "Maximum2DDiameterRow": ("largest vertex distance within one slice-column plane", 1),
    "MajorAxisLength": ("4 sqrt(largest eigenvalue) of the voxel-centre covariance (PCA; not enclosing)", 1),
    "MinorAxisLength": ("4 sqrt(second eigenvalue) of the voxel-centre covariance (PCA)", 1),
    "LeastAxisLength": ("4 sqrt(smallest eigenvalue) of the voxel-centre covariance (PCA)", 1),
    "Elongation": ("sqrt(second / largest eigenvalue) of the voxel-centre covariance, in [0, 1]", 0),
    "Flatness": ("sqrt(smallest / largest eigenvalue) of the voxel-centre covariance, in [0, 1]", 0),
}
SHAPE_2D = {
    "MeshSurface": ("area enclosed by the marching-squares outline of the ROI", 2),
    "PixelSurface": ("number of pixels times the pixel area", 2),
    "Perimeter": ("length of the marching-squares outline", 1),
    "PerimeterSurfaceRatio": ("perimeter over mesh surface", -1),
    "Sphericity": ("2 sqrt(pi A) / P: 1 for a disc, less otherwise", 0),
    "MaximumDiameter": ("largest distance between two outline vertices", 1),
    "MajorAxisLength": ("4 sqrt(largest eigenvalue) of the pixel-centre covariance (PCA)", 1),
    "MinorAxisLength": ("4 sqrt(smallest eigenvalue) of the pixel-centre covariance (PCA)", 1),
    "Elongation": ("sqrt(smallest / largest eigenvalue) of the pixel-centre covariance, in [0, 1]", 0),
}
PREFIX_3D = "original_shape_"
PREFIX_2D = "original_shape2D_"


def expected_columns(*, three_d: bool = True, two_d: bool = True) -> list[str]:
    """The pyradiomics column names this module returns, in order."""
    return [PREFIX_3D + n for n in SHAPE_3D if three_d] + [PREFIX_2D + n for n in SHAPE_2D if two_d]


@functools.cache
def _extractor(feature_class: str):
    from radiomics import featureextractor

    logging.getLogger("radiomics").setLevel(logging.ERROR)
    extractor = featureextractor.RadiomicsFeatureExtractor(additionalInfo=False, minimumROIDimensions=1)
    extractor.disableAllFeatures()
    extractor.enableFeatureClassByName(feature_class)
    return extractor


def to_sitk(mask: np.ndarray, spacing) -> tuple[sitk.Image, sitk.Image]:
    """An (image, mask) pair of SimpleITK images for pyradiomics: the mask as uint8 0/1 labels and as a
    float image (shape features ignore intensities), spacing set in SimpleITK's (x, y, z) order."""
    labels = sitk.GetImageFromArray(mask.astype(np.uint8))
    image = sitk.GetImageFromArray(mask.astype(np.float32))
    for item in (labels, image):
        item.SetSpacing(tuple(float(s) for s in reversed(spacing)))
    return image, labels


def _run(feature_class: str, mask: np.ndarray, spacing, names: dict, prefix: str) -> dict[str, float]:
    if not mask.any():
        raise ValueError("mask is empty; pyradiomics shape features need at least one voxel")
    # pyradiomics' extractor crops to the bounding box itself; doing it here makes the input it sees the
    # array it is given (its mesh volume depends slightly on the crop where the mesh is not closed).
    mask = mask[tuple(slice(int(i.min()), int(i.max()) + 1) for i in np.nonzero(mask))]
    image, labels = to_sitk(mask, spacing)
    logging.getLogger("radiomics").setLevel(logging.ERROR)
    with np.errstate(divide="ignore", invalid="ignore"):
        result = _extractor(feature_class).execute(image, labels, label=1)
    wanted = [prefix + n for n in names]
    missing = [n for n in wanted if n not in result]
    if missing:
        raise RuntimeError(
            f"pyradiomics {feature_class} returned no {', '.join(missing)} for a {mask.ndim}D mask of shape "
            f"{mask.shape}; it skips classes with only a log line: check the input's dimensions"
        )
    return {n: float(result[n]) for n in wanted}


def radiomics_shape_3d(
    mask: np.ndarray, *, spacing: tuple[float, float, float] = (1.0, 1.0, 1.0)
) -> dict[str, float]:
    """pyradiomics ``shape`` features of a 3D mask.

    Parameters
    ----------
    mask : (S, R, C) ndarray of bool
        At least one voxel.
    spacing : tuple of 3 floats
        Voxel size along (slice, row, column), mm.

    Returns
    -------
    dict
        ``original_shape_<Name>`` -> value for every name in :data:`SHAPE_3D`, computed on the mask cut
        to its bounding box (as pyradiomics' extractor does), in the spacing's units (mm, mm², mm³).

    References
    ----------
    van Griethuysen JJM et al. Computational radiomics system to decode the radiographic phenotype.
    Cancer Res 77 (2017) e104-e107.
    """
    if mask.ndim != 3:
        raise ValueError(f"mask is {mask.shape}; pyradiomics 3D shape needs an (S, R, C) volume")
    return _run("shape", mask, spacing, SHAPE_3D, PREFIX_3D)


def radiomics_shape_2d(mask: np.ndarray, *, spacing: tuple[float, float] = (1.0, 1.0)) -> dict[str, float]:
    """pyradiomics ``shape2D`` features of one slice (passed to pyradiomics as a 2D image).

    Parameters
    ----------
    mask : (R, C) ndarray of bool
        At least one pixel.
    spacing : tuple of 2 floats
        Pixel size along (row, column), mm.

    Returns
    -------
    dict
        ``original_shape2D_<Name>`` -> value for every name in :data:`SHAPE_2D`.
    """
    if mask.ndim != 2:
        raise ValueError(f"mask is {mask.shape}; pyradiomics shape2D needs one (R, C) slice")
    return _run("shape2D", mask, spacing, SHAPE_2D, PREFIX_2D)
