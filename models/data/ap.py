"""Detection average precision at IoU 0.5 (PASCAL VOC style, all-point interpolation), one class."""

from __future__ import annotations

import numpy as np

from models.tracking.association import iou_matrix


def match_detections(pred_xyxy: np.ndarray, pred_score: np.ndarray, gt_xyxy: np.ndarray, *,
                     iou_threshold: float = 0.5) -> np.ndarray:
    """Greedy matching in descending score order: True for each prediction that hits an unclaimed gt box.

    Args:
        pred_xyxy: Nx4 predicted boxes, pixels; pred_score: N scores; gt_xyxy: Mx4 gt boxes, pixels.

    Returns:
        N bool, aligned with the inputs (not with the score order).
    """
    hits = np.zeros(len(pred_xyxy), bool)
    if len(pred_xyxy) == 0 or len(gt_xyxy) == 0:
        return hits
    iou = iou_matrix(pred_xyxy, gt_xyxy)
    claimed = np.zeros(len(gt_xyxy), bool)
    for i in np.argsort(-pred_score, kind="stable"):
        candidates = np.where(claimed, -1.0, iou[i])
        j = int(np.argmax(candidates))
        if candidates[j] >= iou_threshold:
            hits[i], claimed[j] = True, True
    return hits


def average_precision(
    images: list[tuple[np.ndarray, np.ndarray, np.ndarray]], *, iou_threshold: float = 0.5
) -> float:
    """AP over a set of images.

    Args:
        images: per image (pred_xyxy Nx4, pred_score N, gt_xyxy Mx4), pixels.
        iou_threshold: IoU for a true positive.

    Returns:
        AP in [0, 1]; 0.0 when there is no ground truth at all.
    """
    scores, hits, n_gt = [], [], 0
    for pred, score, gt in images:
        scores.append(np.asarray(score, np.float64))
        hits.append(match_detections(pred, score, gt, iou_threshold=iou_threshold))
        n_gt += len(gt)
    if n_gt == 0:
        return 0.0
    all_scores = np.concatenate(scores)
    all_hits = np.concatenate(hits)
    order = np.argsort(-all_scores, kind="stable")
    tp = np.cumsum(all_hits[order])
    recall = np.concatenate([[0.0], tp / n_gt])
    precision = np.concatenate([[1.0], tp / np.arange(1, len(tp) + 1)])
    precision = np.maximum.accumulate(precision[::-1])[::-1]
    return float(np.sum((recall[1:] - recall[:-1]) * precision[1:]))


def false_positive_kinds(
    images: list[tuple[np.ndarray, np.ndarray, np.ndarray]], *, score_threshold: float,
    iou_threshold: float = 0.5,
) -> dict[str, int]:
    """Sort the unmatched predictions at or above ``score_threshold`` by their best IoU with any gt box.

    Args:
        images: per image (pred_xyxy Nx4, pred_score N, gt_xyxy Mx4), pixels.
        score_threshold: predictions below this are ignored.
        iou_threshold: IoU for a true positive (as `average_precision`).

    Returns:
        {"duplicate": best IoU >= iou_threshold with a gt box another prediction claimed, "misplaced": best
        IoU in [0.1, iou_threshold), "background": best IoU < 0.1 (or an image without gt)}.
    """
    kinds = {"duplicate": 0, "misplaced": 0, "background": 0}
    for pred, score, gt in images:
        keep = np.asarray(score) >= score_threshold
        pred, score = pred[keep], np.asarray(score)[keep]
        unmatched = ~match_detections(pred, score, gt, iou_threshold=iou_threshold)
        if not unmatched.any():
            continue
        best = iou_matrix(pred[unmatched], gt).max(axis=1) if len(gt) else np.zeros(int(unmatched.sum()))
        kinds["duplicate"] += int((best >= iou_threshold).sum())
        kinds["misplaced"] += int(((best >= 0.1) & (best < iou_threshold)).sum())
        kinds["background"] += int((best < 0.1).sum())
    return kinds
