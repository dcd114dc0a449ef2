"""Tests of bout smoothing and zone visits."""

from __future__ import annotations

import numpy as np
import pytest

from models.behaviour.bouts import absorb_short_runs, bouts_from_probabilities, runs, zone_visits
from models.pipeline.types import BEHAVIOURS


def one_hot(labels: list[int]) -> np.ndarray:
    out = np.full((len(labels), len(BEHAVIOURS)), 0.02, np.float32)
    out[np.arange(len(labels)), labels] = 0.84
    return out


@pytest.mark.parametrize(
    ("values", "expected"), [([], []), ([1], [(0, 1)]), ([1, 1, 2, 2, 2, 1], [(0, 2), (2, 5), (5, 6)])]
)
def test_runs(values, expected):
    assert runs(np.array(values)) == expected


def test_short_flicker_is_absorbed_by_the_longer_neighbour():
    labels = np.array([0] * 10 + [3] * 2 + [1] * 5)
    assert absorb_short_runs(labels, 4).tolist() == [0] * 12 + [1] * 5


def test_bouts_cover_the_track_and_follow_the_labels():
    labels = [1] * 30 + [0] * 30
    times = np.arange(60) / 6.0
    bouts = bouts_from_probabilities(7, times, one_hot(labels))
    assert [(b.label, b.track_id) for b in bouts] == [("lying", 7), ("standing", 7)]
    assert bouts[0].start_s == 0.0 and bouts[0].end_s == pytest.approx(bouts[1].start_s)
    assert bouts[1].end_s == pytest.approx(10.0)
    assert all(0.5 < b.probability <= 1.0 for b in bouts)


def test_no_frames_no_bouts():
    assert bouts_from_probabilities(1, np.zeros(0), np.zeros((0, 9))) == []


def test_zone_visits_bridge_short_gaps_and_drop_short_stays():
    feeder = np.array([[0.0, 0.0], [0.5, 0.0], [0.5, 0.5], [0.0, 0.5]])
    times = np.arange(60) / 6.0  # 10 s
    inside, outside = [0.25, 0.25], [0.9, 0.9]
    centres = np.array([inside] * 24 + [outside] * 3 + [inside] * 12 + [outside] * 20 + [inside])
    visits = zone_visits(3, times, centres, {"feeder": feeder})
    assert len(visits) == 1 and visits[0].zone == "feeder"
    assert visits[0].start_s == 0.0 and visits[0].end_s == pytest.approx(39 / 6.0)
    assert zone_visits(3, times[:0], centres[:0], {"feeder": feeder}) == []
