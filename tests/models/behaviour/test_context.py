"""Tests of the long-context behaviour features and of rebuilding them from cached base-feature windows."""

from __future__ import annotations

import math

import numpy as np
import pytest

from models.behaviour.context import CONTEXT_FEATURE_NAMES, context_features, rolling, still_seconds
from models.behaviour.features import BASE_FEATURE_NAMES, FEATURE_NAMES, track_features
from models.behaviour.model import windows
from models.behaviour.upgrade_cache import upgrade_windows

SPEED = BASE_FEATURE_NAMES.index("speed")


@pytest.mark.parametrize(
    ("moving", "backwards", "expected_frames"),
    [
        ([], False, []),
        ([True, False, False, True, False], False, [0, 1, 2, 0, 1]),
        ([True, False, False, True, False], True, [0, 2, 1, 0, 1]),
        ([False, False], False, [1, 2]),
    ],
)
def test_still_seconds_counts_frames_since_or_until_motion(moving, backwards, expected_frames):
    out = still_seconds(np.array(moving, bool), 2.0, backwards=backwards)
    np.testing.assert_allclose(out, np.log1p(np.array(expected_frames) / 2.0), rtol=1e-6)


@pytest.mark.parametrize(
    ("values", "reducer", "expected"),
    [
        ([], "mean", []),
        ([1.0, 5.0, 3.0], "max", [5.0, 5.0, 5.0]),
        ([4.0, 1.0, 2.0, 9.0], "min", [1, 1, 1, 2]),
    ],
)
def test_rolling_clips_at_the_ends(values, reducer, expected):
    np.testing.assert_allclose(rolling(np.array(values), 1, reducer), expected)


@pytest.mark.parametrize("length", [0, 1, 40])
def test_context_features_shape_and_relative_columns(length):
    rng = np.random.default_rng(length)
    base = rng.random((length, len(BASE_FEATURE_NAMES))).astype(np.float32)
    out = context_features(base, fps=6.0, frame_size=(320, 180))
    assert out.shape == (length, len(CONTEXT_FEATURE_NAMES)) and out.dtype == np.float32
    if length:
        relative = out[:, CONTEXT_FEATURE_NAMES.index("area_vs_track")]
        assert abs(float(np.median(relative))) < 1e-6


def test_log_diagonal_does_not_depend_on_the_frame_resolution():
    base = np.zeros((1, len(BASE_FEATURE_NAMES)), np.float32)
    base[0, 2], base[0, 3] = 0.1, 0.2
    small = context_features(base, fps=6.0, frame_size=(320, 180))[0, 0]
    large = context_features(base, fps=6.0, frame_size=(1280, 720))[0, 0]
    expected = 0.5 * math.log((32.0**2 + 36.0**2) / (320.0**2 + 180.0**2))
    assert small == pytest.approx(large, abs=1e-6) and small == pytest.approx(expected, abs=1e-5)


def test_upgraded_cache_windows_equal_windows_of_the_full_features():
    frames = np.arange(50)
    xyxy = np.stack([frames * 2.0, frames * 0.0, frames * 2.0 + 30 + (frames > 25) * 10, frames * 0 + 20], 1)
    full = track_features(frames, xyxy, fps=6.0, clock_start_s=3600.0, frame_size=(320, 180), zones={})
    centres = np.arange(0, 50, 4)
    base_windows = windows(full[:, : len(BASE_FEATURE_NAMES)], centres, 24)
    upgraded = upgrade_windows(base_windows, ["a"] * len(centres), stride=4, fps=6.0, frame_size=(320, 180))
    with_context = len(BASE_FEATURE_NAMES) + len(CONTEXT_FEATURE_NAMES)
    assert upgraded.shape == (len(centres), with_context, 24) and with_context < len(FEATURE_NAMES)
    np.testing.assert_allclose(upgraded, windows(full[:, :with_context], centres, 24), atol=1e-5)


def test_upgrade_rejects_windows_of_other_features():
    with pytest.raises(ValueError, match="base windows"):
        upgrade_windows(np.zeros((2, 3, 24), np.float32), ["a", "a"], stride=4, fps=6.0, frame_size=(1, 1))
