"""Tracking metrics: CLEAR MOT and identity metrics from motmetrics 1.4, HOTA from `models.eval.hota`.

motmetrics 1.4's own IoU helper (``motmetrics.distances.iou_matrix``) calls ``np.asfarray``, which NumPy 2
removed. This module never calls it: IoU matrices (boxes or masks) are computed here and handed to
``MOTAccumulator.update`` as distances ``1 - IoU`` (NaN = may not pair), and the rest of motmetrics'
path (accumulator, ``metrics.create().compute``) is NumPy-2 safe. No shim, no patch of numpy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from models.eval.hota import FramePairs, hota
from models.pipeline.types import Detections

IOU_THRESHOLD = 0.5

_MOTMETRICS_NAMES = {
    "mota": "mota",
    "motp_distance": "motp",
    "idf1": "idf1",
    "idp": "idp",
    "idr": "idr",
    "precision": "precision",
    "recall": "recall",
    "id_switches": "num_switches",
    "fragmentations": "num_fragmentations",
    "false_positives": "num_false_positives",
    "misses": "num_misses",
    "gt_detections": "num_objects",
    "pred_detections": "num_predictions",
    "gt_ids": "num_unique_objects",
    "mostly_tracked": "mostly_tracked",
    "partially_tracked": "partially_tracked",
    "mostly_lost": "mostly_lost",
}
"""Our key -> motmetrics metric name."""


def box_iou_matrix(a_xyxy: np.ndarray, b_xyxy: np.ndarray) -> np.ndarray:
    """Pairwise IoU of two box sets.

    Args:
        a_xyxy: Nx4 boxes (x1, y1, x2, y2), pixels.
        b_xyxy: Kx4 boxes, same format.

    Returns:
        NxK float64 IoU in [0, 1]; 0 where the union is empty.
    """
    a = np.asarray(a_xyxy, dtype=np.float64).reshape(-1, 1, 4)
    b = np.asarray(b_xyxy, dtype=np.float64).reshape(1, -1, 4)
    wh = np.clip(np.minimum(a[..., 2:], b[..., 2:]) - np.maximum(a[..., :2], b[..., :2]), 0, None)
    inter = wh[..., 0] * wh[..., 1]
    area_a = np.clip(a[..., 2] - a[..., 0], 0, None) * np.clip(a[..., 3] - a[..., 1], 0, None)
    area_b = np.clip(b[..., 2] - b[..., 0], 0, None) * np.clip(b[..., 3] - b[..., 1], 0, None)
    union = area_a + area_b - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0)


def mask_iou_matrix(a_masks: np.ndarray, b_masks: np.ndarray) -> np.ndarray:
    """Pairwise IoU of two instance-mask sets.

    Args:
        a_masks: NxHxW bool.
        b_masks: KxHxW bool, same H and W.

    Returns:
        NxK float64 IoU in [0, 1]; 0 where both masks are empty.
    """
    a = np.packbits(np.asarray(a_masks, dtype=bool).reshape(len(a_masks), -1), axis=1)
    b = np.packbits(np.asarray(b_masks, dtype=bool).reshape(len(b_masks), -1), axis=1)
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"mask sizes differ: {a_masks.shape[1:]} vs {b_masks.shape[1:]}")
    area_a = np.bitwise_count(a).sum(axis=1, dtype=np.int64)
    area_b = np.bitwise_count(b).sum(axis=1, dtype=np.int64)
    inter = np.zeros((len(a), len(b)), dtype=np.float64)
    for i in range(len(a)):
        inter[i] = np.bitwise_count(a[i][None, :] & b).sum(axis=1, dtype=np.int64)
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0)


def frame_similarity(gt: Detections, pred: Detections, *, use_masks: bool = False) -> np.ndarray:
    """GxP float64 IoU between one frame's ground truth and predictions (boxes, or masks if asked).

    Raises:
        ValueError: ``use_masks`` is set and a side with detections has no masks.
    """
    if len(gt) == 0 or len(pred) == 0:
        return np.zeros((len(gt), len(pred)))
    if not use_masks:
        return box_iou_matrix(gt.xyxy, pred.xyxy)
    if gt.mask is None or pred.mask is None:
        raise ValueError("mask matching asked for, but ground truth or predictions have no masks")
    return mask_iou_matrix(gt.mask, pred.mask)


def _ids(det: Detections | None, side: str, frame: int) -> np.ndarray:
    if det is None or len(det) == 0:
        return np.zeros(0, dtype=np.int64)
    if det.track_id is None:
        raise ValueError(f"{side} frame {frame}: detections have no track_id")
    return det.track_id


def frame_pairs(
    gt_frames: Mapping[int, Detections],
    pred_frames: Mapping[int, Detections],
    *,
    use_masks: bool = False,
    on_frame: Callable[[int, int], None] | None = None,
) -> list[tuple[int, FramePairs]]:
    """(frame, `FramePairs`) for every frame in either input, sorted by frame.

    ``on_frame(done, total)`` is called after each frame (progress bars).
    """
    out: list[tuple[int, FramePairs]] = []
    empty = Detections.empty()
    frames = sorted(set(gt_frames) | set(pred_frames))
    for frame in frames:
        gt, pred = gt_frames.get(frame, empty), pred_frames.get(frame, empty)
        sim = frame_similarity(gt, pred, use_masks=use_masks)
        out.append((frame, FramePairs(_ids(gt, "gt", frame), _ids(pred, "pred", frame), sim)))
        if on_frame is not None:
            on_frame(len(out), len(frames))
    return out


def mot_accumulator(pairs: list[tuple[int, FramePairs]], *, iou_threshold: float = IOU_THRESHOLD) -> Any:
    """A motmetrics ``MOTAccumulator`` fed with every frame (a pair matches only if IoU >= the threshold)."""
    import motmetrics as mm

    acc = mm.MOTAccumulator()
    for frame, fp in pairs:
        dist = 1.0 - fp.similarity
        dist = np.where(dist > 1.0 - iou_threshold, np.nan, dist)
        acc.update(fp.gt_ids, fp.pred_ids, dist, frameid=frame)
    return acc


def clear_mot(
    pairs: list[tuple[int, FramePairs]], *, iou_threshold: float = IOU_THRESHOLD
) -> dict[str, float]:
    """CLEAR MOT and identity metrics through motmetrics' accumulator.

    A pair may match only if IoU >= ``iou_threshold``.

    Returns:
        Keys of `_MOTMETRICS_NAMES` (rates as fractions, counts as floats) plus "motp" = mean IoU of
        matches (MOTChallenge's MOTP, higher is better; motmetrics' own MOTP is "motp_distance" = 1 - it).
    """
    import motmetrics as mm

    summary = mm.metrics.create().compute(
        mot_accumulator(pairs, iou_threshold=iou_threshold), metrics=list(_MOTMETRICS_NAMES.values()),
        return_dataframe=False,
    )
    out = {ours: float(summary[theirs]) for ours, theirs in _MOTMETRICS_NAMES.items()}
    out["motp"] = 1.0 - out["motp_distance"]
    return out


def evaluate_tracking(
    gt_frames: Mapping[int, Detections],
    pred_frames: Mapping[int, Detections],
    *,
    iou_threshold: float = IOU_THRESHOLD,
    use_masks: bool = False,
    on_frame: Callable[[int, int], None] | None = None,
) -> dict[str, float]:
    """Score a tracker's output against ground truth.

    Args:
        gt_frames: frame index -> ground-truth `Detections` (track_id = true id; mask needed with
            ``use_masks``).
        pred_frames: frame index -> predicted `Detections` (track_id = tracker id).
        iou_threshold: minimum IoU for a CLEAR-MOT/identity match (HOTA sweeps its own thresholds).
        use_masks: match on mask IoU instead of box IoU.
        on_frame: called as ``on_frame(done, total)`` after each frame's IoU matrix (progress bars).

    Returns:
        Fractions in [0, 1] (MOTA may be negative): "mota", "motp", "idf1", "idp", "idr", "precision",
        "recall", "hota", "deta", "assa", "loca", "hota_alpha05"; counts: "id_switches",
        "fragmentations", "false_positives", "misses", "gt_detections", "pred_detections", "gt_ids",
        "mostly_tracked", "partially_tracked", "mostly_lost", "frames"; also "motp_distance". Undefined
        rates (0/0: everything with both inputs empty, precision without predictions, MOTP without
        matches) are NaN; MOTA with predictions but no ground truth is -inf (motmetrics' FP / 0).
    """
    pairs = frame_pairs(gt_frames, pred_frames, use_masks=use_masks, on_frame=on_frame)
    out = clear_mot(pairs, iou_threshold=iou_threshold)
    out.update(hota([fp for _, fp in pairs]))
    out["frames"] = float(len(pairs))
    return out


def pooled_tracking(per_clip: Sequence[Mapping[str, float]]) -> dict[str, float]:
    """Set-level MOTA, IDF1, precision and recall from per-clip `evaluate_tracking` results.

    Counts are summed over the clips (as motmetrics' "OVERALL" row): MOTA = 1 - (false positives + misses
    + id switches) / gt boxes; IDF1 = 2 IDTP / (gt boxes + predicted boxes), where each clip's IDTP is
    recovered exactly from its IDF1 as IDF1 * (gt + pred) / 2.

    Returns:
        "mota", "idf1", "precision", "recall" (fractions; NaN without gt boxes) and the summed counts
        "false_positives", "misses", "id_switches", "gt_detections", "pred_detections", plus "clips".
    """
    keys = ("false_positives", "misses", "id_switches", "gt_detections", "pred_detections")
    total = {k: float(sum(c[k] for c in per_clip)) for k in keys}
    idtp = sum(c["idf1"] * (c["gt_detections"] + c["pred_detections"]) / 2 for c in per_clip
               if c["gt_detections"] + c["pred_detections"] > 0)
    gt, pred = total["gt_detections"], total["pred_detections"]
    matched = pred - total["false_positives"]
    nan = float("nan")
    return {
        **total,
        "mota": 1.0 - (total["false_positives"] + total["misses"] + total["id_switches"]) / gt if gt else nan,
        "idf1": 2.0 * idtp / (gt + pred) if gt + pred else nan,
        "precision": matched / pred if pred else nan,
        "recall": matched / gt if gt else nan,
        "clips": float(len(per_clip)),
    }
