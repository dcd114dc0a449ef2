"""Tests of the per-chunk track bookkeeping (boxes, embeddings and mask shapes -> TrackSummary)."""

from __future__ import annotations

import numpy as np

from models.behaviour.mask_shape import MASK_SHAPE_NAMES
from models.pipeline.tracks import TrackAccumulator
from models.pipeline.types import Detections, Frame


def frame(index: int) -> Frame:
    return Frame(index, index / 6.0, np.zeros((60, 80, 3), np.uint8))


def detections(with_masks: bool) -> Detections:
    xyxy = np.array([[10, 10, 40, 30], [50, 20, 70, 50]], np.float32)
    masks = np.zeros((2, 60, 80), bool)
    masks[0, 12:28, 12:38] = True  # a wide rectangle
    masks[1, 22:48, 52:68] = True  # a tall one
    return Detections(xyxy, np.ones(2), mask=masks if with_masks else None, track_id=np.array([3, 4]))


def summaries(with_masks: bool) -> dict:
    tracks = TrackAccumulator(embed_interval_s=1.0)
    for index in range(5):
        tracks.add_detections(frame(index), detections(with_masks))
        tracks.add_embeddings(np.array([3, 4]), frame(index), np.eye(2, 4, dtype=np.float32))
    return {s.track_id: s for s in tracks.summaries(min_frames=2, max_embeddings=3)}


def test_masks_give_per_frame_shapes_aligned_with_the_frames():
    out = summaries(with_masks=True)
    for track_id in (3, 4):
        shape = out[track_id].mask_shape
        assert shape is not None and shape.shape == (5, len(MASK_SHAPE_NAMES)) and shape.dtype == np.float32
        assert np.isfinite(shape).all()
    elongation = MASK_SHAPE_NAMES.index("mask_elongation")
    assert out[3].mask_shape[0, elongation] > 0.3 and out[4].mask_shape[0, elongation] > 0.3
    assert out[3].mask_shape[0, MASK_SHAPE_NAMES.index("mask_solidity")] > 0.95


def test_no_masks_no_shapes():
    out = summaries(with_masks=False)
    assert out[3].mask_shape is None and out[4].mask_shape is None
