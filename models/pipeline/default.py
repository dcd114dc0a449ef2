"""The default chunk pipeline: lite tracker -> per-animal embedder -> behaviour and zone visits.

`DefaultProcessor` implements `models.pipeline.processor.ChunkProcessor`. Each stage gets its runner in its
constructor (so tests can hand it small models); `build_processor()` assembles it from a model bundle
(`models.pipeline.bundle`). The processor keeps no state between chunks: identity across chunks comes from
re-identification of the returned embeddings, done by the workers against the database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from models.pipeline.processor import ChunkContext
from models.pipeline.tracks import TrackAccumulator
from models.pipeline.types import (
    BehaviourLabel,
    ChunkResult,
    Detections,
    Frame,
    TrackSummary,
    ZoneVisitSpan,
)


class TrackerStage(Protocol):
    """What the pipeline needs from a tracker (e.g. `models.tracking.lite.LiteTracker`)."""

    def reset(self) -> None: ...

    def update(self, frame: Frame) -> Detections: ...


class EmbedderStage(Protocol):
    """What the pipeline needs from an embedder (e.g. `models.embed.embedder.Embedder`)."""

    def embed_detections(self, image: np.ndarray, detections: Detections) -> np.ndarray: ...


BehaviourFn = Callable[[list[TrackSummary], ChunkContext, tuple[int, int]], tuple[list[BehaviourLabel],
                                                                                  list[ZoneVisitSpan]]]


@dataclass(frozen=True)
class PipelineConfig:
    """Sampling of the default pipeline.

    Attributes:
        analysis_fps: frames per second the tracker runs on (frames in between are decoded and skipped).
        embed_interval_s: seconds between two embeddings of one track.
        max_embeddings_per_track: cap on the vectors returned per track (evenly thinned beyond it).
        min_track_frames: tracks seen on fewer analysed frames are dropped as noise.
    """

    analysis_fps: float = 3.0
    embed_interval_s: float = 1.0
    max_embeddings_per_track: int = 32
    min_track_frames: int = 3


class DefaultProcessor:
    """Tracker -> embedder -> behaviour over the frames of one chunk.

    Args:
        tracker: a tracker stage; it is reset at the start of every chunk.
        embedder: maps a frame and its tracked detections to NxD L2-normalised vectors.
        behaviour: maps the chunk's track summaries, the context and the (width, height) of the analysed
            frames to behaviour bouts and zone visits.
        config: sampling settings.
    """

    def __init__(self, tracker: TrackerStage, embedder: EmbedderStage, behaviour: BehaviourFn,
                 config: PipelineConfig | None = None) -> None:
        self.tracker = tracker
        self.embedder = embedder
        self.behaviour = behaviour
        self.config = config or PipelineConfig()

    def analysis_step(self, fps: float) -> int:
        """Run the tracker on every n-th decoded frame so that it sees about ``analysis_fps`` frames/s."""
        return max(1, int(round(fps / self.config.analysis_fps)))

    def process(self, frames: Iterable[Frame], *, context: ChunkContext,
                on_progress: Callable[[float], None]) -> ChunkResult:
        """Track, embed and classify one chunk; see `models.pipeline.processor.ChunkProcessor`."""
        self.tracker.reset()
        step = self.analysis_step(context.fps)
        tracks = TrackAccumulator(embed_interval_s=self.config.embed_interval_s)
        decoded = analysed = 0
        frame_size = (context.width, context.height)
        for position, frame in enumerate(frames):
            decoded += 1
            if position % step:
                continue
            analysed += 1
            frame_size = (frame.image.shape[1], frame.image.shape[0])
            self._analyse(frame, tracks)
            on_progress(min(1.0, decoded / context.expected_frames))
        summaries = tracks.summaries(min_frames=self.config.min_track_frames,
                                     max_embeddings=self.config.max_embeddings_per_track)
        bouts, visits = self.behaviour(summaries, context, frame_size) if summaries else ([], [])
        on_progress(1.0)
        return ChunkResult(tracks=summaries, behaviours=bouts, zone_visits=visits,
                           frames_decoded=decoded, frames_analysed=analysed)

    def _analyse(self, frame: Frame, tracks: TrackAccumulator) -> None:
        """Track one frame, record boxes, and embed the tracks that are due for a new vector."""
        detections = self.tracker.update(frame)
        if len(detections) == 0 or detections.track_id is None:
            return
        tracks.add_detections(frame, detections)
        due = tracks.due_for_embedding(detections.track_id, frame.t_seconds)
        if due.any():
            selected = detections[due]
            vectors = self.embedder.embed_detections(frame.image, selected)
            tracks.add_embeddings(selected.track_id, frame, vectors)


def behaviour_fn_from_stage(stage: object) -> BehaviourFn:
    """Adapt a `models.behaviour.stage.BehaviourStage` to the pipeline's `BehaviourFn`."""
    from models.behaviour.stage import ChunkContext as BehaviourContext

    def run(tracks: list[TrackSummary], context: ChunkContext,
            frame_size: tuple[int, int]) -> tuple[list[BehaviourLabel], list[ZoneVisitSpan]]:
        clock = context.clock_start_s if context.clock_start_s is not None else 12 * 3600.0
        behaviour_context = BehaviourContext(fps=context.fps, frame_size=frame_size, zones=context.zones,
                                             clock_start_s=clock)
        return stage(tracks, behaviour_context)  # type: ignore[operator,no-any-return]

    return run


def build_processor(bundle_dir: Path | None = None, *, config: PipelineConfig | None = None,
                    threads: int = 0) -> DefaultProcessor:
    """The default processor over a model bundle (``PIGWATCH_MODEL_BUNDLE`` or the shipped default).

    Raises:
        models.pipeline.bundle.BundleError: the bundle is missing or incomplete.
    """
    from models.behaviour.stage import BehaviourStage
    from models.behaviour.train import load_bundle as load_behaviour
    from models.embed.embedder import Embedder
    from models.pipeline.bundle import bundle_dir_from_env, load_bundle_manifest
    from models.runtime.onnx_runner import OnnxRunner
    from models.tracking.lite import LiteTracker

    bundle = load_bundle_manifest(bundle_dir or bundle_dir_from_env())
    tracker = LiteTracker(OnnxRunner(bundle.tracker, threads=threads))
    embedder = Embedder.from_onnx(bundle.embedder, threads=threads)
    behaviour = behaviour_fn_from_stage(BehaviourStage(load_behaviour(bundle.behaviour)))
    return DefaultProcessor(tracker, embedder, behaviour, config)
