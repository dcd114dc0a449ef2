"""Tests of behaviour windows cut from simulator clips."""

from __future__ import annotations

import numpy as np
import pytest

from models.behaviour.dataset import ClipSpec, clip_features, clip_specs, render_clip_tracks, window_samples
from models.behaviour.features import FEATURE_NAMES
from models.pipeline.types import BEHAVIOURS


def test_clip_tracks_are_per_pig_visible_frames_with_labels():
    clip = render_clip_tracks(ClipSpec("train", 0, 0, 12 * 3600.0, 2.0))
    assert clip.tracks and set(clip.zones) >= {"feeder", "drinker", "lying"}
    for track, features in zip(clip.tracks, clip_features(clip), strict=True):
        assert track.group.startswith("train-00/")
        assert len(track.frames) == len(track.labels) == len(features)
        assert features.shape[1] == len(FEATURE_NAMES) and np.isfinite(features).all()
        assert track.labels.min() >= 0 and track.labels.max() < len(BEHAVIOURS)


@pytest.mark.parametrize("set_name", ["train", "test"])
def test_specs_stay_in_their_set_and_cover_the_day(set_name):
    specs = clip_specs(set_name, clips_per_scenario=4, duration_s=30, seed=0)
    assert {s.set_name for s in specs} == {set_name}
    starts = sorted(s.start_s for s in specs if s.scenario_index == 0)
    assert starts[0] < 6 * 3600 and starts[-1] > 18 * 3600


def test_no_specs_no_windows():
    x, y, groups = window_samples([])
    assert len(x) == len(y) == len(groups) == 0
