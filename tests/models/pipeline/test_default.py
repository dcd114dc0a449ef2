"""The default pipeline composed of real stages on simulator frames.

The tracker is replaced by the simulator's ground truth (a fake inside this unit test of the processor), so
the assertions can be exact about which tracks come out; the embedder and the behaviour stage are the real
classes with small random networks.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from models.behaviour.features import FEATURE_NAMES
from models.behaviour.model import BehaviourNet
from models.behaviour.stage import BehaviourStage
from models.behaviour.train import BehaviourModel
from models.embed.embedder import Embedder
from models.embed.net import PigEmbedNet
from models.pipeline.bundle import BundleError, load_bundle_manifest
from models.pipeline.default import DefaultProcessor, PipelineConfig, behaviour_fn_from_stage
from models.pipeline.processor import ChunkContext, ChunkProcessor
from models.pipeline.types import BEHAVIOURS, Detections, Frame
from models.sim.render import generate
from models.sim.scenario import Scenario, ScenarioConfig

FPS = 6.0
SECONDS = 4.0


class GroundTruthTracker:
    """Returns the simulator's visible pigs as tracked detections, id = pig id."""

    def __init__(self, truth: dict[int, Detections]) -> None:
        self.truth = truth
        self.resets = 0

    def reset(self) -> None:
        self.resets += 1

    def update(self, frame: Frame) -> Detections:
        return self.truth[frame.index]


@pytest.fixture(scope="module")
def sim_chunk() -> tuple[list[Frame], dict[int, Detections], ChunkContext]:
    config = ScenarioConfig(seed=7, n_pigs=5, n_days=1, width=320, height=180, fps=FPS)
    scenario = Scenario.from_config(config)
    frames, truth = [], {}
    for sf in generate(scenario, day=scenario.days[0], start_s=10 * 3600, duration_s=SECONDS):
        frames.append(Frame(sf.index, sf.t_seconds, sf.image))
        keep = sf.visible
        truth[sf.index] = Detections(xyxy=sf.xyxy[keep], score=np.ones(int(keep.sum())),
                                     track_id=sf.ids[keep])
    zones = {"feeder": np.array([[0, 0], [0.5, 0], [0.5, 0.2], [0, 0.2]], np.float32)}
    context = ChunkContext(fps=FPS, width=320, height=180, start_s=0.0, end_s=SECONDS, zones=zones,
                           clock_start_s=10 * 3600.0)
    return frames, truth, context


def make_processor(truth: dict[int, Detections], config: PipelineConfig) -> DefaultProcessor:
    torch.manual_seed(0)
    embedder = Embedder(PigEmbedNet().eval(), batch_size=8)
    n = len(FEATURE_NAMES)
    model = BehaviourModel(BehaviourNet(features=n).eval(), np.zeros(n, np.float32), np.ones(n, np.float32))
    behaviour = behaviour_fn_from_stage(BehaviourStage(model))
    return DefaultProcessor(GroundTruthTracker(truth), embedder, behaviour, config)


def test_processor_satisfies_protocol(sim_chunk) -> None:
    _, truth, _ = sim_chunk
    assert isinstance(make_processor(truth, PipelineConfig()), ChunkProcessor)


@pytest.mark.parametrize("analysis_fps, step", [(6.0, 1), (3.0, 2), (2.0, 3)])
def test_process_returns_tracks_embeddings_and_bouts(sim_chunk, analysis_fps: float, step: int) -> None:
    frames, truth, context = sim_chunk
    processor = make_processor(truth, PipelineConfig(analysis_fps=analysis_fps, embed_interval_s=1.0))
    progress: list[float] = []
    result = processor.process(iter(frames), context=context, on_progress=progress.append)

    assert result.frames_decoded == len(frames)
    assert result.frames_analysed == len(range(0, len(frames), step))
    assert progress == sorted(progress) and progress[-1] == 1.0
    analysed = [truth[i] for i in range(0, len(frames), step)]
    seen = {int(t) for d in analysed for t in d.track_id}
    expected = {t for t in seen if sum(t in set(d.track_id.tolist()) for d in analysed) >= 3}
    assert {t.track_id for t in result.tracks} == expected
    for track in result.tracks:
        assert track.embeddings.shape[1] == 384
        np.testing.assert_allclose(np.linalg.norm(track.embeddings, axis=1), 1.0, atol=1e-5)
        # one vector a second at most: 4 s of video -> at most 4 (+1 for the first frame) vectors
        assert 1 <= len(track.embeddings) <= int(SECONDS) + 1
        assert track.t_start_s <= track.t_end_s
    assert result.behaviours, "every track of >= 2 frames gives at least one bout"
    assert {b.label for b in result.behaviours} <= set(BEHAVIOURS)
    assert {b.track_id for b in result.behaviours} == expected


def test_process_empty_chunk(sim_chunk) -> None:
    _, truth, context = sim_chunk
    processor = make_processor(truth, PipelineConfig())
    result = processor.process(iter([]), context=context, on_progress=lambda _: None)
    assert result.tracks == [] and result.behaviours == [] and result.frames_decoded == 0


def test_tracker_is_reset_per_chunk(sim_chunk) -> None:
    frames, truth, context = sim_chunk
    processor = make_processor(truth, PipelineConfig())
    for _ in range(2):
        processor.process(iter(frames[:6]), context=context, on_progress=lambda _: None)
    assert processor.tracker.resets == 2  # type: ignore[attr-defined]


def test_bundle_manifest_errors(tmp_path) -> None:
    with pytest.raises(BundleError, match="no bundle.json"):
        load_bundle_manifest(tmp_path)
    (tmp_path / "bundle.json").write_text("{not json")
    with pytest.raises(BundleError, match="not valid JSON"):
        load_bundle_manifest(tmp_path)
    (tmp_path / "bundle.json").write_text(json.dumps({"tracker": "t.onnx", "embedder": "e.onnx"}))
    with pytest.raises(BundleError, match="behaviour"):
        load_bundle_manifest(tmp_path)
    (tmp_path / "bundle.json").write_text(json.dumps({"tracker": "t.onnx", "embedder": "e.onnx",
                                                      "behaviour": "."}))
    with pytest.raises(BundleError, match="t.onnx"):
        load_bundle_manifest(tmp_path)


def test_shipped_bundle_runs_end_to_end(sim_chunk) -> None:
    """The shipped bundle (ONNX tracker + embedder, behaviour weights) over a few seconds of video."""
    from models.pipeline.default import build_processor

    frames, _, context = sim_chunk
    processor = build_processor(threads=1)
    result = processor.process(iter(frames), context=context, on_progress=lambda _: None)
    assert result.frames_decoded == len(frames)
    assert result.frames_analysed == len(range(0, len(frames), 2))
    for track in result.tracks:
        assert track.embeddings.shape[1] == 384
        assert len(track.frame_indices) == len(track.xyxy) >= 3
    assert {b.track_id for b in result.behaviours} <= {t.track_id for t in result.tracks}
