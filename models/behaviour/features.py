"""Per-frame track features for the behaviour model: position, box shape, motion, neighbours, zones, clock.

Inputs are what the tracker gives every pipeline (boxes per frame, all tracks of the chunk at once, and the
per-frame silhouette shape of the instance masks, `models.behaviour.mask_shape`), so the same features are
computed from simulator ground truth in training and from tracker output in production.
Positions and sizes are normalised by the frame size; motion and neighbour distances by the animal's own
body scale (square root of its box area), so the features do not depend on the camera's resolution.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import cv2
import numpy as np

from models.behaviour.context import CONTEXT_FEATURE_NAMES, context_features
from models.behaviour.mask_shape import MASK_SHAPE_NAMES
from models.behaviour.pen_mates import PEN_MATE_FEATURE_NAMES, pen_mate_features

ZONE_NAMES: tuple[str, ...] = ("feeder", "drinker", "toy", "dunging", "lying")
"""Pen zones used as features (a pen without one of them gives 0)."""

BASE_FEATURE_NAMES: tuple[str, ...] = (
    "cx", "cy", "w", "h", "log_aspect", "log_area", "speed", "area_change", "neighbour_distance",
    *(f"in_{zone}" for zone in ZONE_NAMES), "hour_sin", "hour_cos",
)  # fmt: skip
"""Per-frame base features (the first columns)."""

FEATURE_NAMES: tuple[str, ...] = (
    *BASE_FEATURE_NAMES, *CONTEXT_FEATURE_NAMES, *PEN_MATE_FEATURE_NAMES, *MASK_SHAPE_NAMES,
)  # fmt: skip
"""Feature order of the F columns: base features, the track's long-context features, its features relative
to the chunk's other tracks (`models.behaviour.pen_mates`), then its mask's shape
(`models.behaviour.mask_shape`; NaN where the track has no usable mask)."""

FEATURE_SETS: dict[str, tuple[str, ...]] = {
    "base": BASE_FEATURE_NAMES,
    "context": (*BASE_FEATURE_NAMES, *CONTEXT_FEATURE_NAMES),
    "boxes": (*BASE_FEATURE_NAMES, *CONTEXT_FEATURE_NAMES, *PEN_MATE_FEATURE_NAMES),
    "base+mask": (*BASE_FEATURE_NAMES, *MASK_SHAPE_NAMES),
    "all": FEATURE_NAMES,
}
"""Named column subsets a model can be trained on (a bundle stores the names of the columns it reads, any
subset of `FEATURE_NAMES`; older bundles read "base" or "context")."""

NEIGHBOUR_CLIP = 6.0
"""Neighbour distances beyond this many body scales are clipped (nobody near)."""


def in_polygon(points: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """Whether each point lies inside (or on) a polygon.

    Args:
        points: Nx2 float (x, y), same units as ``polygon``.
        polygon: Kx2 float vertices.

    Returns:
        N bool.
    """
    contour = np.asarray(polygon, np.float32).reshape(-1, 1, 2)
    inside = [cv2.pointPolygonTest(contour, (float(x), float(y)), False) >= 0 for x, y in points]
    return np.array(inside, dtype=bool).reshape(-1)


def box_geometry(xyxy: np.ndarray, frame_size: tuple[int, int]) -> np.ndarray:
    """Tx6 float32: centre x/y and width/height normalised by the frame, log aspect, log area fraction.

    Args:
        xyxy: Tx4 float boxes, pixels.
        frame_size: (width, height) in pixels.
    """
    width, height = frame_size
    w = np.maximum(xyxy[:, 2] - xyxy[:, 0], 1.0)
    h = np.maximum(xyxy[:, 3] - xyxy[:, 1], 1.0)
    cx, cy = (xyxy[:, 0] + xyxy[:, 2]) / 2 / width, (xyxy[:, 1] + xyxy[:, 3]) / 2 / height
    columns = [cx, cy, w / width, h / height, np.log(w / h), np.log(w * h / (width * height))]
    return np.stack(columns, 1).astype(np.float32)


def motion(xyxy: np.ndarray, times_s: np.ndarray) -> np.ndarray:
    """Tx2 float32: centre speed (body scales/s) and |d log area / dt| (1/s); 0 on the first frame."""
    centres = (xyxy[:, :2] + xyxy[:, 2:]) / 2
    scale = np.sqrt(np.maximum((xyxy[:, 2] - xyxy[:, 0]) * (xyxy[:, 3] - xyxy[:, 1]), 1.0))
    out = np.zeros((len(xyxy), 2), np.float32)
    if len(xyxy) > 1:
        dt = np.maximum(np.diff(times_s), 1e-3)
        out[1:, 0] = np.linalg.norm(np.diff(centres, axis=0), axis=1) / scale[1:] / dt
        out[1:, 1] = np.abs(np.diff(np.log(scale**2))) / dt
    return out


def neighbour_distances(
    frames: np.ndarray, xyxy: np.ndarray, all_frames: Sequence[np.ndarray], all_xyxy: Sequence[np.ndarray]
) -> np.ndarray:
    """T float32: distance to the nearest other track's centre in the same frame, in body scales (clipped).

    Args:
        frames: T int frame indices of this track.
        xyxy: Tx4 boxes of this track.
        all_frames, all_xyxy: frame indices and boxes of every *other* track of the chunk.
    """
    centres = (xyxy[:, :2] + xyxy[:, 2:]) / 2
    scale = np.sqrt(np.maximum((xyxy[:, 2] - xyxy[:, 0]) * (xyxy[:, 3] - xyxy[:, 1]), 1.0))
    best = np.full(len(frames), np.inf)
    for other_frames, other_xyxy in zip(all_frames, all_xyxy, strict=True):
        _, mine, theirs = np.intersect1d(frames, other_frames, assume_unique=True, return_indices=True)
        other_centres = (other_xyxy[theirs, :2] + other_xyxy[theirs, 2:]) / 2
        distance = np.linalg.norm(other_centres - centres[mine], axis=1)
        best[mine] = np.minimum(best[mine], distance)
    return np.minimum(best / scale, NEIGHBOUR_CLIP).astype(np.float32)


def zone_flags(xyxy: np.ndarray, frame_size: tuple[int, int], zones: Mapping[str, np.ndarray]) -> np.ndarray:
    """Tx|ZONE_NAMES| float32: 1 where the box centre is inside the zone (zones as normalised polygons)."""
    width, height = frame_size
    centres = np.stack([(xyxy[:, 0] + xyxy[:, 2]) / 2 / width, (xyxy[:, 1] + xyxy[:, 3]) / 2 / height], 1)
    columns = [
        in_polygon(centres, np.asarray(zones[name])) if name in zones else np.zeros(len(xyxy), bool)
        for name in ZONE_NAMES
    ]
    if not len(xyxy):
        return np.zeros((0, len(ZONE_NAMES)), np.float32)
    return np.stack(columns, 1).astype(np.float32)


def clock_features(clock_s: np.ndarray) -> np.ndarray:
    """Tx2 float32 sine and cosine of the time of day (``clock_s`` seconds after midnight)."""
    angle = 2 * math.pi * (np.asarray(clock_s, np.float64) % 86400.0) / 86400.0
    return np.stack([np.sin(angle), np.cos(angle)], 1).astype(np.float32)


def track_features(
    frames: np.ndarray,
    xyxy: np.ndarray,
    *,
    fps: float,
    clock_start_s: float,
    frame_size: tuple[int, int],
    zones: Mapping[str, np.ndarray],
    others: Sequence[tuple[np.ndarray, np.ndarray]] = (),
    mask_shape: np.ndarray | None = None,
) -> np.ndarray:
    """TxF float32 features of one track (`FEATURE_NAMES`: base, `context_features`, `pen_mate_features`,
    mask shape).

    Args:
        frames: T int frame indices (ascending) where the track was seen.
        xyxy: Tx4 float boxes in pixels.
        fps: frame rate of ``frames``.
        clock_start_s: time of day (seconds after midnight) of frame 0.
        frame_size: (width, height) in pixels.
        zones: zone name -> Kx2 polygon normalised to [0, 1] by the frame size.
        others: (frames, xyxy) of every other track in the same chunk.
        mask_shape: Tx5 float32 per-frame `MASK_SHAPE_NAMES` of the track's masks (NaN rows: no usable
            mask), or None (no masks at all: NaN columns).

    Returns:
        TxF float32; the mask-shape columns may hold NaN (models replace it by their training mean).
    """
    frames = np.asarray(frames, np.int64)
    xyxy = np.asarray(xyxy, np.float32).reshape(-1, 4)
    times = frames / fps
    parts = [
        box_geometry(xyxy, frame_size),
        motion(xyxy, times),
        neighbour_distances(frames, xyxy, [o[0] for o in others], [o[1] for o in others])[:, None],
        zone_flags(xyxy, frame_size, zones),
        clock_features(clock_start_s + times),
    ]
    base = np.concatenate(parts, axis=1).astype(np.float32)
    context = context_features(base, fps=fps, frame_size=frame_size)
    mates = pen_mate_features(frames, xyxy, others, fps=fps)
    return np.concatenate([base, context, mates, mask_columns(mask_shape, len(frames))], axis=1)


def mask_columns(mask_shape: np.ndarray | None, length: int) -> np.ndarray:
    """Tx5 float32 mask-shape columns: ``mask_shape`` checked, or NaN when there is none.

    Raises:
        ValueError: ``mask_shape`` is not ``length`` x 5.
    """
    if mask_shape is None:
        return np.full((length, len(MASK_SHAPE_NAMES)), np.nan, np.float32)
    shape = np.asarray(mask_shape, np.float32)
    if shape.shape != (length, len(MASK_SHAPE_NAMES)):
        raise ValueError(f"mask_shape must be {length}x{len(MASK_SHAPE_NAMES)}, got {shape.shape}")
    return shape
