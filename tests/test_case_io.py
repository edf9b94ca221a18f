import numpy as np
import pytest
import skimage.io
import tifffile
from PIL import Image

from radiogenomics.case_io import (
    find_case_dirs,
    iter_cases,
    odd_one_out,
    parse_case_name,
    read_case,
    replace_mask_case,
    write_mask_case,
)
from radiogenomics.errors import InputError
from tests.helpers import make_case

CASE = "TCGA_AB_0001_20000101"


def test_round_trip(tmp_path):
    image, mask = make_case(tmp_path, slices=4)
    case = read_case(tmp_path / CASE)
    assert case.slices == (1, 2, 3, 4)
    np.testing.assert_array_equal(case.image, image)
    np.testing.assert_array_equal(case.mask, mask)
    assert (case.patient, case.institution, case.name) == ("TCGA_AB_0001", "AB", CASE)
    assert case.spacing is None


def test_slices_sorted_by_number_not_text(tmp_path):
    image, mask = make_case(tmp_path, slices=11)
    case = read_case(tmp_path / CASE)
    assert case.slices == tuple(range(1, 12))
    np.testing.assert_array_equal(case.image[9], image[9])  # _10 after _9


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("TCGA_CS_4941_19960909", ("TCGA_CS_4941", "CS")),
        ("TCGA_HT_A61B_19991127", ("TCGA_HT_A61B", "HT")),
        ("patient7", ("patient7", "")),
    ],
)
def test_parse_case_name(name, expected):
    assert parse_case_name(name) == expected


def test_masks_read_back_identically_by_three_readers(tmp_path):
    mask = np.zeros((2, 8, 8), bool)
    mask[1, 2:5, 3:7] = True
    case_dir = write_mask_case(tmp_path, "c", [1, 2], mask)
    for number in (1, 2):
        path = case_dir / f"c_{number}_mask.tif"
        want = mask[number - 1].astype(np.uint8) * 255
        for reader in (tifffile.imread, lambda p: np.asarray(Image.open(p)), skimage.io.imread):
            got = reader(path)
            assert got.dtype == np.uint8
            np.testing.assert_array_equal(got, want)


def test_masks_only(tmp_path):
    _, mask = make_case(tmp_path)
    for path in (tmp_path / CASE).glob("*.tif"):
        if not path.name.endswith("_mask.tif"):
            path.unlink()
    case = read_case(tmp_path / CASE, images=False)
    assert case.image is None
    np.testing.assert_array_equal(case.mask, mask)


def test_mask_values_zero_one_accepted(tmp_path):
    make_case(tmp_path)
    path = tmp_path / CASE / f"{CASE}_2_mask.tif"
    tifffile.imwrite(path, (tifffile.imread(path) > 0).astype(np.uint8))
    assert read_case(tmp_path / CASE).mask[1].sum() == 16


def test_iter_cases_is_lazy_and_sorted(tmp_path):
    make_case(tmp_path, "TCGA_AB_0002_20000101")
    make_case(tmp_path, "TCGA_AB_0001_20000101")
    cases = iter_cases(tmp_path, images=False)
    assert not isinstance(cases, list)
    assert [c.name for c in cases] == ["TCGA_AB_0001_20000101", "TCGA_AB_0002_20000101"]


def test_root_may_be_one_case_folder(tmp_path):
    make_case(tmp_path)
    assert find_case_dirs(tmp_path / CASE) == [tmp_path / CASE]


def _truncate(case_dir):
    path = case_dir / f"{CASE}_2.tif"
    path.write_bytes(path.read_bytes()[:300])


def _drop_mask(case_dir):
    (case_dir / f"{CASE}_2_mask.tif").unlink()


def _drop_image(case_dir):
    (case_dir / f"{CASE}_2.tif").unlink()


def _resize_mask(case_dir):
    tifffile.imwrite(case_dir / f"{CASE}_2_mask.tif", np.zeros((8, 8), np.uint8))


def _sixteen_bit(case_dir):
    tifffile.imwrite(case_dir / f"{CASE}_2.tif", np.full((16, 16, 3), 3000, np.uint16), photometric="rgb")


def _odd_values(case_dir):
    tifffile.imwrite(case_dir / f"{CASE}_2_mask.tif", np.full((16, 16), 7, np.uint8))


def _gap(case_dir):
    for suffix in ("", "_mask"):
        (case_dir / f"{CASE}_2{suffix}.tif").rename(case_dir / f"{CASE}_5{suffix}.tif")


