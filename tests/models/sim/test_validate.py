"""Simulated motion against real pigs (shared data), and the statistics helpers on hand-made tracks."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from models.sim.calibration import (
    TrackStats,
    fit_calibration,
    nearest_neighbour_distances,
    real_track_stats,
    stats_from_tracks,
    still_bouts,
)
from models.sim.validate import BOUNDS, compare_stats, simulated_track_stats

REPO = Path(__file__).resolve().parents[3]
SHARED = Path(os.environ.get("PIGWATCH_SHARED_DATA", REPO.parent / "shared" / "data"))
TRACKS = SHARED / "pig-tracks" / "pen-9pigs-45000frames.txt"


@pytest.mark.parametrize(
    ("speeds", "bouts"),
    [([], []), ([1.0, 1.0], []), ([0.0, 0.0, 1.0, 0.0], [2, 1]), ([0.01] * 5, [5])],
)
def test_still_bouts(speeds: list[float], bouts: list[int]) -> None:
    assert still_bouts(np.array(speeds)).tolist() == bouts


@pytest.mark.parametrize(
    ("centres", "expected"),
    [([], []), ([[0, 0]], []), ([[0, 0], [3, 4]], [5, 5]), ([[0, 0], [1, 0], [5, 0]], [1, 1, 4])],
)
def test_nearest_neighbour_distances(centres: list, expected: list) -> None:
    got = nearest_neighbour_distances(np.array(centres, float).reshape(-1, 2))
    assert got.tolist() == pytest.approx(expected)


def test_stats_of_a_hand_made_pair() -> None:
    fps, body = 2.0, 10.0
    frames = np.arange(8, dtype=float)
    walker = np.column_stack([frames, frames * 5.0, np.zeros(8), np.full(8, body)])  # 1 BL/s
    sitter = np.column_stack([frames, np.zeros(8), np.full(8, 20.0), np.full(8, body)])
    stats = stats_from_tracks({1: walker, 2: sitter}, fps=fps, body_length_px=body)
    assert sorted(stats.speeds_bl_s.tolist()) == pytest.approx([0, 0, 0, 1, 1, 1])
    assert stats.still_bouts_s.tolist() == [3]
    assert stats.nn_distances_bl[:2].tolist() == pytest.approx([2.0, 2.0])
    fitted = fit_calibration(stats, fps=fps)
    assert fitted.still_fraction == 0.5 and fitted.moving_speed_log_mu == pytest.approx(0.0)


def test_compare_identical_is_zero_and_empty_is_one() -> None:
    stats = TrackStats(np.array([0.0, 0.1, 0.3]), np.array([2.0, 5.0]), np.array([0.4, 0.6]))
    assert all(v == pytest.approx(0.0) for v in compare_stats(stats, stats).values())
    empty = TrackStats(np.zeros(0), np.zeros(0), np.zeros(0))
    assert all(v == 1.0 for v in compare_stats(stats, empty).values())


@pytest.mark.skipif(
    not TRACKS.is_file(), reason=f"real pig tracks not found at {TRACKS} (PIGWATCH_SHARED_DATA)"
)
def test_simulated_motion_matches_real_pigs() -> None:
    real = real_track_stats(TRACKS)
    distances = compare_stats(real, simulated_track_stats(seeds=(11, 12)))
    for key, bound in BOUNDS.items():
        assert distances[key] < bound, f"{key} = {distances[key]:.3f} exceeds {bound}"
