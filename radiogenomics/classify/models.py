"""The classifiers of ``rg classify``: scikit-learn pipelines and their hyper-parameter grids.

Every step that learns from data (median imputation, z-scoring, the optional univariate feature
selection, the classifier) sits in one :class:`sklearn.pipeline.Pipeline`, so nested cross-validation fits
all of them on training rows only.

- ``logistic_l2``: ridge-penalised logistic regression (multinomial for K > 2 classes, Newton–Cholesky), C tuned.
- ``elastic_net``: logistic regression with the elastic-net penalty (saga), C and the L1 share tuned.
- ``random_forest``: a random forest of 200 trees (``max_features="sqrt"``, leaves of at least 3
  patients), not tuned: forests are robust to these settings and tuning one would cost most of the run.

Classes are weighted inversely to their frequency (``class_weight="balanced"``) so that small subtypes
count in the fit as they do in the macro AUC and the balanced accuracy.

References
----------
Zou, H. & Hastie, T. (2005). Regularization and variable selection via the elastic net. *JRSS B* 67,
301–320.
Breiman, L. (2001). Random forests. *Machine Learning* 45, 5–32.
"""

from dataclasses import dataclass, field

from sklearn.base import BaseEstimator
from sklearn.ensemble import RandomForestClassifier
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

MODEL_NAMES = ("logistic_l2", "elastic_net", "random_forest")


@dataclass(frozen=True)
class ModelSpec:
    """A pipeline and the grid its inner cross-validation searches.

    Attributes
    ----------
    name : short name (a column value of the outputs).
    pipeline : unfitted :class:`~sklearn.pipeline.Pipeline`; cloned before every fit.
    grid : tuple of parameter dicts (``step__param``: value), searched in order; ties keep the first,
        so the grids list the strongest penalty first. One candidate: no inner cross-validation.
    """

    name: str
    pipeline: BaseEstimator
    grid: tuple[dict, ...] = field(default=({},))


def _steps(*, scale: bool, select_k: int | None) -> list:
    steps = [("impute", SimpleImputer(strategy="median"))]
    if scale:
        steps.append(("scale", StandardScaler()))
    if select_k is not None:
        steps.append(("select", SelectKBest(f_classif, k=select_k)))
    return steps


def build_model(name: str, *, n_features: int, select_k: int | None = None, seed: int = 0) -> ModelSpec:
    """The named model (see the module docstring) for a design of ``n_features`` columns.

    Parameters
    ----------
    name : one of :data:`MODEL_NAMES`.
    n_features : int, keyword-only
        Columns of the design matrix (caps ``select_k``).
    select_k : int, optional, keyword-only
        Keep the k features with the largest ANOVA F statistic (fitted in the training folds); None keeps
        every feature.
    seed : int, keyword-only
        Seed of the random forest.

    Returns
    -------
    ModelSpec
    """
    k = None if select_k is None or select_k >= n_features else int(select_k)
    if name == "logistic_l2":
        model = LogisticRegression(
            C=1.0, l1_ratio=0.0, solver="newton-cholesky", max_iter=200, class_weight="balanced"
        )
        grid = tuple({"model__C": c} for c in (0.01, 0.1, 1.0))
        return ModelSpec(name, Pipeline([*_steps(scale=True, select_k=k), ("model", model)]), grid)
    if name == "elastic_net":
        model = LogisticRegression(
            C=1.0,
            l1_ratio=0.5,
            solver="saga",
            max_iter=5000,
            tol=1e-3,
            class_weight="balanced",
            random_state=seed,
        )
        grid = tuple({"model__C": c, "model__l1_ratio": r} for c in (0.1, 1.0) for r in (0.8, 0.2))
        return ModelSpec(name, Pipeline([*_steps(scale=True, select_k=k), ("model", model)]), grid)
    if name == "random_forest":
        model = RandomForestClassifier(
            n_estimators=200,
            min_samples_leaf=3,
            max_features="sqrt",
            class_weight="balanced",
            random_state=seed,
        )
        return ModelSpec(name, Pipeline([*_steps(scale=False, select_k=k), ("model", model)]))
    raise ValueError(f"unknown model {name!r}; choose from {', '.join(MODEL_NAMES)}")
