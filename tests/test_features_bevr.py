"""BEVR and the minimum-volume enclosing ellipsoid, against analytic shapes and known ellipsoids."""

import math

import numpy as np
import pytest
from scipy import ndimage

from radiogenomics.features.bevr import bevr, bounding_ellipsoid, voxel_centres, voxel_corners
from radiogenomics.features.ellipsoid import minimum_volume_ellipsoid

BOX_BEVR = 2 / (math.sqrt(3) * math.pi)  # a box in its minimum ellipsoid: semi-axes sqrt(3)/2 x the sides


def box(shape, pad=2):
    mask = np.zeros(tuple(s + 2 * pad for s in shape), bool)
    mask[tuple(slice(pad, pad + s) for s in shape)] = True
    return mask


def ball(radius, pad=2):
    n = 2 * radius + 1 + 2 * pad
    z, y, x = np.ogrid[:n, :n, :n]
    return (z - n // 2) ** 2 + (y - n // 2) ** 2 + (x - n // 2) ** 2 <= radius**2


def ellipsoid(semi, *, spacing=(1.0, 1.0, 1.0), shift=(0.0, 0.0, 0.0), angle=0.0):
    """Voxels (of the given spacing) whose centres lie in an ellipsoid with semi-axes ``semi`` (mm),
    shifted by ``shift`` mm and turned by ``angle`` about the slice axis."""
    extent = [int(np.ceil(max(semi) / s)) + 3 for s in spacing]
    axes = [np.arange(-e, e + 1) * s for e, s in zip(extent, spacing, strict=True)]
    z, y, x = (g - d for g, d in zip(np.meshgrid(*axes, indexing="ij"), shift, strict=True))
    c, s = np.cos(angle), np.sin(angle)
    return (z / semi[0]) ** 2 + ((c * y - s * x) / semi[1]) ** 2 + ((s * y + c * x) / semi[2]) ** 2 <= 1


def blob(seed, shape=(16, 28, 28), sigma=2.5, level=0.55):
    rng = np.random.default_rng(seed)
    mask = ndimage.gaussian_filter(rng.random(shape), sigma) > level
    return np.pad(mask, 1)


# --- the ellipsoid -----------------------------------------------------------------------------------


def test_ellipsoid_of_a_box_has_semi_axes_sqrt3_over_2_times_the_sides():
    sides = np.array([2.0, 4.0, 6.0])
    corners = np.array([[a, b, c] for a in (0, 2) for b in (0, 4) for c in (0, 6)], float) + 10
    result = minimum_volume_ellipsoid(corners, tol=1e-9)
    np.testing.assert_allclose(result.center, [11, 12, 13], atol=1e-6)
    np.testing.assert_allclose(
        result.matrix, np.diag(1 / (np.sqrt(3) / 2 * sides) ** 2), rtol=1e-6, atol=1e-9
    )
    assert result.volume == pytest.approx(4 / 3 * np.pi * np.prod(np.sqrt(3) / 2 * sides), rel=1e-6)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ellipsoid_of_a_tetrahedron_is_its_steiner_circumellipsoid(seed):
    # Every tetrahedron is an affine image of the regular one, whose minimum ellipsoid is its circumsphere:
    # volume ratio sphere / tetrahedron = (pi sqrt(6) / 8) / (1 / (6 sqrt(2))) = 3 sqrt(3) pi / 2.
    vertices = np.random.default_rng(seed).normal(size=(4, 3)) * [1, 3, 10]
    tetrahedron = abs(np.linalg.det(vertices[1:] - vertices[0])) / 6
    result = minimum_volume_ellipsoid(vertices, tol=1e-9)
    assert result.volume / tetrahedron == pytest.approx(3 * math.sqrt(3) * math.pi / 2, rel=1e-6)
    np.testing.assert_allclose(result.center, vertices.mean(axis=0), atol=1e-6 * np.abs(vertices).max())


def test_ellipsoid_through_points_on_a_known_ellipsoid_recovers_it():
    rng = np.random.default_rng(3)
    directions = rng.normal(size=(400, 3))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    rotation, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    semi = np.array([5.0, 2.0, 1.0])
    points = (directions * semi) @ rotation.T + [1, 2, 3]
    result = minimum_volume_ellipsoid(points, tol=1e-9)
    expected = rotation @ np.diag(1 / semi**2) @ rotation.T
    np.testing.assert_allclose(result.matrix, expected, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(result.center, [1, 2, 3], atol=1e-5)


def test_ellipsoid_in_2d_of_a_triangle_is_its_steiner_ellipse():
    triangle = np.array([[0.0, 0.0], [4.0, 0.0], [1.0, 3.0]])
    result = minimum_volume_ellipsoid(triangle, tol=1e-10)
    assert result.volume / 6.0 == pytest.approx(4 * math.pi / (3 * math.sqrt(3)), rel=1e-8)


@pytest.mark.parametrize("tol", [1e-2, 1e-4, 1e-6])
def test_ellipsoid_always_encloses_and_is_within_its_stated_tolerance(tol):
    points = np.random.default_rng(4).normal(size=(300, 3)) * [1, 2, 5]
    exact = minimum_volume_ellipsoid(points, tol=1e-11)
    result = minimum_volume_ellipsoid(points, tol=tol)
    assert result.contains(points).all()
    assert exact.volume <= result.volume * (1 + 1e-9) <= exact.volume * (1 + tol) ** 2 * (1 + 1e-9)


@pytest.mark.parametrize(
    ("points", "message"),
    [
        (np.zeros((3, 3)), "N >= d"),
        (np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [1, 1, 0]], float), "fewer than 3 dimensions"),
    ],
)
def test_ellipsoid_refuses_degenerate_points(points, message):
    with pytest.raises(ValueError, match=message):
        minimum_volume_ellipsoid(points)


