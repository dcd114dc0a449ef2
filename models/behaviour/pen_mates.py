"""Per-frame features of one track relative to its pen-mates (the chunk's other tracks).

A box alone cannot say whether a pig is big or lying stretched out: pixel sizes depend on the pen's scale in
the image and on the animal. The other tracks of the chunk give that scale (``diagonal_vs_pen``,
``area_vs_pen``: log ratio to the median over every track's boxes). The nearest pen-mate tells nose-to-nose
contact (two still pigs head to head: the union of both boxes is about twice one box's diagonal, side by side
it is much less) from standing near someone: ``mate_union_diagonal`` (log of union-box diagonal over the own
box diagonal) and ``mate_speed`` (the mate's own centre speed, body scales per second).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

PEN_MATE_FEATURE_NAMES: tuple[str, ...] = (
    "diagonal_vs_pen", "area_vs_pen", "mate_union_diagonal", "mate_speed", "mate_still_10s",
)  # fmt: skip
"""Columns appended after the context features."""

MATE_SPEED_CLIP = 3.0
"""Mate speeds are clipped at this many body scales per second."""

NO_MATE_UNION = float(np.log(6.0))
"""``mate_union_diagonal`` when no other track shares the frame (as if the mate were far away)."""


def log_diagonals(xyxy: np.ndarray) -> np.ndarray:
    """T float64 log of each box's diagonal in pixels (Tx4 boxes x1, y1, x2, y2)."""
    w = np.maximum(xyxy[:, 2] - xyxy[:, 0], 1.0)
    h = np.maximum(xyxy[:, 3] - xyxy[:, 1], 1.0)
    return 0.5 * np.log(w.astype(np.float64) ** 2 + h.astype(np.float64) ** 2)


def log_areas(xyxy: np.ndarray) -> np.ndarray:
    """T float64 log of each box's area in square pixels."""
    w = np.maximum(xyxy[:, 2] - xyxy[:, 0], 1.0)
    h = np.maximum(xyxy[:, 3] - xyxy[:, 1], 1.0)
    return np.log(w.astype(np.float64) * h.astype(np.float64))


def centre_speeds(frames: np.ndarray, xyxy: np.ndarray, fps: float) -> np.ndarray:
    """T float64 centre speed in body scales (sqrt box area) per second; 0 on the first frame."""
    out = np.zeros(len(frames))
    if len(frames) > 1:
        centres = (xyxy[:, :2] + xyxy[:, 2:]) / 2
        scale = np.exp(0.5 * log_areas(xyxy))
        dt = np.maximum(np.diff(frames) / fps, 1e-3)
        out[1:] = np.linalg.norm(np.diff(centres, axis=0), axis=1) / scale[1:] / dt
    return np.minimum(out, MATE_SPEED_CLIP)


def nearest_mates(
    frames: np.ndarray, xyxy: np.ndarray, others: Sequence[tuple[np.ndarray, np.ndarray]], fps: float
) -> tuple[np.ndarray, np.ndarray]:
    """The nearest other track's box and speed at each of this track's frames.

    Args:
        frames: T int frame indices (ascending, unique).
        xyxy: Tx4 float boxes, pixels.
        others: (frames, xyxy) of every other track.
        fps: frame rate of the frame indices.

    Returns:
        (Tx4 float64 mate boxes, NaN where no other track shares the frame; T float64 mate speeds,
        body scales per second, 0 where none).
    """
    centres = (xyxy[:, :2] + xyxy[:, 2:]) / 2
    best = np.full(len(frames), np.inf)
    boxes = np.full((len(frames), 4), np.nan)
    speeds = np.zeros(len(frames))
    for other_frames, other_xyxy in others:
        other_frames = np.asarray(other_frames, np.int64)
        other_xyxy = np.asarray(other_xyxy, np.float64).reshape(-1, 4)
        _, mine, theirs = np.intersect1d(frames, other_frames, assume_unique=True, return_indices=True)
        if not len(mine):
            continue
        their_centres = (other_xyxy[theirs, :2] + other_xyxy[theirs, 2:]) / 2
        distance = np.linalg.norm(their_centres - centres[mine], axis=1)
        closer = distance < best[mine]
        rows = mine[closer]
        best[rows] = distance[closer]
        boxes[rows] = other_xyxy[theirs[closer]]
        speeds[rows] = centre_speeds(other_frames, other_xyxy, fps)[theirs[closer]]
    return boxes, speeds


def union_diagonal_ratio(xyxy: np.ndarray, mate_xyxy: np.ndarray) -> np.ndarray:
    """T float64 log(diagonal of the union of own and mate box / own diagonal); `NO_MATE_UNION` where NaN."""
    low, high = np.minimum(xyxy[:, :2], mate_xyxy[:, :2]), np.maximum(xyxy[:, 2:], mate_xyxy[:, 2:])
    union = np.concatenate([low, high], 1)
    ratio = log_diagonals(union) - log_diagonals(xyxy)
    return np.where(np.isnan(mate_xyxy[:, 0]), NO_MATE_UNION, ratio)


def rolling_mean(values: np.ndarray, half: int) -> np.ndarray:
    """T float64 mean over ``[t - half, t + half]`` (edges repeat the first/last value)."""
    if len(values) == 0:
        return np.zeros(0)
    padded = np.pad(values.astype(np.float64), half, mode="edge")
    return np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1).mean(axis=1)


def pen_mate_features(
    frames: np.ndarray, xyxy: np.ndarray, others: Sequence[tuple[np.ndarray, np.ndarray]], *, fps: float
) -> np.ndarray:
    """TxM float32 features (`PEN_MATE_FEATURE_NAMES` order) of one track against its pen-mates.

    Args:
        frames: T int frame indices (ascending, unique).
        xyxy: Tx4 float boxes, pixels.
        others: (frames, xyxy) of every other track of the chunk.
        fps: frame rate of the frame indices.

    Returns:
        TxM float32. ``diagonal_vs_pen``/``area_vs_pen``: log ratio of the own box to the median over all
        tracks' boxes (this one included); ``mate_union_diagonal`` see `union_diagonal_ratio`;
        ``mate_speed``: the nearest mate's speed (body scales/s, clipped at `MATE_SPEED_CLIP`);
        ``mate_still_10s``: share of the +-5 s around each frame during which the mate moved less than 0.3.
    """
    frames = np.asarray(frames, np.int64)
    xyxy = np.asarray(xyxy, np.float64).reshape(-1, 4)
    if len(frames) == 0:
        return np.zeros((0, len(PEN_MATE_FEATURE_NAMES)), np.float32)
    every = np.concatenate([xyxy, *[np.asarray(o[1], np.float64).reshape(-1, 4) for o in others]])
    mate_boxes, mate_speeds = nearest_mates(frames, xyxy, others, fps)
    columns = [
        log_diagonals(xyxy) - np.median(log_diagonals(every)),
        log_areas(xyxy) - np.median(log_areas(every)),
        union_diagonal_ratio(xyxy, mate_boxes),
        mate_speeds,
        rolling_mean((mate_speeds < 0.3).astype(np.float64), int(round(5 * fps))),
    ]
    return np.stack(columns, 1).astype(np.float32)
