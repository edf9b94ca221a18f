"""Shape features of tumour masks: the study's ASD, MF and BEVR, scikit-image/SciPy descriptors and
pyradiomics' shape classes, and the per-patient table ``rg features`` writes.

Modules, one idea each: ``contour`` (largest slice, ordered outline), ``shape2d`` (ASD, MF),
``ellipsoid`` (Khachiyan's minimum-volume enclosing ellipsoid), ``bevr``, ``descriptors``,
``radiomics_shape``, ``measure`` (every feature of one mask), ``columns`` (the sidecar's column
descriptions), ``config`` (the open choices) and ``extract`` (the table over a folder of masks).
"""

from radiogenomics.features.bevr import bevr
from radiogenomics.features.columns import BOOKKEEPING_COLUMNS, STUDY_FEATURES, feature_columns
from radiogenomics.features.config import FeatureConfig
from radiogenomics.features.extract import (
    EmptyMaskWarning,
    FeatureTable,
    extract_features,
    read_features,
    write_features,
)
from radiogenomics.features.measure import mask_features
from radiogenomics.features.shape2d import angular_standard_deviation, margin_fluctuation

__all__ = [
    "BOOKKEEPING_COLUMNS",
    "STUDY_FEATURES",
    "EmptyMaskWarning",
    "FeatureConfig",
    "FeatureTable",
    "angular_standard_deviation",
    "bevr",
    "extract_features",
    "feature_columns",
    "mask_features",
    "margin_fluctuation",
    "read_features",
    "write_features",
]
