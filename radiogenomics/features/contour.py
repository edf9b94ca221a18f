"""The slice the 2D features are measured on, and the tumour outline on it as an ordered contour.

Coordinates are physical: (row, column) in the units of ``spacing`` (mm, or pixels for spacing 1), with
pixel centres at integer indices times the spacing, as in :func:`skimage.measure.regionprops`.
"""

import numpy as np
from scipy import ndimage
from skimage import measure

#: 8-connectivity in 2D and 26-connectivity in 3D: pixels/voxels that touch at a corner are one region.
FULL_2D = np.ones((3, 3), bool)
FULL_3D = np.ones((3, 3, 3), bool)


def largest_slice(mask: np.ndarray) -> int:
    """Index (along axis 0) of the slice with the largest tumour area; the first one on ties.

    Parameters
    ----------
    mask : (S, R, C) ndarray of bool
        At least one voxel set.

    Returns
    -------
    int
        ``argmax_s sum(mask[s])``. Spacing is the same for every slice, so pixel counts rank areas.
    """
    if mask.ndim != 3:
        raise ValueError(f"mask is {mask.shape}; expected (S, R, C)")
    counts = mask.reshape(mask.shape[0], -1).sum(axis=1)
    if counts.max(initial=0) == 0:
        raise ValueError("mask is empty; the largest slice needs at least one tumour voxel")
    return int(np.argmax(counts))


def largest_component(mask: np.ndarray) -> np.ndarray:
    """The largest connected component of a 2D or 3D mask (8-/26-connectivity); the first on ties.

    Parameters
    ----------
    mask : (R, C) or (S, R, C) ndarray of bool
        At least one pixel set.

    Returns
    -------
    ndarray of bool, same shape
    """
    labels, count = ndimage.label(mask, structure=FULL_2D if mask.ndim == 2 else FULL_3D)
    if count == 0:
        raise ValueError("mask is empty; it has no connected component")
    if count == 1:
        return labels == 1
    sizes = np.bincount(labels.ravel())[1:]
    return labels == (int(np.argmax(sizes)) + 1)


def count_components(mask: np.ndarray) -> int:
    """Number of connected components of a 2D or 3D mask (8-/26-connectivity)."""
    return int(ndimage.label(mask, structure=FULL_2D if mask.ndim == 2 else FULL_3D)[1])


def region_outline(region: np.ndarray, *, spacing: tuple[float, float] = (1.0, 1.0)) -> np.ndarray:
    """The outer boundary of one 2D region as a closed polygon (marching squares at level 0.5).

    Holes are filled first, so the region has exactly one boundary; pixels that touch at a corner stay
    connected (``fully_connected="high"``), as in the 8-connected component the region comes from.

    Parameters
    ----------
    region : (R, C) ndarray of bool
        One 8-connected region (see :func:`largest_component`).
    spacing : tuple of 2 floats
        Pixel size along (row, column).

    Returns
    -------
    (N, 2) ndarray of float
        Vertices in order along the boundary, (row, column) in physical units; the closing vertex is not
        repeated. Vertices lie halfway between a region pixel and a background pixel.
    """
    filled = ndimage.binary_fill_holes(region)
    padded = np.pad(filled, 1).astype(np.float32)
    contours = measure.find_contours(padded, 0.5, fully_connected="high")
    if not contours:
        raise ValueError("region is empty; it has no outline")
    outline = max(contours, key=len)[:-1] - 1.0
    return outline * np.asarray(spacing, float)


def resample_closed(polygon: np.ndarray, points: int) -> np.ndarray:
    """``points`` vertices equally spaced by arc length along a closed polygon, from its first vertex.

    Parameters
    ----------
    polygon : (N, 2) ndarray
        Vertices of a closed polygon (closing vertex not repeated), N >= 2.
    points : int
        Number of vertices wanted.

    Returns
    -------
    (points, 2) ndarray
    """
    closed = np.vstack([polygon, polygon[:1]])
    steps = np.hypot(*np.diff(closed, axis=0).T)
    arc = np.concatenate([[0.0], np.cumsum(steps)])
    where = np.linspace(0.0, arc[-1], points, endpoint=False)
    return np.column_stack([np.interp(where, arc, closed[:, k]) for k in range(2)])


def perimeter(polygon: np.ndarray) -> float:
    """Length of a closed polygon (N, 2), closing edge included."""
    return float(np.hypot(*(np.roll(polygon, -1, axis=0) - polygon).T).sum())


def radial_profile(
    region: np.ndarray, *, spacing: tuple[float, float] = (1.0, 1.0), points: int = 512
) -> tuple[np.ndarray, np.ndarray]:
    r"""Radial distance and angle of equally spaced boundary points, seen from the region's centroid.

    Parameters
    ----------
    region : (R, C) ndarray of bool
        One 8-connected region (holes are filled for the outline, not for the centroid).
    spacing : tuple of 2 floats
        Pixel size along (row, column).
    points : int
        Number of boundary points, equally spaced by arc length along the outline
        (:func:`region_outline`), so the result does not depend on the region's size.

    Returns
    -------
    r : (points,) ndarray
        :math:`r_i = \lVert p_i - c \rVert`, in physical units, in order along the boundary; ``c`` is the
        area centroid of the region's pixel centres.
    theta : (points,) ndarray
        :math:`\theta_i = \operatorname{atan2}(\Delta_\mathrm{row}, \Delta_\mathrm{col})` in
        :math:`(-\pi, \pi]`, with :math:`\Delta = p_i - c`.
    """
    scale = np.asarray(spacing, float)
    centroid = np.argwhere(region).mean(axis=0) * scale
    boundary = resample_closed(region_outline(region, spacing=spacing), points) - centroid
    return np.hypot(boundary[:, 0], boundary[:, 1]), np.arctan2(boundary[:, 0], boundary[:, 1])
