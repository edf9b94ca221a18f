import numpy as np
import pandas as pd
from skimage.measure import regionprops

from radiogenomics.case_io import iter_cases
from radiogenomics.clinical import read_clinical
from radiogenomics.stats.hypotheses import STUDY2019
from radiogenomics.synthetic import CohortConfig, synth_cohort


def test_same_seed_same_bytes(tmp_path):
    config = CohortConfig(cases=3, seed=5, size=48, min_slices=6, max_slices=8)
    a, b = synth_cohort(tmp_path / "a", config), synth_cohort(tmp_path / "b", config)
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert all((a / f).read_bytes() == (b / f).read_bytes() for f in files)
    other = synth_cohort(tmp_path / "c", CohortConfig(cases=3, seed=6, size=48, min_slices=6, max_slices=8))
    assert (other / "data.csv").read_bytes() != (a / "data.csv").read_bytes()


def test_cohort_is_brain_like_with_a_flair_bright_tumour(synthetic_cohort):
    for case in iter_cases(synthetic_cohort):
        assert case.image.shape == (*case.mask.shape, 3) and case.image.dtype == np.uint8
        assert 12 <= len(case.slices) <= 18
        tumour_slices = np.flatnonzero(case.mask.any(axis=(1, 2)))
        assert len(tumour_slices) >= 3
        flair = case.image[..., 1].astype(float)
        brain = (flair > 30) & ~case.mask
        assert flair[case.mask].mean() > flair[brain].mean() + 60


def test_labels_follow_margin_irregularity(synthetic_cohort):
    truth = pd.read_csv(synthetic_cohort / "truth.csv").set_index("patient")
    solidity = {}
    for case in iter_cases(synthetic_cohort, images=False):
        largest = case.mask[np.argmax(case.mask.sum(axis=(1, 2)))]
        solidity[case.patient] = regionprops(largest.astype(np.uint8))[0].solidity
    truth["solidity"] = pd.Series(solidity)
    irregular = truth.loc[truth["planted_class"] == 1, "solidity"]
    smooth = truth.loc[truth["planted_class"] == 2, "solidity"]
    assert irregular.max() < smooth.min()  # independent check: a convex-hull measure separates the classes
    table = read_clinical(synthetic_cohort / "data.csv")
    agree = (table["RNASeqCluster"] == truth["planted_class"]).sum()
    assert agree >= 0.7 * table["RNASeqCluster"].notna().sum()
    assert set(table.columns) >= {"RNASeqCluster", "MethylationCluster", "age_at_initial_pathologic"}
    assert set(table.columns) >= {h.label for h in STUDY2019.pairs}  # rg reproduce's family runs on it
