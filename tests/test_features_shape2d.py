"""ASD and MF, and the contour they rest on, on analytic 2D shapes."""

import numpy as np
import pytest

from radiogenomics.features.contour import (
    largest_component,
    largest_slice,
    perimeter,
    radial_profile,
    region_outline,
    resample_closed,
)
from radiogenomics.features.shape2d import (
    angular_standard_deviation,
    circular_moving_average,
    margin_fluctuation,
)


def star(
    size: int, radius: float, *, amplitude: float = 0.2, lobes: int = 7, phase: float = 0.0, shift=(0, 0)
):
    """Pixels with rho <= R (1 + a cos(k theta + phase)) around the centre (+ shift): a = 0 is a disc."""
    y, x = np.mgrid[:size, :size]
    dy, dx = y - size / 2 - shift[0], x - size / 2 - shift[1]
    return np.hypot(dy, dx) <= radius * (1 + amplitude * np.cos(lobes * np.arctan2(dy, dx) + phase))


def both(mask, **kwargs):
    return angular_standard_deviation(mask, **kwargs), margin_fluctuation(mask, **kwargs)


# --- contour -----------------------------------------------------------------------------------------


def test_outline_of_a_square_runs_half_a_pixel_outside_the_pixel_centres():
    mask = np.zeros((6, 6), bool)
    mask[1:4, 2:5] = True  # 3 x 3 pixels, centres rows 1..3, columns 2..4
    outline = region_outline(mask)
    assert outline[:, 0].min() == pytest.approx(0.5) and outline[:, 0].max() == pytest.approx(3.5)
    assert outline[:, 1].min() == pytest.approx(1.5) and outline[:, 1].max() == pytest.approx(4.5)
    # marching squares cuts each corner: 4 sides of 2 plus 4 diagonals of sqrt(0.5)
    assert perimeter(outline) == pytest.approx(8 + 4 * np.sqrt(0.5))
    scaled = region_outline(mask, spacing=(2.0, 3.0))
    assert scaled[:, 0].max() == pytest.approx(7.0) and scaled[:, 1].max() == pytest.approx(13.5)


def test_outline_fills_holes_and_joins_diagonal_neighbours():
    ring = np.zeros((7, 7), bool)
    ring[1:6, 1:6] = True
    ring[3, 3] = False
    assert len(region_outline(ring)) == len(region_outline(np.pad(np.ones((5, 5), bool), 1)))
    diagonal = np.eye(4, dtype=bool)
    outline = region_outline(diagonal)
    assert outline[:, 0].min() == pytest.approx(-0.5) and outline[:, 0].max() == pytest.approx(3.5)


def test_resample_closed_spaces_points_equally_along_a_square():
    square = np.array([[0, 0], [0, 4], [4, 4], [4, 0]], float)
    points = resample_closed(square, 8)
    np.testing.assert_allclose(points, [[0, 0], [0, 2], [0, 4], [2, 4], [4, 4], [4, 2], [4, 0], [2, 0]])


def test_radial_profile_of_a_disc_is_flat_and_covers_every_angle():
    radius, theta = radial_profile(star(101, 30, amplitude=0), points=360)
    assert radius.mean() == pytest.approx(30.0, abs=0.2)  # between the last pixel in and the first out
    assert radius.std() / radius.mean() < 0.01
    assert np.histogram(theta, bins=12, range=(-np.pi, np.pi))[0].min() > 20


def test_largest_slice_and_largest_component():
    mask = np.zeros((4, 8, 8), bool)
    mask[1, :2, :2] = True
    mask[2, 2:6, 2:6] = True
    mask[3, 2:6, 2:6] = True  # tie with slice 2: the first wins
    assert largest_slice(mask) == 2
    plane = np.zeros((8, 8), bool)
    plane[0, 0] = True
    plane[3:6, 3:6] = True
    np.testing.assert_array_equal(largest_component(plane), np.pad(np.ones((3, 3), bool), ((3, 2), (3, 2))))
    with pytest.raises(ValueError, match="empty"):
        largest_slice(np.zeros((2, 3, 3), bool))


def test_circular_moving_average_wraps_around():
    values = np.array([0.0, 0, 0, 3, 0, 0])
    np.testing.assert_allclose(circular_moving_average(values, 3), [0, 0, 1, 1, 1, 0])
    np.testing.assert_allclose(circular_moving_average(np.array([3.0, 0, 0, 0]), 3), [1, 1, 0, 1])
    with pytest.raises(ValueError, match="odd"):
        circular_moving_average(values, 4)


# --- ASD and MF ------------------------------------------------------------------------------------


