"""The pipeline's behaviour stage: a chunk's `TrackSummary`s -> `BehaviourLabel`s and `ZoneVisitSpan`s."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from models.behaviour.bouts import bouts_from_probabilities, zone_visits
from models.behaviour.features import track_features
from models.behaviour.train import BehaviourModel
from models.pipeline.types import BehaviourLabel, TrackSummary, ZoneVisitSpan


@dataclass(frozen=True)
class ChunkContext:
    """What the stage needs to know about the chunk's video.

    Attributes:
        fps: frame rate of the track frame indices.
        frame_size: (width, height) of the frames the boxes are in, pixels.
        zones: zone name -> Kx2 polygon normalised to [0, 1] by the frame size (the pen's zones).
        clock_start_s: time of day (seconds after midnight) at the chunk's first frame.
    """

    fps: float
    frame_size: tuple[int, int]
    zones: Mapping[str, np.ndarray]
    clock_start_s: float = 12 * 3600.0


def track_times(track: TrackSummary, fps: float) -> np.ndarray:
    """T float seconds from the start of the recording of each of the track's frames."""
    frames = np.asarray(track.frame_indices, np.int64)
    return track.t_start_s + (frames - frames[0]) / fps if len(frames) else np.zeros(0)


class BehaviourStage:
    """Runs a `BehaviourModel` over every track of a chunk (its runner is given in the constructor)."""

    def __init__(self, model: BehaviourModel) -> None:
        self.model = model

    def __call__(
        self, tracks: Sequence[TrackSummary], context: ChunkContext
    ) -> tuple[list[BehaviourLabel], list[ZoneVisitSpan]]:
        """Bouts and zone visits of every track (tracks with fewer than 2 frames give none)."""
        bouts: list[BehaviourLabel] = []
        visits: list[ZoneVisitSpan] = []
        for track in tracks:
            if len(track.frame_indices) < 2:
                continue
            others = [(t.frame_indices, t.xyxy) for t in tracks if t.track_id != track.track_id]
            features = track_features(track.frame_indices, track.xyxy, fps=context.fps,
                                      clock_start_s=context.clock_start_s, frame_size=context.frame_size,
                                      zones=context.zones, others=others,
                                      mask_shape=track.mask_shape)  # fmt: skip
            times = track_times(track, context.fps)
            bouts += bouts_from_probabilities(track.track_id, times, self.model.probabilities(features))
            visits += zone_visits(track.track_id, times, self.centres(track, context), context.zones)
        return bouts, visits

    @staticmethod
    def centres(track: TrackSummary, context: ChunkContext) -> np.ndarray:
        """Tx2 box centres normalised by the frame size (the zones' coordinates)."""
        xyxy = np.asarray(track.xyxy, np.float32).reshape(-1, 4)
        size = np.asarray(context.frame_size, np.float32)
        return ((xyxy[:, :2] + xyxy[:, 2:]) / 2) / size