# --- voxel corners -----------------------------------------------------------------------------------


def test_voxel_corners_of_one_voxel_are_the_8_corners_of_its_box():
    mask = np.zeros((3, 3, 3), bool)
    mask[1, 2, 0] = True
    corners = voxel_corners(mask, spacing=(3.0, 1.0, 0.5))
    expected = {(s * 3.0, r * 1.0, c * 0.5) for s in (1, 2) for r in (2, 3) for c in (0, 1)}
    assert {tuple(p) for p in corners.tolist()} == expected
    assert len(voxel_corners(mask, hull=False)) == 8


@pytest.mark.parametrize("seed", [0, 1])
def test_hull_corners_give_the_same_ellipsoid_as_every_corner(seed):
    mask = blob(seed, shape=(8, 14, 14), sigma=1.5)
    every = voxel_corners(mask, hull=False)
    hull = voxel_corners(mask)
    assert len(hull) < len(every)
    assert {tuple(p) for p in hull.tolist()} <= {tuple(p) for p in every.tolist()}
    from_hull = minimum_volume_ellipsoid(hull, tol=1e-7)
    from_all = minimum_volume_ellipsoid(every, tol=1e-7)
    assert from_hull.volume == pytest.approx(from_all.volume, rel=1e-6)
    assert from_hull.contains(every).all()


def test_voxel_centres_refuse_a_one_slice_tumour():
    mask = np.zeros((3, 6, 6), bool)
    mask[1, 1:4, 1:5] = True
    with pytest.raises(ValueError, match="one plane"):
        voxel_centres(mask)
    assert bevr(mask) == pytest.approx(BOX_BEVR, rel=1e-3)


# --- BEVR ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shape", "spacing"),
    [((1, 1, 1), (1, 1, 1)), ((3, 5, 7), (1, 1, 1)), ((10, 20, 4), (1, 1, 1)), ((4, 9, 9), (3.0, 0.9, 0.9))],
)
def test_box_of_any_size_has_bevr_2_over_sqrt3_pi(shape, spacing):
    assert bevr(box(shape), spacing=spacing) == pytest.approx(BOX_BEVR, rel=0.01)


def test_ball_bevr_rises_towards_1_with_its_radius():
    values = {radius: bevr(ball(radius)) for radius in (3, 5, 10, 20, 40)}
    assert list(values.values()) == sorted(values.values())
    assert 0.75 < values[10] < 0.85  # corners stick out of a radius-10 ball
    assert values[40] > 0.93
    assert max(values.values()) <= 1.0


