"""Prediction of a genomic subtype from tumour shape (and clinical covariates): nested CV, honest AUCs.

``rg classify``: :func:`~radiogenomics.classify.compare.classify` on tables,
:func:`~radiogenomics.classify.run.run_classify` on files. No torch here.
"""
