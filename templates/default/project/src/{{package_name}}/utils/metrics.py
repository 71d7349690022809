"""Classification metrics from a confusion matrix (numpy only): per class and averaged."""

from collections.abc import Sequence
from typing import Any

import numpy as np


def confusion_matrix(
    targets: Sequence[int] | np.ndarray, predictions: Sequence[int] | np.ndarray, num_classes: int
) -> np.ndarray:
    """Counts with rows = true class and columns = predicted class."""
    targets = np.asarray(targets, dtype=np.int64)
    predictions = np.asarray(predictions, dtype=np.int64)
    flat = np.bincount(targets * num_classes + predictions, minlength=num_classes * num_classes)
    return flat.reshape(num_classes, num_classes)


def classification_metrics(confusion: np.ndarray, classes: Sequence[str]) -> dict[str, Any]:
    """Accuracy; precision, recall, F1 and support per class; macro and weighted averages.

    A class never predicted has precision 0, one without samples recall 0 (as scikit-learn
    does with `zero_division=0`); the macro average counts every class equally, the weighted
    one by support.
    """
    confusion = np.asarray(confusion, dtype=np.float64)
    true_positive = np.diag(confusion)
    support = confusion.sum(axis=1)
    predicted = confusion.sum(axis=0)
    precision = _ratio(true_positive, predicted)
    recall = _ratio(true_positive, support)
    f1 = _ratio(2 * precision * recall, precision + recall)
    total = support.sum()
    per_class = {
        name: {
            "precision": float(precision[i]),
            "recall": float(recall[i]),
            "f1": float(f1[i]),
            "support": int(support[i]),
        }
        for i, name in enumerate(classes)
    }
    weights = support / total if total else np.zeros_like(support)
    return {
        "accuracy": float(true_positive.sum() / total) if total else 0.0,
        "samples": int(total),
        "per_class": per_class,
        "macro_avg": {
            "precision": float(precision.mean()),
            "recall": float(recall.mean()),
            "f1": float(f1.mean()),
            "support": int(total),
        },
        "weighted_avg": {
            "precision": float((precision * weights).sum()),
            "recall": float((recall * weights).sum()),
            "f1": float((f1 * weights).sum()),
            "support": int(total),
        },
    }


def top_confusions(
    confusion: np.ndarray, classes: Sequence[str], limit: int = 5
) -> list[tuple[str, str, int]]:
    """The most frequent (true, predicted, count) mix-ups, largest first."""
    off_diagonal = [
        (int(confusion[t, p]), t, p)
        for t in range(len(classes))
        for p in range(len(classes))
        if t != p and confusion[t, p] > 0
    ]
    off_diagonal.sort(key=lambda item: (-item[0], item[1], item[2]))
    return [(classes[t], classes[p], count) for count, t, p in off_diagonal[:limit]]


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    out = np.zeros_like(numerator, dtype=np.float64)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out
