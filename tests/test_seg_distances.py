"""Surface distances: hand-computed values, anisotropic spacing, the empty-mask rule, and two independent
implementations on random shapes (medpy itself, and brute-force all-pairs distances with scipy's cdist)."""

import numpy as np
import pytest
from scipy import ndimage
from scipy.spatial.distance import cdist

from segmentation.distances import assd, hd95, surface, surface_distances, volume_diagonal


def line(length, voxels):
    """A (1, 1, length) mask holding ``voxels`` (every voxel is surface: the array's edge is outside)."""
    mask = np.zeros((1, 1, length), bool)
    mask[0, 0, list(voxels)] = True
    return mask


def single(shape, index):
    mask = np.zeros(shape, bool)
    mask[index] = True
    return mask


def test_surface_of_a_cube_inside_and_touching_the_edge():
    cube = np.zeros((5, 5, 5), bool)
    cube[1:4, 1:4, 1:4] = True
    assert surface(cube).sum() == 26 and not surface(cube)[2, 2, 2]  # all but the centre
    assert surface(np.ones((3, 3, 3), bool)).sum() == 26  # outside the array counts as background
    assert surface(np.ones((1, 3, 3), bool)).sum() == 9  # one slice: every voxel touches the outside
    square = np.zeros((7, 7), bool)
    square[1:6, 1:6] = True
    assert surface(square).sum() == 16


@pytest.mark.parametrize(
    ("prediction", "truth", "spacing", "expected_hd95", "expected_assd"),
    [
        # two voxels 3 apart along the columns
        (single((3, 5, 5), (1, 1, 1)), single((3, 5, 5), (1, 1, 4)), None, 3.0, 3.0),
        (single((3, 5, 5), (1, 1, 1)), single((3, 5, 5), (1, 1, 4)), (2.0, 0.5, 3.0), 9.0, 9.0),
        # 2 apart along the slices: only the slice thickness counts
        (single((3, 5, 5), (0, 2, 2)), single((3, 5, 5), (2, 2, 2)), (3.0, 1.0, 1.0), 6.0, 6.0),
        # diagonal in a slice, anisotropic in-plane: sqrt((2*0.5)^2 + (1*3)^2) = sqrt(10)
        (single((1, 5, 5), (0, 0, 0)), single((1, 5, 5), (0, 2, 1)), (9.0, 0.5, 3.0), 10**0.5, 10**0.5),
        # [0,1] against [3,4]: distances 3,2 and 2,3 -> pooled P95 = 3, ASSD 2.5 (x2 with spacing 2)
        (line(5, [0, 1]), line(5, [3, 4]), None, 3.0, 2.5),
        (line(5, [0, 1]), line(5, [3, 4]), (1.0, 1.0, 2.0), 6.0, 5.0),
        # [0..3] against [0]: forward 0,1,2,3, backward 0 -> ASSD = pooled mean 6/5 = 1.2 (not the mean of
        # the directed means, 0.75, as medpy <= 0.4 had it); pooled sorted 0,0,1,2,3 -> P95 at rank 3.8 = 2.8
        (line(6, [0, 1, 2, 3]), line(6, [0]), None, 2.8, 1.2),
        (line(6, [0]), line(6, [0, 1, 2, 3]), None, 2.8, 1.2),
        # identical masks
        (line(6, [1, 2]), line(6, [1, 2]), (5.0, 5.0, 5.0), 0.0, 0.0),
    ],
)
def test_hand_computed_values(prediction, truth, spacing, expected_hd95, expected_assd):
    assert hd95(prediction, truth, spacing=spacing) == pytest.approx(expected_hd95)
    assert assd(prediction, truth, spacing=spacing) == pytest.approx(expected_assd)


def test_directed_distances_of_a_line():
    assert surface_distances(line(6, [0, 1, 2, 3]), line(6, [0])).tolist() == [0, 1, 2, 3]
    assert surface_distances(line(6, [0]), line(6, [0, 1, 2, 3])).tolist() == [0]


def test_only_the_surface_counts():
    # (2D: in a (1, 7, 7) volume every voxel would be surface, the slices beyond being outside)
    # a filled 5x5 square against its own 3x3 centre: the square's boundary is 1 pixel from the centre's
    # boundary (or 1.414 at the corners), the centre's boundary is 1 from the square's
    square = np.zeros((7, 7), bool)
    square[1:6, 1:6] = True
    centre = np.zeros((7, 7), bool)
    centre[2:5, 2:5] = True
    forward = surface_distances(square, centre)
    assert sorted(forward.round(4).tolist()) == [1.0] * 12 + [1.4142] * 4
    assert surface_distances(centre, square).tolist() == [1.0] * 8  # the centre's middle pixel is interior
    assert assd(square, centre) == pytest.approx((12 + 4 * 2**0.5 + 8) / (16 + 8))


