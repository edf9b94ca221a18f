"""Per-volume Dice and the reference's post-processing (largest 3D connected component)."""

import numpy as np
from scipy import ndimage


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


def largest_component(mask: np.ndarray) -> np.ndarray:
    """Keep the largest 3D connected component of a mask (26-connectivity), as the reference does.

    Parameters
    ----------
    mask : (S, H, W) ndarray of bool

    Returns
    -------
    (S, H, W) ndarray of bool
        The largest component (the first in label order on ties); an empty mask stays empty.
    """
    labels, count = ndimage.label(mask, structure=np.ones((3,) * mask.ndim, dtype=bool))
    if count <= 1:
        return mask.astype(bool, copy=True)
    sizes = np.bincount(labels.ravel())
    sizes[0] = 0
    return labels == int(np.argmax(sizes))
