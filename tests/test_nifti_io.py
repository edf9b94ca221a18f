import numpy as np
import pytest

from radiogenomics.errors import InputError
from radiogenomics.nifti_io import Geometry, find_nifti_cases, read_nifti, read_nifti_case, write_nifti

GEOMETRY = Geometry(
    spacing=(3.0, 0.5, 0.75),
    origin=(10.0, -20.0, 5.5),
    direction=(0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, -1.0),
)


def test_volume_round_trip_keeps_geometry(tmp_path):
    volume = np.arange(4 * 5 * 6, dtype=np.int16).reshape(4, 5, 6)
    write_nifti(tmp_path / "v.nii.gz", volume, GEOMETRY)
    back, geometry = read_nifti(tmp_path / "v.nii.gz")
    np.testing.assert_array_equal(back, volume)
    assert geometry == GEOMETRY


def test_multichannel_image_round_trip(tmp_path):
    image = np.random.default_rng(0).integers(0, 255, (3, 4, 5, 3), dtype=np.uint8)
    write_nifti(tmp_path / "c.nii.gz", image, GEOMETRY)
    back, _ = read_nifti(tmp_path / "c.nii.gz")
    np.testing.assert_array_equal(back, image)


@pytest.mark.parametrize("per_modality", [False, True])
def test_case_layouts(tmp_path, per_modality):
    image = np.random.default_rng(1).integers(0, 255, (3, 4, 5, 2), dtype=np.uint8)
    mask = np.zeros((3, 4, 5), bool)
    mask[1, 1:3, 2:4] = True
    if per_modality:
        for k in range(2):
            write_nifti(tmp_path / f"TCGA_XY_0001_2000010{1}_000{k}.nii.gz", image[..., k], GEOMETRY)
    else:
        write_nifti(tmp_path / "TCGA_XY_0001_20000101.nii.gz", image, GEOMETRY)
    write_nifti(tmp_path / "TCGA_XY_0001_20000101_mask.nii.gz", mask * np.uint8(255), GEOMETRY)
    [files] = find_nifti_cases(tmp_path)
    case = read_nifti_case(files)
    np.testing.assert_array_equal(case.image, image)
    np.testing.assert_array_equal(case.mask, mask)
    assert case.spacing == (3.0, 0.5, 0.75)
    assert case.patient == "TCGA_XY_0001"


def test_mask_geometry_differs_from_image(tmp_path):
    write_nifti(tmp_path / "a.nii.gz", np.zeros((3, 4, 5), np.uint8), GEOMETRY)
    other = Geometry(spacing=(1.0, 0.5, 0.75), origin=GEOMETRY.origin, direction=GEOMETRY.direction)
    write_nifti(tmp_path / "a_mask.nii.gz", np.zeros((3, 4, 5), np.uint8), other)
    [files] = find_nifti_cases(tmp_path)
    with pytest.raises(
        InputError, match=r"a_mask\.nii\.gz: mask geometry .* differs from its image a\.nii\.gz"
    ):
        read_nifti_case(files)


def test_mask_only_folder(tmp_path):
    mask = np.zeros((2, 3, 3), np.uint8)
    mask[0, 1, 1] = 1
    write_nifti(tmp_path / "p1.nii.gz", mask, GEOMETRY)
    [files] = find_nifti_cases(tmp_path)
    case = read_nifti_case(files, images=False)
    assert case.mask.sum() == 1 and case.image is None


def test_unreadable_nifti(tmp_path):
    (tmp_path / "bad.nii.gz").write_bytes(b"not a nifti")
    with pytest.raises(InputError, match=r"bad\.nii\.gz: cannot read NIfTI"):
        read_nifti(tmp_path / "bad.nii.gz")


def test_case_name_ending_in_four_digits_is_not_a_modality(tmp_path):
    for name in ("TCGA_NI_0002", "TCGA_NI_0003"):
        write_nifti(tmp_path / f"{name}.nii.gz", np.ones((2, 3, 3), np.uint8), GEOMETRY)
    assert [c.name for c in find_nifti_cases(tmp_path)] == ["TCGA_NI_0002", "TCGA_NI_0003"]
