"""Tests of the behaviour pipeline stage on TrackSummary input."""

from __future__ import annotations

import numpy as np
import pytest

from models.behaviour.features import FEATURE_NAMES
from models.behaviour.model import BehaviourNet
from models.behaviour.stage import BehaviourStage, ChunkContext
from models.behaviour.train import BehaviourModel
from models.pipeline.types import BEHAVIOURS, TrackSummary

FEEDER = np.array([[0.0, 0.0], [0.5, 0.0], [0.5, 0.5], [0.0, 0.5]])


def summary(track_id: int, n: int, box: list[float]) -> TrackSummary:
    return TrackSummary(track_id, np.arange(n), np.tile(np.array([box], np.float32), (n, 1)),
                        np.zeros((0, 384), np.float32), 100.0, 100.0 + n / 6.0)  # fmt: skip


@pytest.fixture
def stage():
    n = len(FEATURE_NAMES)
    return BehaviourStage(BehaviourModel(BehaviourNet(), np.zeros(n, np.float32), np.ones(n, np.float32)))


def test_no_tracks_no_output(stage):
    assert stage([], ChunkContext(6.0, (320, 180), {})) == ([], [])


def test_bouts_cover_each_track_and_visits_use_the_zones(stage):
    tracks = [
        summary(1, 60, [10, 10, 50, 40]),
        summary(2, 30, [250, 100, 300, 170]),
        summary(3, 1, [0, 0, 5, 5]),
    ]
    bouts, visits = stage(tracks, ChunkContext(6.0, (320, 180), {"feeder": FEEDER}))
    assert {b.track_id for b in bouts} == {1, 2}
    first = [b for b in bouts if b.track_id == 1]
    assert first[0].start_s == 100.0 and first[-1].end_s == pytest.approx(110.0)
    assert all(b.label in BEHAVIOURS and 0 <= b.probability <= 1 for b in bouts)
    assert [(v.track_id, v.zone) for v in visits] == [(1, "feeder")]
    assert visits[0].end_s - visits[0].start_s == pytest.approx(10.0)


def test_the_stage_passes_the_tracks_mask_shapes_to_the_model():
    from models.behaviour.features import FEATURE_SETS
    from models.behaviour.mask_shape import MASK_SHAPE_NAMES

    names = FEATURE_SETS["base+mask"]
    rng = np.random.default_rng(0)
    net = BehaviourNet(features=len(names))
    model = BehaviourModel(
        net, np.zeros(len(names), np.float32), np.ones(len(names), np.float32), names=names
    )
    stage = BehaviourStage(model)
    context = ChunkContext(6.0, (320, 180), {})
    plain = summary(1, 48, [10, 10, 50, 40])
    shaped = summary(1, 48, [10, 10, 50, 40])
    shaped.mask_shape = rng.normal(0, 3, (48, len(MASK_SHAPE_NAMES))).astype(np.float32)
    (first, *_), _ = stage([plain], context)
    (second, *_), _ = stage([shaped], context)
    assert (first.label, first.probability) != (second.label, second.probability)
