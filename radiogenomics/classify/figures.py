"""Figures of ``rg classify``: ROC curves and confusion matrices of the out-of-fold predictions (PNG bytes).

One figure per (mask source, target), one panel per feature set. ROC: one curve per model, from the
repeat-averaged out-of-fold probabilities; for more than two classes the curve is the macro average of
the one-vs-rest curves (true-positive rates averaged on a common false-positive grid), and the legend
gives the macro AUC. Confusion matrix: the first model's predicted class (largest averaged probability)
against the true class, counts in the cells.
"""

import io

import numpy as np
import pandas as pd


def _roc(labels: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """False- and true-positive rates of the binary labels over every threshold of the scores."""
    order = np.argsort(-scores, kind="mergesort")
    y, s = labels[order], scores[order]
    last = np.r_[np.flatnonzero(np.diff(s)), y.size - 1]  # the last row of each tied score
    tp = np.cumsum(y)[last]
    fp = (last + 1) - tp
    return np.r_[0, fp / max(fp[-1], 1)], np.r_[0, tp / max(tp[-1], 1)]


def macro_roc(y: np.ndarray, proba: np.ndarray, *, grid: int = 201) -> tuple[np.ndarray, np.ndarray]:
    """The ROC of two classes (class 1's probability), or the macro average of the one-vs-rest ROCs."""
    if proba.shape[1] == 2:
        return _roc(y == 1, proba[:, 1])
    fpr = np.linspace(0, 1, grid)
    tprs = []
    for k in range(proba.shape[1]):
        f, t = _roc(y == k, proba[:, k])
        tprs.append(np.interp(fpr, f, t))
    return fpr, np.mean(tprs, axis=0)


def _mean_proba(predictions: pd.DataFrame, classes: list[str]) -> tuple[np.ndarray, np.ndarray]:
    wide = predictions.pivot_table(
        index=["patient", "label"], columns="class", values="probability", aggfunc="mean"
    )
    wide = wide[classes]
    index = {c: i for i, c in enumerate(classes)}
    y = np.array([index[label] for label in wide.index.get_level_values("label")])
    return y, wide.to_numpy()


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    return buffer.getvalue()


def figures(
    predictions: pd.DataFrame, summary: pd.DataFrame, classes: list[str], *, title: str
) -> tuple[bytes, bytes]:
    """ROC and confusion-matrix PNGs of one (mask source, target).

    Parameters
    ----------
    predictions : rows of ``ClassifyResult.predictions`` for one mask source and target.
    summary : rows of ``ClassifyResult.summary`` for the same.
    classes : class names in order.
    title : figure title.

    Returns
    -------
    (bytes, bytes)
        ROC PNG, confusion-matrix PNG.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sets = list(dict.fromkeys(summary["feature_set"]))
    models = list(dict.fromkeys(summary["model"]))
    roc_fig, roc_axes = plt.subplots(1, len(sets), figsize=(3.2 * len(sets), 3.4), squeeze=False)
    cm_fig, cm_axes = plt.subplots(1, len(sets), figsize=(3.2 * len(sets), 3.4), squeeze=False)
    for ax, cm_ax, set_name in zip(roc_axes[0], cm_axes[0], sets, strict=True):
        for model in models:
            rows = predictions[(predictions["feature_set"] == set_name) & (predictions["model"] == model)]
            y, proba = _mean_proba(rows, classes)
            fpr, tpr = macro_roc(y, proba)
            auc = summary[(summary["feature_set"] == set_name) & (summary["model"] == model)]["auc"].iloc[0]
            ax.plot(fpr, tpr, label=f"{model} {auc:.2f}")
            if model == models[0]:
                matrix = np.zeros((len(classes), len(classes)), dtype=int)
                np.add.at(matrix, (y, proba.argmax(axis=1)), 1)
                cm_ax.imshow(matrix, cmap="Blues")
                for (i, j), count in np.ndenumerate(matrix):
                    cm_ax.text(j, i, str(count), ha="center", va="center", fontsize=8)
                cm_ax.set(xticks=range(len(classes)), yticks=range(len(classes)), xticklabels=classes,
                          yticklabels=classes, xlabel=f"predicted ({model})", ylabel="true", title=set_name)  # fmt: skip
        ax.plot([0, 1], [0, 1], color="0.7", lw=0.8, ls="--")
        ax.set(xlabel="false-positive rate", ylabel="true-positive rate", title=set_name, aspect="equal")
        ax.legend(
            fontsize=7, loc="lower right", title="macro AUC" if len(classes) > 2 else "AUC", title_fontsize=7
        )
    for fig in (roc_fig, cm_fig):
        fig.suptitle(title, fontsize=10)
        fig.tight_layout()
    images = _png(roc_fig), _png(cm_fig)
    plt.close(roc_fig)
    plt.close(cm_fig)
    return images
