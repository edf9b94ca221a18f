"""The reference preprocessing of a volume, done with torch, and its exact inverse for predicted masks.

Per volume (the study's PyTorch code, ``utils.py``), with what we change:

1. zero the voxels below ``threshold`` (10 %) of the volume's maximum; crop rows and columns to the
   bounding box of what is left (over all slices and channels). The reference also crops slices and drops
   the first and last slice; we keep every slice by default (``crop_slices=True`` crops slices as the
   reference does; the inverse then returns empty masks for the slices cut away);
2. zero-pad to a square (``floor`` of half the difference before, ``ceil`` after, as the reference);
3. resize to ``size`` × ``size`` with ``torch.nn.functional.interpolate``: the image antialiased bilinear
   (the reference: scikit-image order-2 spline, no antialiasing, ~1 s a case), the mask nearest
   (``nearest-exact``: pixel centres, like scikit-image's order 0);
4. clip to the 10th–99th percentile of the (cropped, padded) volume, all channels together, and rescale
   to [0, 1]; the percentiles are computed exactly from a histogram of the integer volume before resizing
   (the reference takes them after resizing, which moves them by a fraction of a grey level);
5. z-score each channel over the volume.

The :class:`Geometry` record (crop box, padding, scale) maps a prediction back to the original slices:
:func:`restore_mask`. With no resize (the padded square already has ``size`` pixels) the round trip of a
mask inside the crop box is exact; with a resize it is exact up to the resampling of the mask's boundary
(see :func:`restore_mask`).
"""

from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F


class Geometry(NamedTuple):
    """How a volume was cropped, padded and scaled; enough to map predictions back exactly.

    Attributes
    ----------
    shape : (S, H, W)
        The original volume's shape (slices, rows, columns).
    slices : (first, stop)
        The slices kept, ``first:stop`` (all of them unless ``crop_slices``).
    rows, cols : (start, stop)
        The crop box in the original slice.
    pad : (top, bottom, left, right)
        Zero padding added to the crop to make it square.
    square : int
        Side of the padded square, ``rows + top + bottom == cols + left + right``.
    size : int
        Side after resizing; the scale factor is ``size / square``.
    """

    shape: tuple[int, int, int]
    slices: tuple[int, int]
    rows: tuple[int, int]
    cols: tuple[int, int]
    pad: tuple[int, int, int, int]
    square: int
    size: int


class Preprocessed(NamedTuple):
    """A preprocessed volume: network input, target mask (if given) and the geometry record."""

    image: np.ndarray  # (S', C, size, size) float32, z-scored per channel
    mask: np.ndarray | None  # (S', size, size) bool
    geometry: Geometry


def percentile_from_counts(counts: np.ndarray, q: float | np.ndarray) -> np.ndarray:
    r"""Percentiles of integer data given its histogram, exactly as ``np.percentile`` (linear method).

    Parameters
    ----------
    counts : (V,) ndarray of int
        ``counts[v]`` is how many values equal ``v``.
    q : float or ndarray
        Percentiles in [0, 100].

    Returns
    -------
    ndarray
        For n values sorted as :math:`a_0 \le \dots \le a_{n-1}` and :math:`h = q/100\,(n-1)`:
        :math:`a_{\lfloor h\rfloor} + (h - \lfloor h\rfloor)(a_{\lceil h\rceil} - a_{\lfloor h\rfloor})`.
    """
    cumulative = np.cumsum(counts)
    n = int(cumulative[-1])
    h = np.asarray(q, dtype=np.float64) / 100.0 * (n - 1)
    low, high = np.floor(h).astype(np.int64), np.ceil(h).astype(np.int64)
    # value at sorted rank k: the first v with cumulative[v] > k
    a_low = np.searchsorted(cumulative, low, side="right")
    a_high = np.searchsorted(cumulative, high, side="right")
    return a_low + (h - low) * (a_high - a_low)


def _bounds(any_along: np.ndarray) -> tuple[int, int]:
    hits = np.flatnonzero(any_along)
    return int(hits[0]), int(hits[-1]) + 1


