"""Area-weighted slice sampling, as the reference: a volume uniformly, then a slice by its tumour area.

The reference (``dataset.py``) draws a volume uniformly and then a slice with probability
:math:`(a_i + 0.1\\,\\bar a) / (1.1 \\sum_j a_j)`, :math:`a_i` the tumour area of slice i and
:math:`\\bar a` the volume's mean area, so tumour slices are oversampled but every slice can be drawn.
Here the joint probability of (volume, slice) is built once for the training slices and an epoch's
indices are drawn in one ``torch.multinomial`` call with a seeded generator.
"""

import numpy as np
import torch


def slice_weights(areas: np.ndarray, *, background: float = 0.1) -> np.ndarray:
    r"""The reference's sampling probabilities of the slices of one volume.

    Parameters
    ----------
    areas : (S,) ndarray
        Tumour area of each slice, in pixels.
    background : float
        Weight of the mean area added to every slice (the reference: 0.1).

    Returns
    -------
    (S,) ndarray of float64
        :math:`(a_i + b\,\bar a) / ((1 + b) \sum_j a_j)`, summing to 1; uniform for a volume without
        tumour (where the reference divides by zero).
    """
    areas = np.asarray(areas, dtype=np.float64)
    total = areas.sum()
    if total <= 0:
        return np.full(areas.shape, 1.0 / areas.size)
    return (areas + background * total / areas.size) / ((1.0 + background) * total)


def joint_weights(areas: np.ndarray, starts: np.ndarray, counts: np.ndarray, *, background: float = 0.1):
    """Probability of each slice of a bank of volumes: volume uniformly, then :func:`slice_weights`.

    Parameters
    ----------
    areas : (N,) ndarray
        Tumour area of every slice of the bank.
    starts, counts : (V,) ndarrays of int
        First slice and number of slices of each volume to sample from (others get probability 0).

    Returns
    -------
    (N,) tensor of float64, summing to 1.
    """
    weights = np.zeros(len(areas), dtype=np.float64)
    for start, count in zip(starts, counts, strict=True):
        weights[start : start + count] = slice_weights(areas[start : start + count], background=background)
    return torch.from_numpy(weights / len(starts))


def draw(weights: torch.Tensor, n: int, *, generator: torch.Generator) -> torch.Tensor:
    """``n`` slice indices drawn with replacement with probabilities ``weights``: (n,) int64 tensor."""
    return torch.multinomial(weights, n, replacement=True, generator=generator)


def neighbour_index(starts: np.ndarray, counts: np.ndarray, total: int, *, context: int) -> torch.Tensor:
    """For 2.5D input: the indices of each slice's neighbours within its own volume, clamped at the ends.

    Returns
    -------
    (total, 2 * context + 1) int64 tensor
        Row i lists slices i - context … i + context of i's volume (the end slices repeated past the
        volume's ends).
    """
    index = np.repeat(np.arange(total)[:, None], 2 * context + 1, axis=1)
    offsets = np.arange(-context, context + 1)
    for start, count in zip(starts, counts, strict=True):
        rows = np.arange(start, start + count)
        index[rows] = np.clip(rows[:, None] + offsets, start, start + count - 1)
    return torch.from_numpy(index)


def gather(
    bank, index: torch.Tensor, neighbours: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """A batch from a bank of slices.

    Parameters
    ----------
    bank : SliceBank
        Anything with ``decode(index) -> (B, C, H, W) float32`` and ``mask(index) -> (B, H, W) bool``.
    index : (B,) int64 tensor
    neighbours : (N, K) int64 tensor, optional
        From :func:`neighbour_index`: stack the K slices of each row as channels (2.5D).

    Returns
    -------
    (B, C·K, H, W) float32 tensor, (B, 1, H, W) float32 tensor
    """
    masks = bank.mask(index)
    if neighbours is None:
        batch = bank.decode(index)
    else:
        rows = neighbours[index].reshape(-1)
        batch = bank.decode(rows).reshape(len(index), -1, *masks.shape[1:])
    return batch, masks[:, None].float()
