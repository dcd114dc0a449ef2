"""Behaviour classification metrics: accuracy, per-class and macro F1, confusion matrix (numpy only)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from models.pipeline.types import BEHAVIOURS


def confusion_matrix(
    true_labels: Sequence[str], pred_labels: Sequence[str], *, labels: Sequence[str] = BEHAVIOURS
) -> np.ndarray:
    """Count (true, predicted) label pairs.

    Args:
        true_labels: N true labels.
        pred_labels: N predicted labels, aligned with ``true_labels``.
        labels: the K classes, in row/column order.

    Returns:
        KxK int64; entry [i, j] counts samples of true class ``labels[i]`` predicted as ``labels[j]``.

    Raises:
        ValueError: lengths differ, or a label is not in ``labels``.
    """
    if len(true_labels) != len(pred_labels):
        raise ValueError(f"{len(true_labels)} true labels but {len(pred_labels)} predictions")
    index = {label: k for k, label in enumerate(labels)}
    unknown = sorted({x for x in [*true_labels, *pred_labels] if x not in index})
    if unknown:
        raise ValueError(f"labels not among the classes {tuple(labels)}: {unknown}")
    matrix = np.zeros((len(labels), len(labels)), dtype=np.int64)
    np.add.at(matrix, ([index[t] for t in true_labels], [index[p] for p in pred_labels]), 1)
    return matrix


def f1_per_class(matrix: np.ndarray) -> np.ndarray:
    """F1 of each class from a confusion matrix.

    Args:
        matrix: KxK counts (rows true, columns predicted).

    Returns:
        K float64: 2TP / (2TP + FP + FN); NaN for a class absent from both truth and predictions.
    """
    tp = np.diag(matrix).astype(np.float64)
    denom = 2 * tp + (matrix.sum(0) - tp) + (matrix.sum(1) - tp)
    return np.where(denom > 0, 2 * tp / np.where(denom > 0, denom, 1), np.nan)


def behaviour_metrics(
    true_labels: Sequence[str], pred_labels: Sequence[str], *, labels: Sequence[str] = BEHAVIOURS
) -> dict[str, object]:
    """Accuracy, macro-F1, per-class F1 and the confusion matrix.

    Macro-F1 averages the F1 of every class that occurs in the truth or the predictions (a class
    predicted but never true scores 0 and counts; a class in neither is undefined and left out).

    Returns:
        "accuracy" and "macro_f1" (fractions, NaN on empty input), "per_class_f1" (label -> F1 or NaN),
        "support" (label -> true count), "confusion" (KxK nested lists, rows true), "labels", "samples".
    """
    matrix = confusion_matrix(true_labels, pred_labels, labels=labels)
    f1 = f1_per_class(matrix)
    total = int(matrix.sum())
    defined = f1[~np.isnan(f1)]
    return {
        "accuracy": float(np.trace(matrix) / total) if total else float("nan"),
        "macro_f1": float(defined.mean()) if len(defined) else float("nan"),
        "per_class_f1": {label: float(v) for label, v in zip(labels, f1, strict=True)},
        "support": {label: int(v) for label, v in zip(labels, matrix.sum(1), strict=True)},
        "confusion": matrix.tolist(),
        "labels": list(labels),
        "samples": total,
    }
