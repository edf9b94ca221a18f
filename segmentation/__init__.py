"""Segmentation with torch: preprocessing (with an exact inverse), the U-Net, training with patient-level
k-fold cross-validation, and prediction in the original slice geometry.

Only this package imports torch; ``radiogenomics`` stays free of it.
"""
