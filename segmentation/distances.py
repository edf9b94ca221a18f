"""Surface distances between two masks: 95 % Hausdorff distance and average symmetric surface distance.

The definitions are medpy's (``medpy.metric.binary.hd95`` and ``assd``, connectivity 1), which the tests
use as the independent check. The surface of a mask is its boundary voxels: the voxels the mask loses in
one binary erosion with the face-connected structure (6-connectivity in 3D), the outside of the array
counting as background. Distances run between voxel centres, in mm with ``spacing``, else in voxels. Both metrics pool
the distances of the two directions (every surface voxel of either mask counts once).

No torch here: ``rg evaluate`` stays fast to start.
"""

from typing import NamedTuple

import numpy as np
from scipy import ndimage

#: The empty-mask rule of the surface distances (the whole rule, Dice included, is in
#: :data:`segmentation.evaluate.EMPTY_RULE`).
EMPTY_DISTANCE_RULE = (
    "both masks empty: HD95 0 and ASSD 0; exactly one empty: HD95 and ASSD = the volume's diagonal "
    "(sqrt of the sum of (size x spacing)^2 over the three axes)"
)


def _check(prediction: np.ndarray, truth: np.ndarray, spacing) -> tuple[np.ndarray, np.ndarray, tuple]:
    prediction = np.asarray(prediction).astype(bool, copy=False)
    truth = np.asarray(truth).astype(bool, copy=False)
    if prediction.shape != truth.shape:
        raise ValueError(f"prediction is {prediction.shape}, truth is {truth.shape}; they must match")
    if prediction.ndim == 0:
        raise ValueError("masks are 0-dimensional; give arrays of at least one axis")
    if spacing is None:
        spacing = (1.0,) * prediction.ndim
    spacing = tuple(float(s) for s in np.broadcast_to(np.asarray(spacing, dtype=float), (prediction.ndim,)))
    if not all(np.isfinite(s) and s > 0 for s in spacing):
        raise ValueError(f"spacing is {spacing}; expected {prediction.ndim} positive voxel sizes")
    return prediction, truth, spacing


def volume_diagonal(shape: tuple[int, ...], spacing=None) -> float:
    r"""Length of the diagonal of the volume: :math:`\sqrt{\sum_i (n_i s_i)^2}`.

    Parameters
    ----------
    shape : tuple of int
        Array shape :math:`(n_1, \dots, n_d)`.
    spacing : float or tuple of d floats, optional
        Voxel size :math:`s_i` along each axis (mm); None: 1 (voxel units).

    Returns
    -------
    float
        The distance given to HD95 and ASSD when exactly one mask is empty.

    Examples
    --------
    >>> volume_diagonal((3, 4), (1.0, 1.0))
    5.0
    """
    sizes = np.asarray(shape, dtype=float) * (1.0 if spacing is None else np.asarray(spacing, dtype=float))
    return float(np.sqrt(np.sum(sizes**2)))


def surface(mask: np.ndarray) -> np.ndarray:
    """The boundary voxels of a mask: ``mask`` minus its erosion by the face-connected structure.

    Parameters
    ----------
    mask : (S, R, C) ndarray of bool (any number of axes)

    Returns
    -------
    ndarray of bool, same shape
        True on mask voxels with at least one face neighbour outside the mask (or outside the array).
    """
    mask = np.asarray(mask).astype(bool, copy=False)
    structure = ndimage.generate_binary_structure(mask.ndim, 1)
    return mask & ~ndimage.binary_erosion(mask, structure=structure, iterations=1)


def _crop(*masks: np.ndarray) -> tuple[slice, ...]:
    """The bounding box of the union of ``masks``, one voxel wider on each side, inside the array.

    Every surface voxel lies in it and the erosion inside it equals the erosion of the whole array (the
    extra voxel is background, or the box touches the array's edge exactly where the array does), so the
    distances are the same as on the whole array, at a fraction of the cost.
    """
    union = np.logical_or.reduce(masks)
    box = []
    for axis in range(union.ndim):
        other = tuple(a for a in range(union.ndim) if a != axis)
        hits = np.flatnonzero(union.any(axis=other))
        box.append(slice(max(int(hits[0]) - 1, 0), min(int(hits[-1]) + 2, union.shape[axis])))
    return tuple(box)


def surface_distances(prediction: np.ndarray, truth: np.ndarray, *, spacing=None) -> np.ndarray:
    """Distance from each surface voxel of ``prediction`` to the nearest surface voxel of ``truth``.

    Parameters
    ----------
    prediction, truth : (S, R, C) ndarray of bool
        Same shape; neither empty.
    spacing : float or tuple of floats, optional
        Voxel size along each axis (mm); None: voxel units.

    Returns
    -------
    (N,) ndarray of float
        One distance per surface voxel of ``prediction``, in C order (medpy's ``__surface_distances``).
    """
    prediction, truth, spacing = _check(prediction, truth, spacing)
    if not prediction.any() or not truth.any():
        raise ValueError("a mask is empty: surface distances are undefined (see EMPTY_DISTANCE_RULE)")
    box = _crop(prediction, truth)
    prediction, truth = prediction[box], truth[box]
    distance = ndimage.distance_transform_edt(~surface(truth), sampling=spacing)
    return distance[surface(prediction)]


