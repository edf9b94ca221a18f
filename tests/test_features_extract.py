"""The feature table over a folder of masks: layouts, spacing, empty and bad cases, the sidecar, jobs."""

import json
import math

import numpy as np
import pandas as pd
import pytest
import tifffile

from radiogenomics.case_io import write_mask_case
from radiogenomics.errors import InputError
from radiogenomics.features import (
    STUDY_FEATURES,
    EmptyMaskWarning,
    FeatureConfig,
    extract_features,
    feature_columns,
    mask_features,
    read_features,
    write_features,
)
from radiogenomics.features.columns import BOOKKEEPING_COLUMNS
from radiogenomics.features.extract import PartialFeaturesWarning
from radiogenomics.features.measure import GroupFailed
from radiogenomics.nifti_io import Geometry, write_nifti

BOX_BEVR = 2 / (math.sqrt(3) * math.pi)


def box_mask():
    mask = np.zeros((6, 20, 20), bool)
    mask[1:4, 4:12, 5:15] = True  # 3 x 8 x 10 voxels; slices 2-4 (1-based), all equal: the first wins
    return mask


def star_mask(amplitude=0.25):
    z, y, x = np.mgrid[:9, :48, :48]
    theta = np.arctan2(y - 24, x - 24)
    profile = np.sqrt(np.clip(1 - ((z - 4) / 4.5) ** 2, 0, None))
    return np.hypot(y - 24, x - 24) <= 16 * profile * (1 + amplitude * np.cos(7 * theta))


def write_cohort(root, cases: dict[str, np.ndarray]):
    for name, mask in cases.items():
        write_mask_case(root, name, list(range(1, len(mask) + 1)), mask)
    return root


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    """Three good cases (a box, a star, a smooth star), one empty mask, one unreadable TIFF."""
    root = write_cohort(
        tmp_path_factory.mktemp("masks"),
        {
            "TCGA_AA_0001_20000101": box_mask(),
            "TCGA_AA_0002_20000101": star_mask(),
            "TCGA_AA_0003_20000101": star_mask(0.0),
            "TCGA_AA_0004_20000101": np.zeros((4, 20, 20), bool),
            "TCGA_AA_0005_20000101": box_mask(),
        },
    )
    (root / "TCGA_AA_0005_20000101" / "TCGA_AA_0005_20000101_2_mask.tif").write_bytes(b"not a tiff")
    return root


@pytest.fixture(scope="module")
def result(cohort):
    with pytest.warns(EmptyMaskWarning, match="TCGA_AA_0004_20000101: mask is empty"):
        return extract_features(cohort)


def test_one_row_per_patient_with_case_status_then_features(result):
    table = result.table
    assert table.index.name == "patient"
    assert list(table.index) == [f"TCGA_AA_000{i}" for i in range(1, 6)]
    assert list(table.columns) == ["case", "status", *feature_columns()]
    assert table.loc["TCGA_AA_0001", "case"] == "TCGA_AA_0001_20000101"
    assert all(table[c].dtype == float for c in feature_columns())
    assert list(table.columns[2:5]) == list(STUDY_FEATURES)


def test_features_of_the_good_cases(result):
    table = result.table
    assert (table.status.iloc[:3] == "ok").all()
    assert table.loc["TCGA_AA_0001", "BEVR"] == pytest.approx(BOX_BEVR, rel=1e-3)
    assert table.loc["TCGA_AA_0001", "largest_slice"] == 2  # file number of the first of the equal slices
    assert table.loc["TCGA_AA_0001", "volume"] == 3 * 8 * 10  # pixel units by default
    assert table.loc["TCGA_AA_0001", "original_shape_VoxelVolume"] == 3 * 8 * 10
    assert table.loc["TCGA_AA_0002", "MF"] > 3 * table.loc["TCGA_AA_0003", "MF"]
    assert table.loc["TCGA_AA_0002", "ASD"] > 3 * table.loc["TCGA_AA_0003", "ASD"]
    assert table.iloc[:3].notna().all().all()


