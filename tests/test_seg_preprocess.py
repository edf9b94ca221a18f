"""Preprocessing: the reference recipe, checked against numpy/scikit-image, and its exact inverse."""

import numpy as np
import pytest
import torch
from scipy import ndimage
from skimage.exposure import rescale_intensity

from segmentation.preprocess import (
    crop_geometry,
    percentile_from_counts,
    preprocess_volume,
    restore_mask,
)

torch.set_num_threads(2)


def volume_with_tumour(shape=(6, 48, 40), box=((5, 37), (8, 30)), seed=0):
    """A dark volume with a bright (S, rows, cols) box of 3-channel 'brain' and an ellipse tumour in it."""
    rng = np.random.default_rng(seed)
    image = rng.integers(0, 10, (*shape, 3)).astype(np.uint8)  # below 10 % of the max: cropped away
    (r0, r1), (c0, c1) = box
    image[:, r0:r1, c0:c1] = rng.integers(60, 250, (shape[0], r1 - r0, c1 - c0, 3))
    s, r, c = np.ogrid[: shape[0], : shape[1], : shape[2]]
    mask = ((r - (r0 + r1) / 2) / 8) ** 2 + ((c - (c0 + c1) / 2) / 6) ** 2 + ((s - 2.5) / 2.2) ** 2 <= 1
    return image, mask


@pytest.mark.parametrize("q", [0, 10, 37.5, 50, 99, 100])
def test_percentile_from_counts_matches_numpy(q):
    values = np.random.default_rng(1).integers(0, 256, 1001)
    counts = np.bincount(values, minlength=256)
    assert percentile_from_counts(counts, q) == pytest.approx(np.percentile(values, q))


def test_crop_geometry_by_hand():
    image, _ = volume_with_tumour()
    geometry = crop_geometry(image, size=32)
    assert geometry.rows == (5, 37) and geometry.cols == (8, 30)
    assert geometry.square == 32  # 32 rows × 22 columns → pad 10 columns: 5 before, 5 after
    assert geometry.pad == (0, 0, 5, 5)
    assert geometry.slices == (0, 6)


def test_pad_floor_before_ceil_after():
    image, _ = volume_with_tumour(box=((5, 36), (8, 30)))  # 31 × 22: pad 9 columns → 4 before, 5 after
    geometry = crop_geometry(image, size=32)
    assert geometry.pad == (0, 0, 4, 5) and geometry.square == 31


def test_normalisation_matches_reference_without_resize():
    """With no resize our output equals the reference's numpy/scikit-image recipe on the padded crop."""
    image, mask = volume_with_tumour()
    result = preprocess_volume(image, mask, size=32)
    # the reference: zero voxels < 10 % of max, crop, pad, percentiles, rescale_intensity, z-score
    volume = np.where(image < 0.1 * image.max(), 0, image).astype(np.float64)[:, 5:37, 8:30]
    volume = np.pad(volume, ((0, 0), (0, 0), (5, 5), (0, 0)))
    p10, p99 = np.percentile(volume, 10), np.percentile(volume, 99)
    volume = rescale_intensity(volume, in_range=(p10, p99), out_range=(0.0, 1.0))
    volume = (volume - volume.mean(axis=(0, 1, 2))) / volume.std(axis=(0, 1, 2))
    assert np.allclose(result.image, volume.transpose(0, 3, 1, 2), atol=1e-5)
    assert result.image.dtype == np.float32
    assert np.allclose(result.image.mean(axis=(0, 2, 3)), 0, atol=1e-5)
    assert np.allclose(result.image.std(axis=(0, 2, 3)), 1, atol=1e-5)


def test_round_trip_exact_without_resize():
    image, mask = volume_with_tumour()
    result = preprocess_volume(image, mask, size=32)
    assert result.mask.shape == (6, 32, 32)
    assert np.array_equal(restore_mask(result.mask, result.geometry), mask)
    probabilities = result.mask.astype(np.float32) * 0.9
    assert np.array_equal(restore_mask(probabilities, result.geometry), mask)


@pytest.mark.parametrize("size", [16, 24, 64, 96])
def test_round_trip_within_tolerance_with_resize(size):
    """Documented tolerance: Dice ≥ 0.9 and every changed pixel within max(1, 1/f) + 1 px of the boundary."""
    image, mask = volume_with_tumour()
    result = preprocess_volume(image, mask, size=size)
    back = restore_mask(result.mask, result.geometry)
    inter = np.count_nonzero(back & mask)
    assert 2 * inter / (back.sum() + mask.sum()) >= 0.9
    factor = size / result.geometry.square
    reach = int(np.ceil(max(1.0, 1.0 / factor))) + 1
    boundary = np.zeros_like(mask)
    for plane in range(mask.shape[0]):
        boundary[plane] = ndimage.binary_dilation(mask[plane], iterations=reach) & ~ndimage.binary_erosion(
            mask[plane], iterations=reach
        )
    assert not np.any((back != mask) & ~boundary)


def test_restore_puts_prediction_in_original_geometry():
    image, _ = volume_with_tumour()
    result = preprocess_volume(image, size=32)
    prediction = np.zeros((6, 32, 32), dtype=bool)
    prediction[:, 0, 5] = True  # first row, first column of the crop (after 5 padded columns)
    back = restore_mask(prediction, result.geometry)
    assert back.shape == image.shape[:3]
    assert np.array_equal(np.argwhere(back[0]), [[5, 8]])


def test_crop_slices_inverse_fills_empty_slices():
    image, mask = volume_with_tumour()
    image[0] = 0
    image[-1] = 3
    result = preprocess_volume(image, mask, size=32, crop_slices=True)
    assert result.geometry.slices == (1, 5)
    assert result.image.shape[0] == 4
    back = restore_mask(np.ones((4, 32, 32), dtype=bool), result.geometry)
    assert not back[0].any() and not back[-1].any() and back[1:5, 5:37, 8:30].all()


def test_every_slice_kept_by_default():
    image, mask = volume_with_tumour()
    image[0] = 0
    assert preprocess_volume(image, mask, size=32).image.shape[0] == 6


def test_blank_volume_does_not_crash():
    result = preprocess_volume(np.zeros((2, 8, 8, 3), np.uint8), size=8)
    assert np.all(result.image == 0)


def test_float_volume_uses_numpy_percentiles():
    image, mask = volume_with_tumour()
    as_int = preprocess_volume(image, mask, size=32).image
    as_float = preprocess_volume(image.astype(np.float32), mask, size=32).image
    assert np.allclose(as_int, as_float, atol=1e-5)


def test_bad_shapes():
    image, mask = volume_with_tumour()
    with pytest.raises(ValueError, match="masks must match"):
        preprocess_volume(image, mask[1:], size=32)
    result = preprocess_volume(image, size=32)
    with pytest.raises(ValueError, match="expected \\(6, 32, 32\\)"):
        restore_mask(np.zeros((6, 16, 16)), result.geometry)
