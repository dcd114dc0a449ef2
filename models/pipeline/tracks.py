"""Per-track bookkeeping of one chunk: boxes over time and sampled embeddings -> `TrackSummary`s.

Memory is proportional to the chunk's length (a few minutes at most), never to a stream's: the processor
creates a fresh accumulator for every chunk.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from models.behaviour.mask_shape import mask_shapes
from models.pipeline.types import Detections, Frame, TrackSummary


@dataclass
class _TrackLog:
    """Everything seen of one track so far."""

    frames: list[int] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    boxes: list[np.ndarray] = field(default_factory=list)
    shapes: list[np.ndarray] = field(default_factory=list)
    vectors: list[np.ndarray] = field(default_factory=list)
    last_embedded_s: float = -np.inf


class TrackAccumulator:
    """Collects boxes and embeddings per track id over one chunk.

    Args:
        embed_interval_s: minimum seconds between two embeddings of the same track.
    """

    def __init__(self, *, embed_interval_s: float) -> None:
        self.embed_interval_s = embed_interval_s
        self._logs: dict[int, _TrackLog] = {}

    def add_detections(self, frame: Frame, detections: Detections) -> None:
        """Record the boxes (Nx4 float32 px) of tracked ``detections`` seen on ``frame`` and, when they carry
        masks, each mask's silhouette shape (`models.behaviour.mask_shape.mask_shapes`, 5 float32)."""
        if detections.track_id is None:
            raise ValueError("detections have no track_id; run the tracker first")
        shapes = mask_shapes(detections.mask, detections.xyxy)  # NaN rows without a usable mask
        for track_id, box, shape in zip(detections.track_id, detections.xyxy, shapes, strict=True):
            log = self._logs.setdefault(int(track_id), _TrackLog())
            log.frames.append(frame.index)
            log.times.append(frame.t_seconds)
            log.boxes.append(np.asarray(box, np.float32))
            log.shapes.append(shape)

    def due_for_embedding(self, track_ids: np.ndarray, t_seconds: float) -> np.ndarray:
        """N bool: which of ``track_ids`` have not been embedded for ``embed_interval_s`` seconds."""
        return np.array(
            [
                t_seconds - self._logs.setdefault(int(t), _TrackLog()).last_embedded_s
                >= self.embed_interval_s
                for t in track_ids
            ],
            dtype=bool,
        )

    def add_embeddings(self, track_ids: np.ndarray | None, frame: Frame, vectors: np.ndarray) -> None:
        """Store NxD L2-normalised ``vectors`` of ``track_ids`` taken on ``frame``."""
        if track_ids is None or len(track_ids) != len(vectors):
            raise ValueError("one track id per vector is required")
        for track_id, vector in zip(track_ids, vectors, strict=True):
            log = self._logs.setdefault(int(track_id), _TrackLog())
            log.vectors.append(np.asarray(vector, np.float32))
            log.last_embedded_s = frame.t_seconds

    def summaries(self, *, min_frames: int, max_embeddings: int) -> list[TrackSummary]:
        """One `TrackSummary` per track seen on at least ``min_frames`` frames and embedded at least once.

        Embeddings beyond ``max_embeddings`` are thinned evenly over the track's span.
        """
        out = []
        for track_id in sorted(self._logs):
            log = self._logs[track_id]
            if len(log.frames) < min_frames or not log.vectors:
                continue
            vectors = np.stack(log.vectors)
            if len(vectors) > max_embeddings:
                vectors = vectors[np.linspace(0, len(vectors) - 1, max_embeddings).round().astype(int)]
            out.append(
                TrackSummary(
                    track_id=track_id,
                    frame_indices=np.asarray(log.frames, np.int64),
                    xyxy=np.stack(log.boxes).astype(np.float32),
                    embeddings=vectors,
                    t_start_s=float(log.times[0]),
                    t_end_s=float(log.times[-1]),
                    mask_shape=_shape_rows(log.shapes),
                )
            )
        return out


def _shape_rows(shapes: list[np.ndarray]) -> np.ndarray | None:
    """Kx5 float32 per-frame mask shapes, or None when no frame had a usable mask."""
    rows = np.stack(shapes).astype(np.float32)
    return None if np.isnan(rows).all() else rows