def test_empty_mask_gives_missing_values_and_a_status(result):
    row = result.table.loc["TCGA_AA_0004"]
    assert row.status == "empty mask"
    assert row[feature_columns()].isna().all()
    assert result.sidecar["empty"] == ["TCGA_AA_0004_20000101"]


def test_a_bad_file_names_itself_and_the_others_go_on(result):
    status = result.table.loc["TCGA_AA_0005", "status"]
    assert status.startswith("error: ") and "TCGA_AA_0005_20000101_2_mask.tif" in status
    assert "cannot read TIFF" in status
    assert result.table.loc["TCGA_AA_0005", feature_columns()].isna().all()
    assert list(result.sidecar["failed"]) == ["TCGA_AA_0005_20000101"]
    assert result.sidecar["ok"] == 3 and result.sidecar["cases"] == 5


def test_sidecar_describes_every_column_with_unit_and_software(result):
    sidecar = result.sidecar
    columns = sidecar["columns"]
    assert set(columns) == {"patient", *result.table.columns}
    for name in feature_columns():
        assert columns[name]["definition"] and columns[name]["unit"] and columns[name]["software"], name
    assert columns["volume"]["unit"] == "pixel^3" and columns["BEVR"]["unit"] == "1"
    bookkeeping = {name for name in feature_columns() if columns[name]["role"].startswith("bookkeeping")}
    assert bookkeeping == set(BOOKKEEPING_COLUMNS) == {"largest_slice", "components"}
    assert "not compare" in columns["components"]["role"] and columns["ASD"]["role"].startswith(
        "shape feature"
    )
    assert columns["ASD"]["parameters"] == {
        "component": "largest",
        "slice": "largest",
        "radius_normalisation": "mean",
        "asd_bins": 10,
        "contour_points": 512,
    }
    assert sidecar["spacing"] == {
        "source": "default 1 x 1 x 1: pixel units (TIFF has no spacing)",
        "unit": "pixel",
        "value": [1.0, 1.0, 1.0],
        "order": "slice, row, column",
    }
    assert {"python", "numpy", "scipy", "scikit-image", "SimpleITK", "pyradiomics-bhklab"} <= set(
        sidecar["software"]
    )
    json.dumps(sidecar)  # JSON-able as it is


def test_write_and_read_back(result, tmp_path):
    csv_path, json_path = write_features(result, tmp_path / "out" / "features.csv")
    assert json_path == tmp_path / "out" / "features.json"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["features.csv", "features.json"]
    back = read_features(csv_path)
    pd.testing.assert_frame_equal(back, result.table, rtol=1e-9)
    assert json.loads(json_path.read_text())["columns"]["BEVR"]["unit"] == "1"


def test_a_one_voxel_tumour_keeps_the_study_features_and_names_the_failed_group(tmp_path):
    one = np.zeros((3, 12, 12), bool)
    one[1, 5, 5] = True
    with pytest.raises(GroupFailed, match="pyradiomics: ValueError: .*single voxel") as caught:
        mask_features(one)
    assert set(STUDY_FEATURES) <= set(caught.value.features) and caught.value.group == "pyradiomics"
    root = write_cohort(tmp_path, {"TCGA_AA_0001_20000101": one, "TCGA_AA_0002_20000101": box_mask()})
    with pytest.warns(
        PartialFeaturesWarning, match="TCGA_AA_0001_20000101: pyradiomics: .*other features kept"
    ):
        table, sidecar = extract_features(root)
    row = table.loc["TCGA_AA_0001"]
    assert row["status"].startswith("partial: pyradiomics: ValueError")
    assert row[list(STUDY_FEATURES)].notna().all() and row["volume"] == 1
    assert row.filter(like="original_shape").isna().all()
    assert table.loc["TCGA_AA_0002", "status"] == "ok" and sidecar["failed"] == {}
    assert list(sidecar["partial"]) == ["TCGA_AA_0001_20000101"] and sidecar["ok"] == 1