@pytest.mark.parametrize("seed", range(6))
def test_bevr_never_exceeds_1_and_its_ellipsoid_holds_every_voxel(seed):
    mask = blob(seed, shape=(10, 18, 18), sigma=1.5)
    value = bevr(mask)
    assert 0 < value <= 1
    ellipsoid = bounding_ellipsoid(mask)
    assert ellipsoid.contains(voxel_corners(mask, hull=False)).all()


def test_irregular_tumour_has_lower_bevr_than_an_ellipsoid():
    two_balls = np.zeros((25, 25, 60), bool)
    two_balls[:, :, :25] |= ball(10)
    two_balls[:, :, 30:55] |= ball(10)
    two_balls[10:15, 10:15, 20:35] = True
    assert bevr(two_balls) < 0.6 < bevr(ball(10))


def test_bevr_with_voxel_centres_is_larger_than_with_corners():
    mask = box((3, 15, 17))
    assert bevr(mask, points="centres") == pytest.approx(BOX_BEVR * (3 * 15 * 17) / (2 * 14 * 16), rel=1e-3)


REFERENCE = ellipsoid((9.0, 14.0, 11.0), angle=0.3)


@pytest.mark.parametrize(
    ("moved", "spacing"),
    [
        pytest.param(np.roll(REFERENCE, (2, -3, 4), axis=(0, 1, 2)), (1, 1, 1), id="integer-translation"),
        pytest.param(np.rot90(REFERENCE, axes=(1, 2)), (1, 1, 1), id="rotation-90"),
        pytest.param(REFERENCE.transpose(2, 0, 1), (1, 1, 1), id="axis-permutation"),
        pytest.param(np.kron(REFERENCE, np.ones((2, 2, 2), bool)), (1, 1, 1), id="upsample-2"),
        pytest.param(REFERENCE, (2.5, 2.5, 2.5), id="scale-spacing"),
        pytest.param(np.repeat(REFERENCE, 3, axis=0), (1, 1, 1), id="slices-split-in-3"),
    ],
)
def test_bevr_is_exactly_invariant_when_the_voxels_are_the_same_solid(moved, spacing):
    assert bevr(moved, spacing=spacing) == pytest.approx(bevr(REFERENCE), rel=3e-4)


def test_thick_slices_equal_their_split_thin_slices():
    assert bevr(REFERENCE, spacing=(3.0, 1.0, 1.0)) == pytest.approx(
        bevr(np.repeat(REFERENCE, 3, axis=0)), rel=3e-4
    )


@pytest.mark.parametrize(
    "moved",
    [
        pytest.param(ellipsoid((9.0, 14.0, 11.0), angle=0.3, shift=(0.3, 0.41, -0.27)), id="subvoxel-shift"),
        pytest.param(ellipsoid((9.0, 14.0, 11.0), angle=1.1), id="rotation"),
    ],
)
def test_bevr_is_invariant_to_translation_and_rotation_within_discretisation(moved):
    assert bevr(moved) == pytest.approx(bevr(REFERENCE), rel=0.02)


@pytest.mark.parametrize("semi", [(30.0, 40.0, 35.0), (24.0, 30.0, 36.0)])
def test_resampling_to_3mm_slices_leaves_bevr_unchanged_within_discretisation(semi):
    # The same ellipsoid digitised at 1 x 1 x 1 mm and at 3 x 1 x 1 mm (slice, row, column): thick voxels
    # stick out of the surface by up to half a slice, so BEVR drops by a few per cent (5-6 % here).
    fine = bevr(ellipsoid(semi))
    thick = bevr(ellipsoid(semi, spacing=(3.0, 1.0, 1.0)), spacing=(3.0, 1.0, 1.0))
    assert thick == pytest.approx(fine, rel=0.08)
    assert 0 < thick <= 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"spacing": (1, 1)}, "spacing is"),
        ({"spacing": (1, 0, 1)}, "spacing is"),
        ({"points": "faces"}, "points is"),
    ],
)
def test_bevr_names_bad_options(kwargs, message):
    with pytest.raises(ValueError, match=message):
        bevr(box((2, 2, 2)), **kwargs)


def test_bevr_refuses_an_empty_mask():
    with pytest.raises(ValueError, match="empty"):
        bevr(np.zeros((3, 3, 3), bool))
