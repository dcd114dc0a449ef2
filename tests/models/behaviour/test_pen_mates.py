"""Tests of the pen-mate features (size against the pen, nearest mate's union box and speed)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from models.behaviour.pen_mates import (
    NO_MATE_UNION,
    PEN_MATE_FEATURE_NAMES,
    centre_speeds,
    nearest_mates,
    pen_mate_features,
    union_diagonal_ratio,
)

BOX = np.array([[0.0, 0.0, 40.0, 10.0]])


def column(name: str) -> int:
    return PEN_MATE_FEATURE_NAMES.index(name)


def test_union_of_head_to_head_boxes_is_twice_the_diagonal_and_side_by_side_much_less():
    ahead = union_diagonal_ratio(BOX, np.array([[40.0, 0.0, 80.0, 10.0]]))[0]
    beside = union_diagonal_ratio(BOX, np.array([[0.0, 10.0, 40.0, 20.0]]))[0]
    assert ahead == pytest.approx(math.log(math.hypot(80, 10) / math.hypot(40, 10)))
    assert ahead > math.log(1.9) and beside < math.log(1.2)
    assert union_diagonal_ratio(BOX, np.full((1, 4), np.nan))[0] == pytest.approx(NO_MATE_UNION)


def test_nearest_mate_is_chosen_per_shared_frame_with_its_own_speed():
    frames = np.arange(3)
    mine = np.repeat(BOX, 3, axis=0)
    far = (np.arange(3), np.array([[200.0, 0, 240, 10], [200, 0, 240, 10], [200, 0, 240, 10]]))
    near = (np.array([1, 2]), np.array([[50.0, 0, 90, 10], [60, 0, 100, 10]]))  # moves 10 px in 1/6 s
    boxes, speeds = nearest_mates(frames, mine, [far, near], fps=6.0)
    assert boxes[0, 0] == 200 and boxes[1, 0] == 50 and boxes[2, 0] == 60
    expected = centre_speeds(near[0], near[1], 6.0)[1]
    assert speeds[2] == pytest.approx(expected) and expected > 1.0


@pytest.mark.parametrize("mates", [0, 2])
def test_features_shape_and_pen_relative_size(mates):
    frames = np.arange(10)
    mine = np.repeat(np.array([[0.0, 0.0, 20.0, 20.0]]), 10, axis=0)
    others = [(frames, mine * 2.0 + 100.0 * (k + 1)) for k in range(mates)]
    out = pen_mate_features(frames, mine, others, fps=6.0)
    assert out.shape == (10, len(PEN_MATE_FEATURE_NAMES)) and out.dtype == np.float32
    assert np.isfinite(out).all()
    expected = -math.log(2.0) if mates else 0.0  # median diagonal over all boxes: the mates' (twice as long)
    np.testing.assert_allclose(out[:, column("diagonal_vs_pen")], expected, atol=1e-5)
    np.testing.assert_allclose(out[:, column("mate_still_10s")], 1.0)  # mates never move


def test_empty_track_gives_no_rows():
    assert pen_mate_features(np.zeros(0, np.int64), np.zeros((0, 4)), [], fps=6.0).shape == (0, 5)
