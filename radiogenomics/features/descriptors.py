"""General shape descriptors from scikit-image and SciPy: 3D on the tumour, 2D on its largest slice."""

from typing import NamedTuple

import numpy as np
from scipy.spatial import ConvexHull
from skimage import measure

from radiogenomics.features.bevr import voxel_corners
from radiogenomics.features.contour import count_components, perimeter


class VolumeDescriptors(NamedTuple):
    """3D descriptors of a tumour (see :func:`volume_descriptors` for definitions and units)."""

    volume: float
    surface_area: float
    sphericity: float
    solidity: float
    extent: float
    components: int


class SliceDescriptors(NamedTuple):
    """2D descriptors of a tumour slice (see :func:`slice_descriptors` for definitions and units)."""

    slice_area: float
    slice_perimeter: float
    slice_eccentricity: float
    slice_solidity: float


def surface_mesh(mask: np.ndarray, *, spacing: tuple[float, float, float]) -> tuple[float, float]:
    r"""Area and enclosed volume of the marching-cubes surface of a mask (level 0.5, zero-padded).

    Parameters
    ----------
    mask : (S, R, C) ndarray of bool
    spacing : tuple of 3 floats
        Voxel size along (slice, row, column).

    Returns
    -------
    area : float
        :func:`skimage.measure.mesh_surface_area` of :func:`skimage.measure.marching_cubes`, units².
    volume : float
        :math:`\bigl|\sum_f v_0 \cdot (v_1 \times v_2)\bigr| / 6` over the mesh triangles, units³.
    """
    padded = np.pad(mask, 1).astype(np.float32)
    verts, faces, _, _ = measure.marching_cubes(padded, 0.5, spacing=tuple(float(s) for s in spacing))
    verts = verts.astype(np.float64)
    triangles = verts[faces]
    enclosed = (
        abs(np.einsum("ij,ij->i", triangles[:, 0], np.cross(triangles[:, 1], triangles[:, 2])).sum()) / 6
    )
    return float(measure.mesh_surface_area(verts, faces)), float(enclosed)


def volume_descriptors(
    mask: np.ndarray,
    *,
    spacing: tuple[float, float, float] = (1.0, 1.0, 1.0),
    components_of: np.ndarray | None = None,
) -> VolumeDescriptors:
    r"""Volume, surface area, sphericity, solidity, extent and number of components of a 3D tumour.

    - volume :math:`V = n_\mathrm{voxels}\,\Delta_s\Delta_r\Delta_c` (units³);
    - surface_area :math:`A`: area of the marching-cubes surface at level 0.5 (units²; :func:`surface_mesh`);
    - sphericity :math:`\pi^{1/3}(6V_m)^{2/3}/A` with :math:`V_m` the volume inside that surface, so a
      sphere gives 1 and anything else less (dimensionless);
    - solidity :math:`V / V_H`, :math:`V_H` the volume of the convex hull of the voxel corners
      (:func:`~radiogenomics.features.bevr.voxel_corners`), in (0, 1];
    - extent :math:`n_\mathrm{voxels} / n_\mathrm{box}`, the share of the axis-aligned bounding box the
      tumour fills, in (0, 1];
    - components: the number of 26-connected components.

    Parameters
    ----------
    mask : (S, R, C) ndarray of bool
        The tumour; at least one voxel.
    spacing : tuple of 3 floats
        Voxel size along (slice, row, column).
    components_of : (S, R, C) ndarray of bool, optional
        Count the components of this mask instead (e.g. the whole mask, when ``mask`` is its largest
        component).

    Returns
    -------
    VolumeDescriptors
    """
    if mask.ndim != 3 or not mask.any():
        raise ValueError(f"mask is {mask.shape} with {np.count_nonzero(mask)} voxels; expected a 3D tumour")
    scale = np.asarray(spacing, float)
    voxels = int(np.count_nonzero(mask))
    volume = voxels * float(np.prod(scale))
    area, enclosed = surface_mesh(mask, spacing=tuple(scale))
    sphericity = np.pi ** (1 / 3) * (6 * enclosed) ** (2 / 3) / area
    hull = ConvexHull(voxel_corners(mask, spacing=tuple(scale))).volume
    nonzero = np.nonzero(mask)
    box = np.prod([int(axis.max()) - int(axis.min()) + 1 for axis in nonzero])
    count = count_components(mask if components_of is None else components_of)
    return VolumeDescriptors(
        volume, area, float(sphericity), float(volume / hull), float(voxels / box), count
    )


def slice_descriptors(mask: np.ndarray, *, spacing: tuple[float, float] = (1.0, 1.0)) -> SliceDescriptors:
    r"""Area, perimeter, eccentricity and solidity of the tumour on one slice (all its components).

    - slice_area: :math:`n_\mathrm{pixels}\,\Delta_r\Delta_c` (units²);
    - slice_perimeter: total length of the marching-squares outlines at level 0.5, holes included
      (units; :func:`skimage.measure.find_contours`, pixels touching at a corner joined);
    - slice_eccentricity: eccentricity of the ellipse with the same second moments, in physical units
      (:func:`skimage.measure.regionprops` with ``spacing``), in [0, 1): 0 for a disc;
    - slice_solidity: pixels over pixels of the convex hull image (``regionprops`` solidity), in (0, 1].

    Parameters
    ----------
    mask : (R, C) ndarray of bool
        At least one pixel.
    spacing : tuple of 2 floats
        Pixel size along (row, column).

    Returns
    -------
    SliceDescriptors
    """
    if mask.ndim != 2 or not mask.any():
        raise ValueError(
            f"mask is {mask.shape} with {np.count_nonzero(mask)} pixels; expected a 2D tumour slice"
        )
    scale = np.asarray(spacing, float)
    area = np.count_nonzero(mask) * float(np.prod(scale))
    padded = np.pad(mask, 1).astype(np.float32)
    length = sum(
        perimeter(c[:-1] * scale) for c in measure.find_contours(padded, 0.5, fully_connected="high")
    )
    region = measure.regionprops(mask.astype(np.uint8), spacing=tuple(scale))[0]
    return SliceDescriptors(area, float(length), float(region.eccentricity), float(region.solidity))
