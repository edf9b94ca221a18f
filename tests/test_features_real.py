"""Shape features of the 110 manual mask sets of the real LGG data (slow: ~25 s on 2 cores)."""

import pandas as pd
import pytest

from radiogenomics.features import extract_features, feature_columns

pytestmark = pytest.mark.slow


def test_110_manual_mask_sets_give_110_complete_rows(lgg_root, lgg_cases_csv):
    table, sidecar = extract_features(lgg_root / "manual_masks", jobs=2)
    facts = pd.read_csv(lgg_cases_csv).set_index("case")
    assert len(table) == 110 and table.index.is_unique
    assert (table.status == "ok").all(), table.status[table.status != "ok"]
    assert table[feature_columns()].notna().all().all()
    assert ((table.BEVR > 0) & (table.BEVR <= 1)).all()
    assert ((table.ASD > 0) & (table.MF > 0)).all()
    voxels = facts.loc[table.case, "tumour_voxels"].to_numpy()
    slices = facts.loc[table.case, "slices"].to_numpy()
    assert (table.volume <= voxels).all()  # the largest component (pixel units)
    single = (table.components == 1).to_numpy()
    assert (table.volume.to_numpy()[single] == voxels[single]).all()
    assert ((table.largest_slice >= 1) & (table.largest_slice <= slices)).all()
    assert sidecar["ok"] == 110 and sidecar["failed"] == {}
