"""Small pictures of each track: the best view of the animal per time window, as plain uint8 arrays.

`ThumbnailCollector` watches the tracked detections of every analysed frame and keeps, per track and per
window of ``window_s`` seconds, the crop of the frame where the track's box scored best (detection
confidence x square root of the visible box area, halved when the box touches the frame border, i.e. the
animal is probably cut off). Only the best crop so far is kept, so memory is a few 128 px crops per track.

`with_thumbnails(processor)` wraps a processor whose tracker stage is reachable as ``processor.tracker``
(`models.pipeline.default.DefaultProcessor`, the SAM 3 processor): it observes that tracker and adds the
crops to each `TrackSummary.thumbnails` of the result. Nothing here touches files or the database; the
worker encodes and stores the crops.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import cv2
import numpy as np

from models.pipeline.processor import ChunkContext, ChunkProcessor
from models.pipeline.types import THUMBNAIL_MAX_SIDE, ChunkResult, Detections, Frame, TrackThumbnail


@dataclass(frozen=True)
class ThumbnailPolicy:
    """How many crops to keep and how large.

    Attributes:
        window_s: one crop per track per window of this many seconds (windows start at recording time 0).
        max_per_track: at most this many crops per track and chunk (the best ones, by quality).
        max_side: longest side of a crop, pixels (at most `THUMBNAIL_MAX_SIDE`).
        margin: context added around the box on every side, as a fraction of the box's width/height.
        edge_px: a box within this many pixels of the frame border counts as cut off (quality halved).
    """

    window_s: float = 60.0
    max_per_track: int = 3
    max_side: int = THUMBNAIL_MAX_SIDE
    margin: float = 0.1
    edge_px: float = 2.0

    def __post_init__(self) -> None:
        if self.window_s <= 0 or self.max_per_track < 1:
            raise ValueError("window_s must be > 0 and max_per_track >= 1")
        if not 8 <= self.max_side <= THUMBNAIL_MAX_SIDE:
            raise ValueError(f"max_side must be within 8..{THUMBNAIL_MAX_SIDE} px, got {self.max_side}")


def view_quality(xyxy: np.ndarray, score: np.ndarray, width: int, height: int, edge_px: float) -> np.ndarray:
    """N float64 quality of N boxes (Nx4 xyxy px) with N scores on a ``width`` x ``height`` frame.

    ``score * sqrt(visible area px^2)``, halved for boxes within ``edge_px`` of the frame border.
    """
    boxes = np.asarray(xyxy, np.float64).reshape(-1, 4)
    clipped = np.clip(boxes, 0.0, [width, height, width, height])
    area = np.clip(clipped[:, 2] - clipped[:, 0], 0, None) * np.clip(clipped[:, 3] - clipped[:, 1], 0, None)
    at_edge = (
        (boxes[:, 0] <= edge_px) | (boxes[:, 1] <= edge_px)
        | (boxes[:, 2] >= width - edge_px) | (boxes[:, 3] >= height - edge_px)
    )  # fmt: skip
    return np.asarray(score, np.float64).reshape(-1) * np.sqrt(area) * np.where(at_edge, 0.5, 1.0)


def crop_thumbnail(image: np.ndarray, xyxy: np.ndarray, *, max_side: int, margin: float) -> np.ndarray | None:
    """The box's region of ``image`` (HxWx3 uint8 RGB) with ``margin`` around it, shrunk to ``max_side``.

    Args:
        image: the frame, HxWx3 uint8 RGB.
        xyxy: 4 floats, the box (x1, y1, x2, y2) in pixels of ``image``.
        max_side: longest side of the result, pixels (smaller crops are not enlarged).
        margin: fraction of the box's width/height added on each side.

    Returns:
        hxwx3 uint8 RGB (contiguous), or None when the box lies outside the frame.
    """
    height, width = image.shape[:2]
    x1, y1, x2, y2 = (float(v) for v in np.asarray(xyxy).reshape(4))
    pad_x, pad_y = (x2 - x1) * margin, (y2 - y1) * margin
    left, top = max(0, math.floor(x1 - pad_x)), max(0, math.floor(y1 - pad_y))
    right, bottom = min(width, math.ceil(x2 + pad_x)), min(height, math.ceil(y2 + pad_y))
    if right - left < 2 or bottom - top < 2:
        return None
    crop = image[top:bottom, left:right]
    scale = max_side / max(crop.shape[:2])
    if scale < 1.0:
        size = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
        crop = cv2.resize(crop, size, interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(crop, dtype=np.uint8)


@dataclass
class _Best:
    quality: float
    thumbnail: TrackThumbnail


@dataclass
class ThumbnailCollector:
    """Best crop per (track, window) over one chunk; `reset` before each chunk."""

    policy: ThumbnailPolicy = field(default_factory=ThumbnailPolicy)
    _best: dict[tuple[int, int], _Best] = field(default_factory=dict)

    def reset(self) -> None:
        """Forget every crop (a new chunk starts)."""
        self._best.clear()

    def observe(self, frame: Frame, detections: Detections) -> None:
        """Consider the tracked ``detections`` of ``frame``; crops only boxes better than the kept one."""
        if len(detections) == 0 or detections.track_id is None:
            return
        height, width = frame.image.shape[:2]
        quality = view_quality(detections.xyxy, detections.score, width, height, self.policy.edge_px)
        window = int(frame.t_seconds // self.policy.window_s)
        for i, track_id in enumerate(detections.track_id):
            key = (int(track_id), window)
            kept = self._best.get(key)
            if quality[i] <= 0 or (kept is not None and kept.quality >= quality[i]):
                continue
            crop = crop_thumbnail(frame.image, detections.xyxy[i], max_side=self.policy.max_side,
                                  margin=self.policy.margin)  # fmt: skip
            if crop is None:
                continue
            thumbnail = TrackThumbnail(
                frame_index=frame.index, t_seconds=frame.t_seconds, image=crop,
                xyxy=detections.xyxy[i].astype(np.float32).copy(),
                score=float(np.clip(detections.score[i], 0.0, 1.0)),
            )  # fmt: skip
            self._best[key] = _Best(float(quality[i]), thumbnail)

    def thumbnails(self, track_id: int) -> list[TrackThumbnail]:
        """The track's kept crops (at most ``max_per_track``, the best ones), in time order."""
        kept = [b for (tid, _), b in self._best.items() if tid == track_id]
        kept = sorted(kept, key=lambda b: -b.quality)[: self.policy.max_per_track]
        return [b.thumbnail for b in sorted(kept, key=lambda b: b.thumbnail.t_seconds)]


