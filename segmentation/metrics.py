"""Per-volume Dice and post-processing: the largest 3D component, or every large component.

A component's size is its voxel count, or, given ``weights`` (a model's probabilities), the sum of its voxels'
weights: its probability mass, which prefers a smaller, confident component to a larger, doubtful one.

Connectivity of the 3D components: 6 (faces), 18 (faces and edges) or 26 (faces, edges and corners).
The reference keeps medpy's ``largest_connected_component`` with its default structure,
``scipy.ndimage.generate_binary_structure(3, 1)``: 6-connectivity.
"""

import numpy as np
from scipy import ndimage

#: Connectivity (neighbours of a voxel) → the rank argument of ``ndimage.generate_binary_structure``.
CONNECTIVITIES = {6: 1, 18: 2, 26: 3}


def _structure(connectivity: int, ndim: int) -> np.ndarray:
    if connectivity not in CONNECTIVITIES:
        raise ValueError(f"connectivity is {connectivity!r}; expected one of 6, 18, 26")
    return ndimage.generate_binary_structure(ndim, min(CONNECTIVITIES[connectivity], ndim))


def dice(prediction: np.ndarray, truth: np.ndarray) -> float:
    r"""Dice similarity coefficient of two masks of one volume (all slices together).

    Parameters
    ----------
    prediction, truth : (S, H, W) ndarray of bool
        Same shape.

    Returns
    -------
    float
        :math:`2|P \cap T| / (|P| + |T|)` in [0, 1]; 1 when both masks are empty (the project's rule),
        0 when exactly one is.
    """
    if prediction.shape != truth.shape:
        raise ValueError(f"prediction is {prediction.shape}, truth is {truth.shape}; they must match")
    prediction, truth = prediction.astype(bool, copy=False), truth.astype(bool, copy=False)
    total = int(np.count_nonzero(prediction)) + int(np.count_nonzero(truth))
    if total == 0:
        return 1.0
    return 2.0 * int(np.count_nonzero(prediction & truth)) / total


def _sizes(labels: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    """Each label's voxel count, or its sum of ``weights``; label 0 (background) gets 0."""
    if weights is not None and weights.shape != labels.shape:
        raise ValueError(f"weights are {weights.shape}, the mask is {labels.shape}; they must match")
    flat = None if weights is None else weights.ravel().astype(np.float64)
    sizes = np.bincount(labels.ravel(), weights=flat)
    sizes[0] = 0
    return sizes


def largest_component(
    mask: np.ndarray, *, connectivity: int = 26, weights: np.ndarray | None = None
) -> np.ndarray:
    """Keep the largest 3D connected component of a mask (the reference: medpy's, 6-connectivity).

    Parameters
    ----------
    mask : (S, H, W) ndarray of bool
    connectivity : {6, 18, 26}
        Which neighbours join a component (see the module text).
    weights : (S, H, W) ndarray of float, optional
        Rank the components by the sum of these over their voxels (e.g. probabilities: the component
        with the largest probability mass) instead of by their voxel count.

    Returns
    -------
    (S, H, W) ndarray of bool
        The largest component (the first in label order on ties); an empty mask stays empty.
    """
    labels, count = ndimage.label(mask, structure=_structure(connectivity, mask.ndim))
    if count <= 1:
        return mask.astype(bool, copy=True)
    return labels == int(np.argmax(_sizes(labels, weights)))


def keep_large_components(
    mask: np.ndarray, *, fraction: float = 0.1, connectivity: int = 26, weights: np.ndarray | None = None
) -> np.ndarray:
    """Keep every 3D connected component at least ``fraction`` times the largest's size.

    The reference keeps the largest component only (``fraction`` 1: exactly :func:`largest_component`,
    ties included). A false blob larger than the tumour then removes the tumour altogether (Dice 0);
    keeping the components of comparable size keeps both, and still drops small specks.

    Parameters
    ----------
    mask : (S, H, W) ndarray of bool
    fraction : float
        In [0, 1]: a component of :math:`n` voxels is kept when :math:`n \\ge` ``fraction`` :math:`\\cdot
        n_{max}`; 0 keeps the mask as it is, 1 the largest component only.
    connectivity : {6, 18, 26}
        Which neighbours join a component (see the module text).
    weights : (S, H, W) ndarray of float, optional
        Measure each component by the sum of these over its voxels instead of its voxel count (see
        :func:`largest_component`).

    Returns
    -------
    (S, H, W) ndarray of bool
    """
    if not 0 <= fraction <= 1:
        raise ValueError(f"fraction is {fraction!r}; expected a number in [0, 1]")
    if fraction >= 1:
        return largest_component(mask, connectivity=connectivity, weights=weights)
    if fraction == 0:
        return mask.astype(bool, copy=True)
    labels, count = ndimage.label(mask, structure=_structure(connectivity, mask.ndim))
    if count <= 1:
        return mask.astype(bool, copy=True)
    sizes = _sizes(labels, weights)
    keep = sizes >= fraction * sizes.max()
    keep[0] = False
    return keep[labels]