def _duplicate(case_dir):
    for suffix in ("", "_mask"):
        (case_dir / f"{CASE}_02{suffix}.tif").write_bytes((case_dir / f"{CASE}_2{suffix}.tif").read_bytes())


def _stray_name(case_dir):
    (case_dir / "scan.tif").write_bytes((case_dir / f"{CASE}_2.tif").read_bytes())


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (_truncate, r"_2\.tif: cannot read TIFF .*truncated"),
        (_drop_mask, r"_2\.tif: image has no mask; add .*_2_mask\.tif"),
        (_drop_image, r"_2_mask\.tif: mask has no image"),
        (
            _resize_mask,
            r"_2_mask\.tif: mask shape is \(8, 8\), 2 of the case's 3 slices are \(16, 16\); resize",
        ),
        (_sixteen_bit, r"_2\.tif: image dtype is uint16, 2 of the case's 3 slices are uint8; convert it"),
        (_odd_values, r"_2_mask\.tif: mask values are \[7\]; expected 0/255 or 0/1"),
        (_gap, r"slice numbers jump over \[2, 4\]; every slice from 1 to 5"),
        (_duplicate, r"slice 2 appears twice"),
        (_stray_name, r"scan\.tif: file name is not"),
    ],
)
def test_bad_case_is_named(tmp_path, damage, message):
    make_case(tmp_path)
    damage(tmp_path / CASE)
    with pytest.raises(InputError, match=message):
        read_case(tmp_path / CASE)


def test_an_odd_first_slice_is_named_not_the_healthy_one_after_it(tmp_path):
    make_case(tmp_path)
    tifffile.imwrite(tmp_path / CASE / f"{CASE}_1.tif", np.zeros((16, 16, 3), np.uint16), photometric="rgb")
    with pytest.raises(InputError, match=r"_1\.tif: image dtype is uint16"):
        read_case(tmp_path / CASE)


@pytest.mark.parametrize(
    ("values", "expected"),
    [([1, 1, 1], None), ([1, 2, 1], (1, 1)), ([2, 1, 1], (0, 1)), ([1, 2], (1, 1)), (["a"], None)],
)
def test_odd_one_out(values, expected):
    assert odd_one_out(values) == expected


def test_empty_case_folder(tmp_path):
    make_case(tmp_path)
    (tmp_path / "TCGA_AB_0009_20000101").mkdir()
    with pytest.raises(InputError, match="0009_20000101: case folder is empty"):
        find_case_dirs(tmp_path)


def test_folder_without_cases(tmp_path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "a.txt").write_text("x")
    with pytest.raises(InputError, match="holds no case folders"):
        find_case_dirs(tmp_path)


def test_case_folder_without_tiffs(tmp_path):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "a.txt").write_text("x")
    with pytest.raises(InputError, match="holds no slice TIFFs"):
        read_case(tmp_path / "c")


def test_masks_of_another_shape_than_their_images(tmp_path):
    make_case(tmp_path)
    for path in (tmp_path / CASE).glob("*_mask.tif"):
        tifffile.imwrite(path, np.zeros((8, 8), np.uint8))
    with pytest.raises(InputError, match=r"masks are \(8, 8\), images are \(16, 16\); each mask must match"):
        read_case(tmp_path / CASE)


def test_replace_mask_case_swaps_in_the_whole_folder_and_drops_what_a_kill_left(tmp_path):
    mask = np.zeros((3, 8, 8), bool)
    mask[1, 2:5, 2:5] = True
    old = tmp_path / "out" / CASE
    old.mkdir(parents=True)
    (old / f"{CASE}_9_mask.tif").write_bytes(b"a slice the new mask does not have")
    staged = tmp_path / "staging" / CASE
    staged.mkdir(parents=True)
    (staged / f".{CASE}_1_mask.x1y2z3.tif").write_bytes(b"")  # an atomic write's temporary, killed
    assert replace_mask_case(tmp_path / "out", CASE, [1, 2, 3], mask, staging=tmp_path / "staging") == old
    assert sorted(p.name for p in old.iterdir()) == [f"{CASE}_{n}_mask.tif" for n in (1, 2, 3)]
    np.testing.assert_array_equal(read_case(old, images=False).mask, mask)
    assert not staged.exists() and not list((tmp_path / "out").glob(".old-*"))
