"""What ``rg classify`` predicts from what: the target labels and the feature sets' design matrices.

Target: any column of the clinical table (a cluster column, multi-class, or a binary one such as
``death01``). Patients without a label are dropped and counted; classes with fewer patients than the
outer folds cannot be stratified and are dropped too (their patients counted and the class named).

Feature sets, compared side by side on the same patients and the same folds:

- ``study``: the study's three shape features, ASD, MF and BEVR;
- ``shape``: every numeric shape feature of the table (or those named), without ``largest_slice``
  (a slice number, not a measurement);
- ``covariates``: the clinical covariates alone (default age and sex; ``institution``, from the TCGA
  patient id, on request); categories as indicator columns
  (:func:`radiogenomics.stats.logistic.design_covariates`, which never looks at the label);
- ``shape+covariates``: both.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from radiogenomics.case_io import institution_of
from radiogenomics.errors import InputError
from radiogenomics.names import unknown_name
from radiogenomics.stats.logistic import design_covariates

FEATURE_SETS = ("study", "shape", "covariates", "shape+covariates")
STUDY_FEATURES = ("ASD", "MF", "BEVR")  # radiogenomics.features.columns.STUDY_FEATURES, without its imports
NOT_SHAPE = ("largest_slice", "components")  # radiogenomics.features.columns.BOOKKEEPING_COLUMNS, likewise
DEFAULT_COVARIATES = ("age_at_initial_pathologic", "gender")


@dataclass(frozen=True)
class Target:
    """The label of each kept patient as a class index.

    Attributes
    ----------
    name : clinical column.
    patients : ids of the kept patients, in order.
    y : (N,) ndarray of int, index into ``classes``.
    classes : class names (strings; ``"2"`` for a code 2.0).
    unlabelled : patients dropped for a missing label.
    rare : ``{class: patients}`` of the classes dropped for having fewer than ``min_class_size`` patients.
    """

    name: str
    patients: tuple[str, ...]
    y: np.ndarray
    classes: tuple[str, ...]
    unlabelled: int
    rare: dict

    @property
    def counts(self) -> dict[str, int]:
        """Patients per class."""
        return {
            c: int(n)
            for c, n in zip(self.classes, np.bincount(self.y, minlength=len(self.classes)), strict=True)
        }


def _label_text(value) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def make_target(clinical: pd.DataFrame, name: str, patients, *, min_class_size: int) -> Target:
    """The label ``name`` of ``patients`` (ids of ``clinical``), without missing labels or rare classes.

    Raises
    ------
    InputError
        Unknown column, or fewer than two classes left.
    """
    if name not in clinical.columns:
        raise InputError(
            unknown_name(name, clinical.columns, where="--target", what="column of the clinical table")
        )
    values = clinical.loc[list(patients), name]
    labelled = values.dropna().map(_label_text)
    counts = labelled.value_counts()
    rare = {str(c): int(n) for c, n in counts.items() if n < min_class_size}
    kept = labelled[~labelled.isin(list(rare))]
    classes = tuple(sorted(kept.unique(), key=lambda c: (len(c), c)))
    if len(classes) < 2:
        raise InputError(
            f"--target {name}: {len(classes)} class(es) with at least {min_class_size} patients "
            f"(counts {counts.to_dict()}); choose a column with two or more classes"
        )
    index = {c: i for i, c in enumerate(classes)}
    y = np.array([index[c] for c in kept], dtype=int)
    return Target(name, tuple(kept.index), y, classes, int(values.isna().sum()), rare)


def covariate_frame(clinical: pd.DataFrame, names) -> pd.DataFrame:
    """Numeric design columns of the covariates ``names`` (``institution`` derived from the id if absent).

    Missing values stay missing (imputed inside the folds). Raises :class:`InputError` for an unknown name.
    """
    table = clinical.copy()
    if "institution" in names and "institution" not in table.columns:
        table["institution"] = [institution_of(p) for p in table.index]
    unknown = [n for n in names if n not in table.columns]
    if unknown:
        raise InputError(
            unknown_name(
                unknown[0],
                table.columns,
                where="--covariates",
                what="column of the clinical table (or institution, from the TCGA id)",
            )  # fmt: skip
        )
    return design_covariates(table[list(names)]) if names else pd.DataFrame(index=table.index)


def shape_columns(features: pd.DataFrame, names=None) -> list[str]:
    """The ``shape`` set: ``names`` (checked) or every feature column but :data:`NOT_SHAPE`."""
    if names is None:
        return [c for c in features.columns if c not in NOT_SHAPE]
    unknown = [n for n in names if n not in features.columns]
    if unknown:
        raise InputError(
            unknown_name(
                unknown[0],
                features.columns,
                where="--features",
                what="feature of FEATURES",
                listing="features",
            )  # fmt: skip
        )
    return list(names)


def feature_sets(
    features: pd.DataFrame, covariates: pd.DataFrame, *, sets=FEATURE_SETS, shape=None
) -> dict[str, pd.DataFrame]:
    """Design matrix of each named set, indexed like ``features`` (patients of both tables).

    Parameters
    ----------
    features : (patients, features) DataFrame of float
    covariates : (patients, columns) DataFrame from :func:`covariate_frame`, same index.
    sets : names from :data:`FEATURE_SETS`.
    shape : column names of the ``shape`` set, or None for every shape feature.

    Returns
    -------
    dict of set name -> DataFrame
    """
    unknown = [s for s in sets if s not in FEATURE_SETS]
    if unknown:
        raise InputError(f"--sets: unknown feature set '{unknown[0]}'; choose from {', '.join(FEATURE_SETS)}")
    columns = shape_columns(features, shape)
    study = [c for c in STUDY_FEATURES if c in features.columns]
    designs = {}
    for name in sets:
        if name == "study":
            if len(study) < len(STUDY_FEATURES):
                raise InputError(
                    f"FEATURES lacks {', '.join(sorted(set(STUDY_FEATURES) - set(study)))} for the 'study' set; "
                    "give a table from `rg features` or leave 'study' out of --sets"
                )
            designs[name] = features[study]
        elif name == "shape":
            designs[name] = features[columns]
        elif name == "covariates":
            designs[name] = covariates
        else:
            designs[name] = features[columns].join(covariates)
        if designs[name].shape[1] == 0:
            raise InputError(
                f"feature set '{name}' has no column; give --covariates or leave it out of --sets"
            )
    return designs