@pytest.mark.parametrize(
    ("shape", "spacing", "expected"),
    [((2, 3, 6), None, 7.0), ((2, 3, 6), (2.0, 2.0, 2.0), 14.0), ((1, 2, 2), (2.0, 1.5, 3.0), 7.0)],
)
def test_empty_mask_rule(shape, spacing, expected):
    assert volume_diagonal(shape, spacing) == pytest.approx(expected)
    empty, full = np.zeros(shape, bool), np.zeros(shape, bool)
    full[0, 0, 0] = True
    for metric in (hd95, assd):
        assert metric(empty, empty, spacing=spacing) == 0.0
        assert metric(full, empty, spacing=spacing) == pytest.approx(expected)
        assert metric(empty, full, spacing=spacing) == pytest.approx(expected)
    with pytest.raises(ValueError, match="empty"):
        surface_distances(full, empty)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="must match"):
        hd95(np.ones((2, 3, 3), bool), np.ones((2, 3, 4), bool))
    with pytest.raises(ValueError, match="positive voxel sizes"):
        assd(np.ones((2, 3, 3), bool), np.ones((2, 3, 3), bool), spacing=(1.0, 0.0, 1.0))


def random_blobs(rng, shape, *, fill=0.5, sigma=1.5):
    """A random mask of smooth blobs (thresholded Gaussian noise), touching the array's edge at times."""
    noise = ndimage.gaussian_filter(rng.standard_normal(shape), sigma)
    return noise > np.quantile(noise, 1 - fill * rng.uniform(0.05, 0.4))


def brute_force(prediction, truth, spacing):
    """Independent HD95 and ASSD: all-pairs distances between surface voxel centres (scipy cdist)."""
    structure = ndimage.generate_binary_structure(3, 1)
    points = []
    for mask in (prediction, truth):
        boundary = mask & ~ndimage.binary_erosion(mask, structure=structure)  # medpy's border
        points.append(np.argwhere(boundary) * np.asarray(spacing))
    pairs = cdist(points[0], points[1])
    forward, backward = pairs.min(axis=1), pairs.min(axis=0)
    pooled = np.concatenate([forward, backward])
    return np.percentile(pooled, 95), pooled.mean()


CASES = [(seed, shape, spacing) for seed, (shape, spacing) in enumerate(
    [((6, 20, 20), (1.0, 1.0, 1.0)), ((8, 16, 24), (3.0, 0.94, 0.94)), ((5, 30, 12), (0.5, 2.0, 1.25)),
     ((10, 10, 10), (1.0, 1.0, 1.0)), ((4, 25, 25), (5.0, 0.7, 0.7)), ((12, 14, 9), (1.2, 3.3, 0.8))] * 2
)]  # fmt: skip


@pytest.mark.parametrize(("seed", "shape", "spacing"), CASES)
def test_equals_brute_force_on_random_shapes(seed, shape, spacing):
    rng = np.random.default_rng(seed)
    prediction, truth = random_blobs(rng, shape), random_blobs(rng, shape)
    expected_hd95, expected_assd = brute_force(prediction, truth, spacing)
    assert hd95(prediction, truth, spacing=spacing) == pytest.approx(expected_hd95, rel=1e-9)
    assert assd(prediction, truth, spacing=spacing) == pytest.approx(expected_assd, rel=1e-9)


@pytest.mark.parametrize(("seed", "shape", "spacing"), CASES)
def test_equals_medpy_on_random_shapes(seed, shape, spacing):
    binary = pytest.importorskip("medpy.metric.binary")
    rng = np.random.default_rng(seed + 100)
    prediction, truth = random_blobs(rng, shape), random_blobs(rng, shape)
    assert hd95(prediction, truth, spacing=spacing) == pytest.approx(
        binary.hd95(prediction, truth, voxelspacing=spacing), rel=1e-12
    )
    assert assd(prediction, truth, spacing=spacing) == pytest.approx(
        binary.assd(prediction, truth, voxelspacing=spacing), rel=1e-12
    )