def crop_geometry(
    image: np.ndarray, *, size: int, threshold: float = 0.1, crop_slices: bool = False
) -> Geometry:
    """The crop box and padding of the reference recipe.

    Parameters
    ----------
    image : (S, H, W, C) ndarray
        The volume (Kaggle layout: uint8, channels pre-contrast, FLAIR, post-contrast).
    size : int
        Output side in pixels.
    threshold : float
        Voxels below ``threshold * image.max()`` are zeroed; the box holds every voxel left (in any
        channel).
    crop_slices : bool
        Also crop slices that are entirely below the threshold (the reference); default: keep all.

    Returns
    -------
    Geometry
    """
    if image.ndim != 4:
        raise ValueError(f"image is {image.shape}; expected (slices, rows, columns, channels)")
    brightest = image[..., 0]
    for channel in range(1, image.shape[3]):  # ~30× faster than image.max(axis=3) on uint8
        brightest = np.maximum(brightest, image[..., channel])
    top_value = brightest.max()
    if top_value > 0:
        any_voxel = brightest >= threshold * top_value
    else:  # a blank volume: nothing to crop
        any_voxel = np.ones(image.shape[:3], dtype=bool)
    slices = _bounds(any_voxel.any(axis=(1, 2))) if crop_slices else (0, image.shape[0])
    rows = _bounds(any_voxel.any(axis=(0, 2)))
    cols = _bounds(any_voxel.any(axis=(0, 1)))
    height, width = rows[1] - rows[0], cols[1] - cols[0]
    square = max(height, width)
    diff_r, diff_c = square - height, square - width
    pad = (diff_r // 2, diff_r - diff_r // 2, diff_c // 2, diff_c - diff_c // 2)
    return Geometry(tuple(image.shape[:3]), slices, rows, cols, pad, square, size)


def _intensity_range(cropped: np.ndarray, pad_voxels: int, percentiles: tuple[float, float]) -> np.ndarray:
    """The given percentiles of the cropped volume plus ``pad_voxels`` zeros (the padding)."""
    if cropped.dtype == np.uint8:
        counts = torch.bincount(torch.from_numpy(cropped).ravel(), minlength=256).numpy()
        counts[0] += pad_voxels
        return percentile_from_counts(counts, np.asarray(percentiles))
    values = np.concatenate([cropped.ravel().astype(np.float64), np.zeros(pad_voxels)])
    return np.percentile(values, percentiles)


def preprocess_volume(
    image: np.ndarray,
    mask: np.ndarray | None = None,
    *,
    size: int = 256,
    threshold: float = 0.1,
    percentiles: tuple[float, float] = (10.0, 99.0),
    crop_slices: bool = False,
    zscore: bool = True,
) -> Preprocessed:
    """Crop, pad to square, resize and normalise a volume as the reference does (see the module text).

    Parameters
    ----------
    image : (S, H, W, C) ndarray
        The volume, any real dtype (uint8 in the Kaggle layout).
    mask : (S, H, W) ndarray of bool, optional
        Its tumour mask, taken through the same crop, pad and (nearest) resize.
    size : int
        Side of the output slices in pixels.
    threshold : float
        Fraction of the volume's maximum below which voxels are zeroed and cropped away.
    percentiles : (low, high)
        Intensity window, in percent, rescaled to [0, 1] before the z-score.
    crop_slices : bool
        Crop slices as well as rows and columns (the reference); default keeps every slice.
    zscore : bool
        Apply the last step, the per-channel z-score (False: return the image rescaled to [0, 1]).

    Returns
    -------
    Preprocessed
        ``image`` (S', C, size, size) float32 with mean 0 and standard deviation 1 per channel (a constant
        channel stays 0), ``mask`` (S', size, size) bool or None, and the :class:`Geometry`.
    """
    if mask is not None and mask.shape != image.shape[:3]:
        raise ValueError(f"mask is {mask.shape}, image is {image.shape}; masks must match their slices")
    geometry = crop_geometry(image, size=size, threshold=threshold, crop_slices=crop_slices)
    (s0, s1), (r0, r1), (c0, c1) = geometry.slices, geometry.rows, geometry.cols
    cropped = image[s0:s1, r0:r1, c0:c1]
    cropped = np.where(cropped >= threshold * image.max(), cropped, np.zeros((), cropped.dtype))
    top, bottom, left, right = geometry.pad
    pad_voxels = (geometry.square**2 - (r1 - r0) * (c1 - c0)) * (s1 - s0) * image.shape[3]
    low, high = _intensity_range(cropped, pad_voxels, percentiles)

    volume = torch.from_numpy(np.ascontiguousarray(cropped)).permute(0, 3, 1, 2).float()
    volume = F.pad(volume, (left, right, top, bottom))
    if geometry.square != size:
        antialias = geometry.square > size  # only a reduction needs it (and it is slower)
        volume = F.interpolate(
            volume, size=(size, size), mode="bilinear", align_corners=False, antialias=antialias
        )
    span = float(high - low)
    volume = (volume.clamp_(float(low), float(high)) - float(low)) / span if span > 0 else volume.zero_()
    if zscore:
        volume = zscore_channels(volume)[0]

    resized_mask = None
    if mask is not None:
        target = torch.from_numpy(np.ascontiguousarray(mask[s0:s1, r0:r1, c0:c1])).float()[:, None]
        target = F.pad(target, (left, right, top, bottom))
        if geometry.square != size:
            target = F.interpolate(target, size=(size, size), mode="nearest-exact")
        resized_mask = target[:, 0].numpy() > 0.5
    return Preprocessed(volume.numpy(), resized_mask, geometry)


def zscore_channels(volume: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    r"""z-score each channel of a volume over all its slices and pixels.

    Parameters
    ----------
    volume : (S, C, H, W) float tensor

    Returns
    -------
    (S, C, H, W) tensor, (C,) tensor, (C,) tensor
        :math:`(x - \mu_c) / \sigma_c` (population standard deviation; a constant channel gets
        :math:`\sigma_c = 1`), and :math:`\mu`, :math:`\sigma`.
    """
    std, mean = torch.std_mean(volume, dim=(0, 2, 3), correction=0)
    std = torch.where(std > 0, std, torch.ones_like(std))
    return (volume - mean[:, None, None]) / std[:, None, None], mean, std


def _restore_planes(prediction: np.ndarray, geometry: Geometry, *, nearest: bool) -> np.ndarray:
    """Undo the resize and the padding: (S', size, size) → (S', rows, cols) float32 planes of the crop."""
    (s0, s1), (r0, r1), (c0, c1) = geometry.slices, geometry.rows, geometry.cols
    expected = (s1 - s0, geometry.size, geometry.size)
    if prediction.shape != expected:
        raise ValueError(f"prediction is {prediction.shape}; expected {expected} for this volume's geometry")
    planes = torch.from_numpy(np.ascontiguousarray(prediction, dtype=np.float32))[:, None]
    if geometry.square != geometry.size:
        mode = {"mode": "nearest-exact"} if nearest else {"mode": "bilinear", "align_corners": False}
        planes = F.interpolate(planes, size=(geometry.square, geometry.square), **mode)
    top, _, left, _ = geometry.pad
    return planes[:, 0, top : top + r1 - r0, left : left + c1 - c0].numpy()


def restore_probabilities(probabilities: np.ndarray, geometry: Geometry) -> np.ndarray:
    """Map probabilities in the preprocessed frame back to the original slices (bilinear resize).

    Parameters
    ----------
    probabilities : (S', size, size) ndarray of float
    geometry : Geometry
        The record :func:`preprocess_volume` returned for this volume.

    Returns
    -------
    (S, H, W) ndarray of float32
        In the original geometry; 0 outside the crop box and on slices cut away. Thresholding it gives
        :func:`restore_mask` of the same probabilities.
    """
    (s0, s1), (r0, r1), (c0, c1) = geometry.slices, geometry.rows, geometry.cols
    out = np.zeros(geometry.shape, dtype=np.float32)
    out[s0:s1, r0:r1, c0:c1] = _restore_planes(probabilities, geometry, nearest=False)
    return out


def restore_mask(prediction: np.ndarray, geometry: Geometry, *, threshold: float = 0.5) -> np.ndarray:
    r"""Map a prediction in the preprocessed frame back to the original slices (the exact inverse).

    Parameters
    ----------
    prediction : (S', size, size) ndarray
        Probabilities (float: resized back bilinearly, then thresholded) or a mask (bool: resized back
        nearest), one plane per preprocessed slice.
    geometry : Geometry
        The record :func:`preprocess_volume` returned for this volume.
    threshold : float
        Probability at or above which a pixel is tumour (float predictions).

    Returns
    -------
    (S, H, W) ndarray of bool
        In the original geometry; empty outside the crop box and on slices cut away.

    Notes
    -----
    Without resizing (``geometry.square == geometry.size``) the inverse only removes the padding and puts
    the crop back in place, so a mask inside the crop box comes back unchanged. With a resize by factor
    :math:`f = size / square`, a mask's boundary moves by at most about :math:`\max(1, 1/f)` original
    pixels through the nearest round trip; the interior is unchanged.
    """
    if prediction.dtype != bool:
        return restore_probabilities(prediction, geometry) >= threshold
    (s0, s1), (r0, r1), (c0, c1) = geometry.slices, geometry.rows, geometry.cols
    out = np.zeros(geometry.shape, dtype=bool)
    out[s0:s1, r0:r1, c0:c1] = _restore_planes(prediction, geometry, nearest=True) > 0.5
    return out
