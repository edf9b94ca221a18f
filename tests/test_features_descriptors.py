"""scikit-image/SciPy descriptors and the pyradiomics shape columns."""

import logging

import numpy as np
import pytest
import SimpleITK as sitk
from scipy import ndimage

from radiogenomics.features import radiomics_shape
from radiogenomics.features.descriptors import slice_descriptors, surface_mesh, volume_descriptors
from radiogenomics.features.radiomics_shape import (
    SHAPE_2D,
    SHAPE_3D,
    expected_columns,
    radiomics_shape_2d,
    radiomics_shape_3d,
)


def blob(seed, shape=(14, 24, 24), sigma=2.0, level=0.52):
    rng = np.random.default_rng(seed)
    return np.pad(ndimage.gaussian_filter(rng.random(shape), sigma) > level, 1)


def ball(radius):
    n = 2 * radius + 5
    z, y, x = np.ogrid[:n, :n, :n]
    return (z - n // 2) ** 2 + (y - n // 2) ** 2 + (x - n // 2) ** 2 <= radius**2


# --- 3D descriptors -----------------------------------------------------------------------------------


def test_box_descriptors_by_hand():
    mask = np.zeros((6, 8, 9), bool)
    mask[1:4, 2:7, 1:8] = True  # 3 x 5 x 7 voxels
    result = volume_descriptors(mask, spacing=(2.0, 1.0, 0.5))
    assert result.volume == pytest.approx(3 * 5 * 7 * 2 * 1 * 0.5)
    assert result.solidity == pytest.approx(1.0)
    assert result.extent == pytest.approx(1.0)
    assert result.components == 1
    assert 0 < result.sphericity < 1


def test_marching_cubes_volume_and_area_of_a_big_ball_approach_the_sphere():
    radius = 20
    area, enclosed = surface_mesh(ball(radius), spacing=(1.0, 1.0, 1.0))
    assert enclosed == pytest.approx(4 / 3 * np.pi * radius**3, rel=0.02)
    assert area == pytest.approx(4 * np.pi * radius**2, rel=0.1)  # staircase: ~8 % over
    assert 0.9 < volume_descriptors(ball(radius)).sphericity < 1.0


def test_sphericity_and_surface_agree_with_pyradiomics_own_mesh():
    mask = blob(0)
    ours = volume_descriptors(mask, spacing=(3.0, 1.0, 0.5))
    theirs = radiomics_shape_3d(mask, spacing=(3.0, 1.0, 0.5))
    assert ours.surface_area == pytest.approx(theirs["original_shape_SurfaceArea"], rel=0.01)
    assert ours.sphericity == pytest.approx(theirs["original_shape_Sphericity"], rel=0.01)
    assert ours.volume == pytest.approx(theirs["original_shape_VoxelVolume"])


def test_solidity_extent_and_components_of_an_l_shape_with_an_island():
    mask = np.zeros((3, 10, 10), bool)
    mask[1, 1:5, 1:3] = True  # 4 x 2
    mask[1, 3:5, 3:5] = True  # + 2 x 2: an L of 12 voxels in a 4 x 4 box
    island = mask.copy()
    island[1, 8, 8] = True
    result = volume_descriptors(mask, components_of=island)
    assert result.extent == pytest.approx(12 / 16)
    assert result.components == 2
    # hull of the corners: the 4 x 4 square minus the triangle cut at the L's inner corner (area 2)
    assert result.solidity == pytest.approx(12 / (16 - 2))


def test_volume_descriptors_refuse_an_empty_mask():
    with pytest.raises(ValueError, match="0 voxels"):
        volume_descriptors(np.zeros((2, 3, 3), bool))


# --- 2D descriptors -----------------------------------------------------------------------------------


def test_rectangle_slice_descriptors_by_hand():
    mask = np.zeros((10, 12), bool)
    mask[2:6, 3:10] = True  # 4 x 7
    result = slice_descriptors(mask, spacing=(2.0, 1.0))
    assert result.slice_area == pytest.approx(4 * 7 * 2.0)
    # marching squares: sides (4 - 1) x 2 mm and (7 - 1) x 1 mm, corners cut by diagonals of (1 mm, 0.5 mm)
    assert result.slice_perimeter == pytest.approx(2 * 6 + 2 * 6 + 4 * np.hypot(1.0, 0.5))
    assert result.slice_solidity == pytest.approx(1.0)


def test_disc_in_millimetres_has_eccentricity_near_zero_even_on_anisotropic_pixels():
    y, x = np.mgrid[:80, :160]
    disc_mm = ((y - 40) * 2.0) ** 2 + (x - 80.0) ** 2 <= 60**2
    assert slice_descriptors(disc_mm, spacing=(2.0, 1.0)).slice_eccentricity < 0.1  # axis ratio > 0.995
    assert slice_descriptors(disc_mm).slice_eccentricity == pytest.approx(np.sqrt(1 - 0.25), abs=0.02)


# --- pyradiomics --------------------------------------------------------------------------------------


def pyradiomics_direct(mask, spacing, feature_class):
    """pyradiomics' feature class called directly on SimpleITK images (no extractor, no cropping)."""
    import radiomics.shape
    import radiomics.shape2D

    labels = sitk.GetImageFromArray(mask.astype(np.uint8))
    image = sitk.GetImageFromArray(np.where(mask, 100.0, 0.0).astype(np.float32))
    for item in (image, labels):
        item.SetSpacing(tuple(reversed(spacing)))
    cls = radiomics.shape.RadiomicsShape if feature_class == "shape" else radiomics.shape2D.RadiomicsShape2D
    features = cls(image, labels, label=1)
    features.enableAllFeatures()
    with np.errstate(divide="ignore", invalid="ignore"):
        return {name: float(value) for name, value in features.execute().items()}


@pytest.mark.parametrize("spacing", [(1.0, 1.0, 1.0), (3.0, 0.9, 0.7)])
@pytest.mark.parametrize("seed", [0, 1])
def test_our_pyradiomics_columns_equal_pyradiomics_called_directly(seed, spacing):
    mask = blob(seed)
    mask = mask[tuple(slice(i.min(), i.max() + 1) for i in np.nonzero(mask))]  # as the extractor sees it
    ours = radiomics_shape_3d(mask, spacing=spacing)
    direct = pyradiomics_direct(mask, spacing, "shape")
    assert list(ours) == expected_columns(two_d=False)
    for name in SHAPE_3D:
        assert ours["original_shape_" + name] == pytest.approx(direct[name], rel=1e-9), name
    plane = mask[mask.reshape(len(mask), -1).sum(axis=1).argmax()]
    ours_2d = radiomics_shape_2d(plane, spacing=spacing[1:])
    direct_2d = pyradiomics_direct(plane, spacing[1:], "shape2D")
    for name in SHAPE_2D:
        assert ours_2d["original_shape2D_" + name] == pytest.approx(direct_2d[name], rel=1e-9), name


def test_missing_pyradiomics_columns_fail_loudly(monkeypatch):
    class Skipping:  # what pyradiomics does with 3D shape on 2D input: logs and returns nothing
        def execute(self, image, mask, label=None):
            return {"original_shape_MeshVolume": 1.0}

    monkeypatch.setattr(radiomics_shape, "_extractor", lambda feature_class: Skipping())
    with pytest.raises(RuntimeError, match="returned no original_shape_VoxelVolume"):
        radiomics_shape_3d(blob(0))


@pytest.mark.parametrize(
    ("function", "mask", "message"),
    [
        (radiomics_shape_3d, np.ones((4, 4), bool), "needs an \\(S, R, C\\) volume"),
        (radiomics_shape_2d, np.ones((2, 4, 4), bool), "needs one \\(R, C\\) slice"),
        (radiomics_shape_3d, np.zeros((2, 4, 4), bool), "empty"),
    ],
)
def test_pyradiomics_wrappers_refuse_the_wrong_input(function, mask, message):
    with pytest.raises(ValueError, match=message):
        function(mask)


def test_pyradiomics_logger_is_kept_quiet(caplog):
    flat = np.zeros((1, 6, 6), bool)
    flat[0, 1:5, 1:5] = True  # a flat ROI: pyradiomics warns about eigenvalues
    with caplog.at_level(logging.DEBUG):
        radiomics_shape_3d(flat)
    assert logging.getLogger("radiomics").level >= logging.ERROR
    assert not [r for r in caplog.records if r.name.startswith("radiomics") and r.levelno >= logging.WARNING]
