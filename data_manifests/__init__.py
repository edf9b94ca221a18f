"""Frozen facts about public datasets, shipped with rg (see README.md in this folder)."""

from pathlib import Path

HERE = Path(__file__).resolve().parent
#: The public LGG dataset (lgg-mri-segmentation, kaggle_3m): one row per case, with its CV fold.
LGG_MANIFEST = HERE / "lgg_kaggle_3m.csv"
#: sha256 of every file of that download, as ``sha256sum`` writes them, gzipped.
LGG_SHA256SUMS = HERE / "lgg_kaggle_3m.sha256.gz"
