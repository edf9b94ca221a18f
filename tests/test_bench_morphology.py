"""The margin clean-ups that benchmarks.lgg_morphology measures, on masks whose answer is known by hand."""

import numpy as np

from benchmarks.lgg_morphology import VARIANTS, cleaned


def _ring() -> np.ndarray:
    mask = np.zeros((3, 9, 9), bool)
    mask[1, 2:7, 2:7] = True
    mask[1, 4, 4] = False  # a one-pixel hole inside the slice
    return mask


def test_holes_are_filled_per_slice_and_the_rest_kept():
    filled = cleaned(_ring(), "holes filled per slice")
    assert filled.sum() == 25 and filled[1, 4, 4]
    assert np.array_equal(cleaned(_ring(), "as is"), _ring())


def test_opening_removes_a_one_pixel_spur_and_keeps_the_body():
    mask = np.zeros((3, 9, 9), bool)
    mask[1, 2:6, 2:6] = True
    mask[1, 6:8, 2] = True  # a spur one pixel wide, down from the square's corner
    opened = cleaned(mask, "opened per slice")
    # by a 4-connected cross: the spur and the square's four corners go, its other 12 pixels stay
    expected = np.zeros_like(mask)
    expected[1, 2:6, 2:6] = True
    expected[1, [2, 2, 5, 5], [2, 5, 2, 5]] = False
    assert np.array_equal(opened, expected)


def test_closing_at_the_volume_edge_does_not_erode_the_mask():
    mask = np.zeros((2, 6, 6), bool)
    mask[:, :3, :3] = True  # touches the volume's first slice, rows and columns
    for variant in ("closed per slice, holes filled", "closed in 3D"):
        assert np.array_equal(cleaned(mask, variant), mask), variant


def test_only_the_largest_component_is_kept_after_each_clean_up():
    mask = np.zeros((3, 12, 12), bool)
    mask[1, 1:5, 1:5] = True
    mask[1, 8:10, 8:10] = True
    for variant in VARIANTS:
        assert cleaned(mask, variant)[1, 8:10, 8:10].sum() == 0, variant
