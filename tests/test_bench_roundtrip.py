"""The round trip of a mask through the model's frame (benchmarks.lgg_roundtrip), on a synthetic volume."""

import numpy as np
import pytest

from benchmarks.lgg_roundtrip import WAYS, round_trips
from segmentation.metrics import dice


def _volume(side: int = 64):
    """A bright square 'brain' of 48 px in a 64 px slice, 6 slices, and a disc of radius 10 in its middle."""
    image = np.zeros((6, side, side, 3), np.uint8)
    image[:, 8:56, 8:56] = 200
    rows, cols = np.mgrid[:side, :side]
    disc = (rows - 32) ** 2 + (cols - 32) ** 2 <= 100
    mask = np.zeros((6, side, side), bool)
    mask[1:5] = disc
    return image, mask


@pytest.mark.parametrize("way", WAYS)
def test_at_the_crops_own_size_the_round_trip_is_exact(way):
    image, mask = _volume()
    assert np.array_equal(round_trips(image, mask, size=48)[way], mask)  # the crop is 48 px square


@pytest.mark.parametrize("way", WAYS)
def test_at_half_the_size_only_the_boundary_moves(way):
    image, mask = _volume()
    back = round_trips(image, mask, size=24)[way]
    assert back.shape == mask.shape and not back[[0, 5]].any()  # no tumour where there was none
    assert 0.9 < dice(back, mask) < 1.0
    inner = np.zeros_like(mask)
    inner[1:5, 26:39, 26:39] = True  # well inside the disc: unchanged
    assert back[inner].all()