class ObservedTracker:
    """A tracker stage that hands every result of ``inner`` to a `ThumbnailCollector` (reset with it)."""

    def __init__(self, inner: Any, collector: ThumbnailCollector) -> None:
        self.inner = inner
        self.collector = collector

    def reset(self) -> None:
        """Reset the inner tracker and the collector."""
        self.inner.reset()
        self.collector.reset()

    def update(self, frame: Frame) -> Detections:
        """The inner tracker's detections for ``frame`` (observed on the way out)."""
        detections: Detections = self.inner.update(frame)
        self.collector.observe(frame, detections)
        return detections


class ThumbnailingProcessor:
    """A processor that adds crops to each track of ``inner``'s result (see the module docstring).

    Args:
        inner: a processor with a ``tracker`` attribute (reset per chunk, ``update(frame) -> Detections``);
            its tracker is replaced by an `ObservedTracker` around it.
        policy: how many crops, how large.
    """

    def __init__(self, inner: Any, policy: ThumbnailPolicy | None = None) -> None:
        self.inner = inner
        self.collector = ThumbnailCollector(policy or ThumbnailPolicy())
        if not isinstance(inner.tracker, ObservedTracker):
            inner.tracker = ObservedTracker(inner.tracker, self.collector)
        else:
            self.collector = inner.tracker.collector

    def process(
        self, frames: Iterable[Frame], *, context: ChunkContext, on_progress: Callable[[float], None]
    ) -> ChunkResult:
        """``inner.process`` with each `TrackSummary.thumbnails` filled from the observed frames."""
        self.collector.reset()
        result: ChunkResult = self.inner.process(frames, context=context, on_progress=on_progress)
        result.tracks = [
            replace(track, thumbnails=self.collector.thumbnails(track.track_id))
            if not track.thumbnails
            else track
            for track in result.tracks
        ]
        self.collector.reset()
        return result


def with_thumbnails(processor: ChunkProcessor, policy: ThumbnailPolicy | None = None) -> ChunkProcessor:
    """``processor`` wrapped in a `ThumbnailingProcessor` when its tracker is reachable, else unchanged."""
    if isinstance(processor, ThumbnailingProcessor):
        return processor
    tracker = getattr(processor, "tracker", None)
    if tracker is None or not callable(getattr(tracker, "update", None)) or not hasattr(tracker, "reset"):
        return processor
    return ThumbnailingProcessor(processor, policy)