def hd95(prediction: np.ndarray, truth: np.ndarray, *, spacing=None) -> float:
    r"""95 % Hausdorff distance: the 95th percentile of the surface distances, both directions pooled.

    Parameters
    ----------
    prediction, truth : (S, R, C) ndarray of bool
        Same shape.
    spacing : float or tuple of floats, optional
        Voxel size along each axis (mm); None: voxel units.

    Returns
    -------
    float
        :math:`P_{95}\left(\{d(p, \partial T)\}_{p \in \partial P} \cup \{d(t, \partial P)\}_{t \in
        \partial T}\right)`, where :math:`\partial X` are the surface voxels (:func:`surface`), :math:`d`
        the Euclidean distance in the units of ``spacing`` and :math:`P_{95}` NumPy's linear-interpolation
        percentile. Empty masks: both 0, exactly one :func:`volume_diagonal`.

    References
    ----------
    medpy.metric.binary.hd95 (O. Maier), whose definition this is; Huttenlocher et al., IEEE TPAMI 15 (1993)
    850-863 for the Hausdorff distance.

    Examples
    --------
    >>> a = np.zeros((1, 1, 5), bool); a[0, 0, :2] = True
    >>> b = np.zeros((1, 1, 5), bool); b[0, 0, 3:] = True
    >>> hd95(a, b, spacing=(1, 1, 2))
    6.0
    """
    return surface_metrics(prediction, truth, spacing=spacing).hd95


def assd(prediction: np.ndarray, truth: np.ndarray, *, spacing=None) -> float:
    r"""Average symmetric surface distance: the mean of the surface distances, both directions pooled.

    Parameters
    ----------
    prediction, truth : (S, R, C) ndarray of bool
        Same shape.
    spacing : float or tuple of floats, optional
        Voxel size along each axis (mm); None: voxel units.

    Returns
    -------
    float
        :math:`\frac{\sum_{p \in \partial P} d(p, \partial T) + \sum_{t \in \partial T} d(t, \partial P)}
        {|\partial P| + |\partial T|}`: every surface voxel of either mask weighs the same (medpy 0.5's
        definition; medpy 0.4 and earlier averaged the two directed means instead, which differs when the
        surfaces differ in size). Empty masks: both 0, exactly one :func:`volume_diagonal`.

    References
    ----------
    medpy.metric.binary.assd (O. Maier), version 0.5; Heimann et al., IEEE TMI 28 (2009) 1251-1265.

    Examples
    --------
    >>> a = np.zeros((1, 1, 5), bool); a[0, 0, :2] = True
    >>> b = np.zeros((1, 1, 5), bool); b[0, 0, 3:] = True
    >>> assd(a, b)
    2.5
    """
    return surface_metrics(prediction, truth, spacing=spacing).assd


class SurfaceMetrics(NamedTuple):
    """HD95 and ASSD of one pair of masks (:func:`surface_metrics`)."""

    hd95: float
    assd: float


def surface_metrics(prediction: np.ndarray, truth: np.ndarray, *, spacing=None) -> SurfaceMetrics:
    """:func:`hd95` and :func:`assd` together, from one pass over the surface distances.

    Parameters
    ----------
    prediction, truth : (S, R, C) ndarray of bool
        Same shape.
    spacing : float or tuple of floats, optional
        Voxel size along each axis (mm); None: voxel units.

    Returns
    -------
    SurfaceMetrics
        ``(hd95, assd)``, with the empty-mask rule (:data:`EMPTY_DISTANCE_RULE`).
    """
    prediction, truth, spacing = _check(prediction, truth, spacing)
    empty = _empty_value(prediction, truth, spacing)
    if empty is not None:
        return SurfaceMetrics(empty, empty)
    pooled = np.concatenate(
        [
            surface_distances(prediction, truth, spacing=spacing),
            surface_distances(truth, prediction, spacing=spacing),
        ]
    )
    return SurfaceMetrics(float(np.percentile(pooled, 95)), float(pooled.mean()))


def _empty_value(prediction: np.ndarray, truth: np.ndarray, spacing) -> float | None:
    """The empty-mask rule's value, or None when both masks hold a voxel."""
    has_prediction, has_truth = bool(prediction.any()), bool(truth.any())
    if has_prediction and has_truth:
        return None
    if not has_prediction and not has_truth:
        return 0.0
    return volume_diagonal(prediction.shape, spacing)