@pytest.mark.parametrize("radius", [20, 40, 80])
def test_disc_gives_asd_and_mf_near_zero(radius):
    asd, mf = both(star(3 * radius, radius, amplitude=0))
    assert asd < 0.25 / radius + 0.002 and mf < 0.25 / radius + 0.002  # pixel steps only: ~1/(4 R)
    assert asd >= 0 and mf >= 0


@pytest.mark.parametrize("lobes", [5, 9, 14])
def test_jagged_star_has_much_larger_asd_and_mf_than_a_disc_of_the_same_area(lobes):
    jagged = star(200, 50, amplitude=0.25, lobes=lobes)
    disc = star(200, np.sqrt(jagged.sum() / np.pi), amplitude=0)
    assert abs(int(disc.sum()) - int(jagged.sum())) < 0.02 * jagged.sum()
    asd_star, mf_star = both(jagged)
    asd_disc, mf_disc = both(disc)
    assert asd_star > 10 * asd_disc and asd_star > 0.1
    assert mf_star > 10 * mf_disc and mf_star > 0.05


def test_asd_grows_with_margin_irregularity():
    values = [angular_standard_deviation(star(200, 50, amplitude=a, lobes=8)) for a in (0.0, 0.05, 0.1, 0.2)]
    assert values == sorted(values)


def test_an_ellipse_has_little_mf_its_elongation_is_smooth():
    y, x = np.mgrid[:200, :200]
    ellipse = ((y - 100) / 40) ** 2 + ((x - 100) / 80) ** 2 <= 1
    jagged = star(200, 50, amplitude=0.25, lobes=9)
    assert margin_fluctuation(ellipse) < 0.2 * margin_fluctuation(jagged)


REFERENCE = star(220, 50)


@pytest.mark.parametrize(
    "moved",
    [
        pytest.param(star(220, 50, shift=(7.37, -11.61)), id="translation"),
        pytest.param(np.roll(REFERENCE, (13, -9), axis=(0, 1)), id="integer-translation"),
        pytest.param(np.rot90(REFERENCE), id="rotation-90"),
        pytest.param(star(220, 50, phase=0.9), id="rotation-analytic"),
        pytest.param(star(440, 100), id="scale-2"),
        pytest.param(np.kron(REFERENCE, np.ones((3, 3), bool)), id="upsample-3"),
    ],
)
def test_asd_and_mf_are_invariant_to_translation_rotation_and_scale(moved):
    np.testing.assert_allclose(both(moved), both(REFERENCE), rtol=0.03)


def test_integer_translation_gives_the_same_values_to_rounding():
    np.testing.assert_allclose(both(np.roll(REFERENCE, (13, -9), axis=(0, 1))), both(REFERENCE), rtol=1e-12)


def test_anisotropic_pixels_are_measured_in_physical_units():
    # A disc sampled on 2 x 1 mm pixels: a 2:1 ellipse of pixels, a disc in millimetres.
    y, x = np.mgrid[:120, :220]
    disc_mm = ((y - 60) * 2.0) ** 2 + (x - 110.0) ** 2 <= 90**2
    asd_mm, mf_mm = both(disc_mm, spacing=(2.0, 1.0))
    asd_px, _ = both(disc_mm)
    assert asd_mm < 0.01 and mf_mm < 0.01
    assert asd_px > 10 * asd_mm


def test_only_the_largest_region_of_the_slice_counts():
    jagged = star(200, 50, amplitude=0.25)
    with_island = jagged.copy()
    with_island[2:6, 2:6] = True
    assert both(with_island) == both(jagged)


@pytest.mark.parametrize("normalise", ["mean", "median", "max"])
def test_radius_normalisation_choices(normalise):
    asd, mf = both(star(200, 50, amplitude=0.2), normalise=normalise)
    assert 0.05 < asd < 0.2 and 0.02 < mf < 0.2


@pytest.mark.parametrize(
    ("function", "kwargs", "message"),
    [
        (angular_standard_deviation, {"bins": 0}, "bins is 0"),
        (margin_fluctuation, {"window": 1.5}, "window is 1.5"),
        (margin_fluctuation, {"normalise": "mode"}, "normalise is 'mode'"),
    ],
)
def test_bad_options_are_named(function, kwargs, message):
    with pytest.raises(ValueError, match=message):
        function(star(50, 10), **kwargs)


@pytest.mark.parametrize(
    ("mask", "message"), [(np.zeros((5, 5), bool), "empty"), (np.ones((2, 5, 5), bool), "2, 5, 5")]
)
def test_bad_masks_are_refused(mask, message):
    with pytest.raises(ValueError, match=message):
        angular_standard_deviation(mask)
