"""Tests of the per-frame behaviour features."""

from __future__ import annotations

import numpy as np
import pytest

from models.behaviour.features import (
    FEATURE_NAMES,
    NEIGHBOUR_CLIP,
    clock_features,
    in_polygon,
    motion,
    neighbour_distances,
    track_features,
)
from models.behaviour.mask_shape import MASK_SHAPE_NAMES

SQUARE = np.array([[0.0, 0.0], [0.5, 0.0], [0.5, 0.5], [0.0, 0.5]])


@pytest.mark.parametrize(
    ("points", "expected"),
    [([[0.25, 0.25]], [True]), ([[0.75, 0.25]], [False]), ([[0.5, 0.5]], [True]), (np.zeros((0, 2)), [])],
)
def test_in_polygon(points, expected):
    assert in_polygon(np.asarray(points, float), SQUARE).tolist() == expected


def test_motion_is_in_body_scales_per_second():
    boxes = np.array([[0, 0, 10, 10], [10, 0, 20, 10], [10, 0, 20, 10]], np.float32)
    speed = motion(boxes, np.array([0.0, 0.5, 1.0]))[:, 0]
    np.testing.assert_allclose(speed, [0.0, 2.0, 0.0])  # 10 px in 0.5 s, body scale 10 px


def test_neighbour_distance_only_counts_shared_frames_and_clips():
    mine = np.array([[0, 0, 10, 10]] * 3, np.float32)
    other = np.array([[20, 0, 30, 10], [1000, 0, 1010, 10]], np.float32)
    d = neighbour_distances(np.array([0, 1, 2]), mine, [np.array([1, 2])], [other])
    np.testing.assert_allclose(d, [NEIGHBOUR_CLIP, 2.0, NEIGHBOUR_CLIP])


def test_clock_features_wrap_around_midnight():
    np.testing.assert_allclose(
        clock_features(np.array([0.0]))[0], clock_features(np.array([86400.0]))[0], atol=1e-6
    )


@pytest.mark.parametrize("length", [0, 1, 5])
def test_track_features_shape_and_zone_flags(length):
    boxes = np.tile(np.array([[40, 40, 80, 80]], np.float32), (length, 1))  # centre (60, 60) of 320x180
    zones = {"feeder": np.array([[0.1, 0.2], [0.3, 0.2], [0.3, 0.5], [0.1, 0.5]])}
    out = track_features(
        np.arange(length), boxes, fps=6.0, clock_start_s=0.0, frame_size=(320, 180), zones=zones
    )
    assert out.shape == (length, len(FEATURE_NAMES)) and out.dtype == np.float32
    assert np.all(out[:, FEATURE_NAMES.index("in_feeder")] == 1.0)
    assert np.all(out[:, FEATURE_NAMES.index("in_drinker")] == 0.0)
    mask_columns = [FEATURE_NAMES.index(name) for name in MASK_SHAPE_NAMES]
    assert np.isfinite(np.delete(out, mask_columns, axis=1)).all()
    assert np.isnan(out[:, mask_columns]).all()  # no masks given: the model fills in its training mean
    shape = np.full((length, len(MASK_SHAPE_NAMES)), 0.5, np.float32)
    given = track_features(np.arange(length), boxes, fps=6.0, clock_start_s=0.0, frame_size=(320, 180),
                           zones=zones, mask_shape=shape)  # fmt: skip
    np.testing.assert_array_equal(given[:, mask_columns], shape)
    with pytest.raises(ValueError, match="mask_shape"):
        track_features(np.arange(length), boxes, fps=6.0, clock_start_s=0.0, frame_size=(320, 180),
                       zones=zones, mask_shape=np.zeros((length + 1, 5), np.float32))  # fmt: skip