def test_write_features_commits_the_sidecar_first_with_the_table_digest(result, tmp_path, monkeypatch):
    from radiogenomics import outputs

    csv_path, json_path = write_features(result, tmp_path / "features.csv")
    assert outputs.check_outputs(json_path) == []
    old = csv_path.read_bytes()
    written = []
    real = outputs.write_text

    def killed_before_the_table(path, text):  # a kill after the sidecar of a second run
        written.append(path.name)
        if path.suffix == ".csv":
            raise KeyboardInterrupt
        real(path, text)

    monkeypatch.setattr(outputs, "write_text", killed_before_the_table)
    table = result.table.copy()
    table.iloc[0, 3] += 1
    changed = result._replace(table=table, sidecar={**result.sidecar, "spacing": "another run's"})
    with pytest.raises(KeyboardInterrupt):
        write_features(changed, csv_path)
    assert written == ["features.csv"] and csv_path.read_bytes() == old  # the sidecar went first
    assert json.loads(json_path.read_text())["spacing"] == "another run's"
    assert "SHA-256 differs" in outputs.check_outputs(json_path)[0]


def test_read_features_refuses_another_table(tmp_path):
    (tmp_path / "x.csv").write_text("patient,age\nA,3\n")
    with pytest.raises(InputError, match="x.csv: has no 'case'/'status' columns"):
        read_features(tmp_path / "x.csv")


def test_jobs_give_the_same_table(cohort, result):
    with pytest.warns(EmptyMaskWarning):
        parallel = extract_features(cohort, jobs=2)
    pd.testing.assert_frame_equal(parallel.table, result.table)


def test_spacing_scales_sizes_not_shape_ratios(tmp_path, result):
    root = write_cohort(tmp_path, {"TCGA_AA_0001_20000101": box_mask()})
    scaled = extract_features(root, spacing=(3.0, 0.5, 0.5), pyradiomics=False)
    row, plain = scaled.table.iloc[0], result.table.loc["TCGA_AA_0001"]
    assert row.volume == pytest.approx(plain.volume * 0.75)
    assert row.slice_area == pytest.approx(plain.slice_area * 0.25)
    assert row.BEVR == pytest.approx(plain.BEVR, rel=1e-4)
    assert scaled.sidecar["spacing"]["source"] == "--spacing"
    assert scaled.sidecar["columns"]["volume"]["unit"] == "mm^3"
    assert not any(c.startswith("original_") for c in scaled.table.columns)


def test_nifti_masks_take_spacing_from_their_headers(tmp_path):
    thick = star_mask()
    write_nifti(tmp_path / "TCGA_NI_A001_mask.nii.gz", thick, Geometry(spacing=(3.0, 1.0, 1.0)))
    write_nifti(
        tmp_path / "TCGA_NI_A002.nii.gz", np.repeat(thick, 3, axis=0), Geometry(spacing=(1.0, 1.0, 1.0))
    )
    table, sidecar = extract_features(tmp_path)
    assert list(table.index) == ["TCGA_NI_A001", "TCGA_NI_A002"]
    assert (table.status == "ok").all()
    for column in ("BEVR", "volume", "solidity", "original_shape_VoxelVolume"):
        assert table[column].iloc[0] == pytest.approx(table[column].iloc[1], rel=1e-4), column
    assert sidecar["layout"] == "nifti"
    assert sidecar["spacing"]["per_case"] == {
        "TCGA_NI_A001": [3.0, 1.0, 1.0],
        "TCGA_NI_A002": [1.0, 1.0, 1.0],
    }
    with pytest.raises(InputError, match="NIfTI masks carry their spacing in the header; drop --spacing"):
        extract_features(tmp_path, spacing=(1, 1, 1))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"jobs": 0}, "jobs is 0"),
        ({"spacing": (1.0, -1.0, 1.0)}, "spacing is"),
        ({"spacing": (1.0, 1.0)}, "spacing is"),
    ],
)
def test_bad_options_are_named(cohort, kwargs, message):
    with pytest.raises(InputError, match=message):
        extract_features(cohort, **kwargs)


