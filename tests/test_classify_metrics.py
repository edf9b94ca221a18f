"""AUC, its bootstrap CI and balanced accuracy against scikit-learn and a hand bootstrap on fixed predictions."""

import numpy as np
import pytest
from sklearn.metrics import balanced_accuracy_score, roc_auc_score

from radiogenomics.classify.metrics import auc_one_vs_rest, balanced_accuracy, bootstrap_auc


def _predictions(n=60, k=3, seed=1):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % k
    logits = rng.normal(size=(n, k)) + 1.2 * np.eye(k)[y]
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    proba = np.round(proba, 2)  # rounding makes ties, which count one half
    proba[:, -1] = 1 - proba[:, :-1].sum(axis=1)  # rows sum to 1, as roc_auc_score requires
    return y, proba


def test_auc_by_hand():
    # positives 0.8, 0.4; negatives 0.4, 0.1: pairs (0.8>0.4), (0.8>0.1), (0.4=0.4: 1/2), (0.4>0.1) -> 3.5/4
    y = np.array([1, 1, 0, 0])
    proba = np.column_stack([1 - np.array([0.8, 0.4, 0.4, 0.1]), [0.8, 0.4, 0.4, 0.1]])
    assert auc_one_vs_rest(y, proba) == pytest.approx([0.875, 0.875])


@pytest.mark.parametrize("k", [2, 3, 4])
def test_macro_auc_matches_sklearn(k):
    y, proba = _predictions(k=k)
    ours = bootstrap_auc(y, proba, n_boot=10)
    if k == 2:
        expected = roc_auc_score(y, proba[:, 1])
    else:
        expected = roc_auc_score(y, proba, multi_class="ovr", average="macro")
    assert ours.auc == pytest.approx(expected, abs=1e-12)
    per_class = [roc_auc_score(y == c, proba[:, c]) for c in range(k)]
    assert ours.per_class == pytest.approx(per_class, abs=1e-12)


def test_bootstrap_ci_matches_a_hand_bootstrap():
    y, proba = _predictions(n=40, k=3, seed=4)
    ours = bootstrap_auc(y, proba, n_boot=40, confidence=0.9, seed=7)
    rows = np.random.default_rng(7).integers(0, y.size, size=(40, y.size))
    macro, first = [], []
    for r in rows:
        if len(np.unique(y[r])) < 3:
            continue
        macro.append(np.mean([roc_auc_score(y[r] == c, proba[r, c]) for c in range(3)]))
        first.append(roc_auc_score(y[r] == 0, proba[r, 0]))
    assert ours.skipped == 40 - len(macro)
    assert (ours.ci_low, ours.ci_high) == pytest.approx(tuple(np.percentile(macro, [5, 95])), abs=1e-12)
    assert ours.per_class_ci[0] == pytest.approx(tuple(np.percentile(first, [5, 95])), abs=1e-12)
    assert ours.ci_low < ours.auc < ours.ci_high


def test_bootstrap_skips_resamples_without_a_class():
    y = np.array([0] * 30 + [1, 1])  # resamples often miss class 1
    proba = np.column_stack([np.linspace(1, 0, 32), np.linspace(0, 1, 32)])
    result = bootstrap_auc(y, proba, n_boot=200, seed=0)
    expected_missing = np.sum(
        [(np.isin(r, [30, 31]).sum() == 0) for r in np.random.default_rng(0).integers(0, 32, (200, 32))]
    )
    assert result.skipped == expected_missing > 0
    assert result.auc == 1.0 and result.ci_high == 1.0


def test_balanced_accuracy_matches_sklearn():
    y, proba = _predictions(k=4, seed=3)
    predicted = proba.argmax(axis=1)
    assert balanced_accuracy(y, predicted, classes=4) == pytest.approx(balanced_accuracy_score(y, predicted))


@pytest.mark.parametrize(
    ("labels", "proba", "match"),
    [
        ([0, 1], np.zeros((3, 2)), "must be"),
        ([0, 2], np.zeros((2, 2)), "class indices"),
        ([0, 0], np.zeros((2, 2)), "classes \\[1\\] have none"),
    ],
)
def test_bad_input(labels, proba, match):
    with pytest.raises(ValueError, match=match):
        bootstrap_auc(np.asarray(labels), proba, n_boot=10)
