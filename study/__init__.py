"""The study's whole chain, end to end: images → U-Net (k-fold CV) → out-of-fold masks → evaluation →
features of the predicted and the manual masks → their agreement → the associations on both → one report.

``rg reproduce`` runs it on the LGG set, ``rg demo`` on a synthetic cohort. This package joins
``segmentation`` (torch) and ``radiogenomics`` (no torch); neither imports it.
"""
