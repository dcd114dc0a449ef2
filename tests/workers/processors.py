"""Small deterministic chunk processors for worker tests (fakes of the model pipeline).

`SquareProcessor` finds the bright square that `tests.workers.videos` draws, as one track, with two
embeddings, one thumbnail (the real crop function on the frame where the square is largest), one behaviour
bout and one zone visit; ``PIGWATCH_TEST_FRAME_DELAY_S`` slows it per frame so a
test can kill a worker mid-chunk.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable

import numpy as np

from models.pipeline.processor import ChunkContext
from models.pipeline.thumbnails import crop_thumbnail
from models.pipeline.types import (
    BehaviourLabel,
    ChunkResult,
    Frame,
    TrackSummary,
    TrackThumbnail,
    ZoneVisitSpan,
)

EMBEDDING_DIM = 384


def _square_box(image: np.ndarray) -> np.ndarray | None:
    """The bright square's box (x1, y1, x2, y2) in pixels, or None."""
    ys, xs = np.nonzero(image.mean(axis=2) > 120)
    if len(xs) == 0:
        return None
    return np.array([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], dtype=np.float32)


def _unit(seed: int) -> np.ndarray:
    vector = np.random.default_rng(seed).normal(size=EMBEDDING_DIM).astype(np.float32)
    return vector / np.linalg.norm(vector)


class SquareProcessor:
    """One track per chunk (local id 1) following the square; deterministic for a given chunk."""

    def __init__(self, *, frame_delay_s: float = 0.0) -> None:
        self.frame_delay_s = frame_delay_s

    def process(
        self, frames: Iterable[Frame], *, context: ChunkContext, on_progress: Callable[[float], None]
    ) -> ChunkResult:
        indices, boxes, times = [], [], []
        best: TrackThumbnail | None = None
        for n, frame in enumerate(frames, start=1):
            box = _square_box(frame.image)
            if box is not None:
                indices.append(frame.index)
                boxes.append(box)
                times.append(frame.t_seconds)
                best = self._better_view(best, frame, box)
            time.sleep(self.frame_delay_s)
            on_progress(n / context.expected_frames)
        if not indices:
            return ChunkResult(tracks=[])
        start, end = times[0], times[-1] + 1 / context.fps
        track = TrackSummary(
            track_id=1, frame_indices=np.array(indices), xyxy=np.stack(boxes),
            embeddings=np.stack([_unit(indices[0]), _unit(indices[-1])]), t_start_s=start, t_end_s=end,
            thumbnails=[best] if best is not None else [],
        )  # fmt: skip
        visits = [ZoneVisitSpan(1, name, start, end) for name in sorted(context.zones)]
        bout = BehaviourLabel(track_id=1, start_s=start, end_s=end, label="standing", probability=0.9)
        return ChunkResult(
            tracks=[track], behaviours=[bout], zone_visits=visits, frames_decoded=len(times),
            frames_analysed=len(times),
        )  # fmt: skip

    @staticmethod
    def _better_view(best: TrackThumbnail | None, frame: Frame, box: np.ndarray) -> TrackThumbnail | None:
        """The crop of ``box`` on ``frame`` when its box is larger than ``best``'s (first one on ties)."""
        area = float((box[2] - box[0]) * (box[3] - box[1]))
        if best is not None and area <= float((best.xyxy[2] - best.xyxy[0]) * (best.xyxy[3] - best.xyxy[1])):
            return best
        crop = crop_thumbnail(frame.image, box, max_side=128, margin=0.25)
        if crop is None:
            return best
        return TrackThumbnail(
            frame_index=frame.index, t_seconds=frame.t_seconds, image=crop, xyxy=box, score=1.0
        )


def build_square_processor() -> SquareProcessor:
    """Factory for ``PIGWATCH_PROCESSOR=tests.workers.processors:build_square_processor``."""
    return SquareProcessor(frame_delay_s=float(os.environ.get("PIGWATCH_TEST_FRAME_DELAY_S", "0")))