def test_two_cases_of_one_patient_are_refused(tmp_path):
    write_cohort(tmp_path, {"TCGA_AA_0001_20000101": box_mask(), "TCGA_AA_0001_20010101": box_mask()})
    with pytest.raises(InputError, match="belong to patient TCGA_AA_0001"):
        extract_features(tmp_path)


def test_a_folder_without_masks_is_refused(tmp_path):
    with pytest.raises(InputError, match="no such folder"):
        extract_features(tmp_path / "missing")
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(InputError, match="holds no case folders"):
        extract_features(tmp_path)


def test_mask_values_other_than_0_and_255_are_a_case_error(tmp_path):
    write_cohort(tmp_path, {"TCGA_AA_0001_20000101": box_mask(), "TCGA_AA_0002_20000101": box_mask()})
    tifffile.imwrite(
        tmp_path / "TCGA_AA_0002_20000101" / "TCGA_AA_0002_20000101_1_mask.tif",
        np.full((20, 20), 7, np.uint8),
    )
    table, _ = extract_features(tmp_path, pyradiomics=False)
    assert table.status.iloc[0] == "ok"
    assert "expected 0/255 or 0/1" in table.status.iloc[1]


# --- the open choices ---------------------------------------------------------------------------------


def test_component_choice_decides_whether_islands_count():
    mask = star_mask(0.0)
    mask[4, 1:3, 1:3] = True  # a far island
    largest = mask_features(mask, pyradiomics=False)
    every = mask_features(mask, config=FeatureConfig(component="all"), pyradiomics=False)
    alone = mask_features(star_mask(0.0), pyradiomics=False)
    assert largest["BEVR"] == pytest.approx(alone["BEVR"]) and largest["components"] == 2
    assert every["BEVR"] < 0.8 * largest["BEVR"] and every["components"] == 2
    assert every["volume"] == largest["volume"] + 4


def test_middle_slice_choice():
    mask = np.zeros((7, 30, 30), bool)
    mask[1:6, 10:20, 10:20] = True
    mask[2, 5:25, 5:25] = True  # the largest slice is 2, the middle of 1..5 is 3
    assert mask_features(mask, pyradiomics=False)["largest_slice"] == 2
    assert mask_features(mask, config=FeatureConfig(slice="middle"), pyradiomics=False)["largest_slice"] == 3


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"component": "first"}, "component is 'first'"),
        ({"slice": "last"}, "slice is 'last'"),
        ({"mf_window": 0.0}, "mf_window is 0.0"),
        ({"ellipsoid_points": "faces"}, "ellipsoid_points is 'faces'"),
    ],
)
def test_feature_config_names_bad_choices(kwargs, message):
    with pytest.raises(InputError, match=message):
        FeatureConfig(**kwargs)


# --- the planted signal -------------------------------------------------------------------------------


def test_irregular_synthetic_tumours_have_larger_mf_than_smooth_ones(synthetic_cohort):
    table, _ = extract_features(synthetic_cohort, pyradiomics=False)
    truth = pd.read_csv(synthetic_cohort / "truth.csv", index_col="patient")
    joined = table.join(truth["planted_class"])
    assert (joined.status == "ok").all() and len(joined) == 12
    irregular = joined.loc[joined.planted_class == 1, "MF"]
    smooth = joined.loc[joined.planted_class == 2, "MF"]
    assert irregular.min() > smooth.max()
    assert (
        joined.loc[joined.planted_class == 1, "ASD"].median()
        > joined.loc[joined.planted_class == 2, "ASD"].median()
    )
