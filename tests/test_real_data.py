"""The real LGG data from ../shared/data/lgg (unpacked once into .cache/lgg by the lgg_root fixture)."""

import pandas as pd
import pytest

from benchmarks.lgg_data import SHARED_LGG
from radiogenomics.case_io import iter_cases
from radiogenomics.clinical import join_on_patient, read_clinical
from radiogenomics.manifest import read_manifest, verify_download

pytestmark = pytest.mark.slow


def test_complete_cases_match_cases_csv(lgg_root, lgg_cases_csv):
    facts = pd.read_csv(lgg_cases_csv).set_index("case")
    seen = 0
    for case in iter_cases(lgg_root / "kaggle_3m"):
        row = facts.loc[case.name]
        assert row["images_ship"] == "yes"
        assert case.image.shape == (row["slices"], 256, 256, 3)
        assert case.mask.shape == (row["slices"], 256, 256)
        assert int(case.mask.sum()) == row["tumour_voxels"]
        assert (case.patient, case.institution) == (row["patient"], row["institution"])
        seen += 1
    assert seen == (facts["images_ship"] == "yes").sum() > 0  # every shipped case, counted from cases.csv


def test_110_manual_mask_sets_match_the_manifest(lgg_root, lgg_cases_csv):
    facts = pd.read_csv(lgg_cases_csv).set_index("case")
    manifest = read_manifest()
    cases = list(iter_cases(lgg_root / "manual_masks", images=False))
    assert len(cases) == 110
    for case in cases:
        assert len(case.slices) == facts.at[case.name, "slices"] == manifest.at[case.name, "slices"]
        assert (
            int(case.mask.sum())
            == facts.at[case.name, "tumour_voxels"]
            == manifest.at[case.name, "tumour_voxels"]
        )


def test_clinical_table_joins_all_110_patients(lgg_root):
    table = read_clinical(lgg_root / "kaggle_3m" / "data.csv")
    assert table.shape == (110, 17)
    cases = read_manifest().set_index("patient")[["case"]]
    joined = join_on_patient(cases, table)
    assert len(joined.frame) == 110 and not joined.left_only and not joined.right_only
    assert table.loc["TCGA_HT_A61B"].isna().sum() == 12  # the last patient: 12 of 17 cells blank


def test_both_table_copies_give_the_same_frame(lgg_root):
    comma = read_clinical(lgg_root / "kaggle_3m" / "data.csv")
    semicolon = read_clinical(SHARED_LGG / "data_semicolon_crlf.csv")
    pd.testing.assert_frame_equal(comma, semicolon)


def test_verify_shipped_cases(lgg_root, lgg_cases_csv):
    shipped = int((pd.read_csv(lgg_cases_csv)["images_ship"] == "yes").sum())
    report = verify_download(lgg_root / "kaggle_3m")
    assert report.count("intact") == shipped and report.count("missing") == 110 - shipped
    assert report.count("incomplete") == report.count("changed") == report.count("unexpected") == 0
    assert not report.ok and verify_download(lgg_root / "kaggle_3m", partial=True).ok
