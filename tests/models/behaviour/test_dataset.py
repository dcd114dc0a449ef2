"""Tests of behaviour windows cut from simulator clips."""

from __future__ import annotations

import numpy as np
import pytest

from models.behaviour.dataset import ClipSpec, clip_features, clip_specs, render_clip_tracks, window_samples
from models.behaviour.features import FEATURE_NAMES
from models.behaviour.mask_shape import MASK_SHAPE_NAMES
from models.pipeline.types import BEHAVIOURS


def test_clip_tracks_are_per_pig_visible_frames_with_labels():
    clip = render_clip_tracks(ClipSpec("train", 0, 0, 12 * 3600.0, 2.0))
    assert clip.tracks and set(clip.zones) >= {"feeder", "drinker", "lying"}
    for track, features in zip(clip.tracks, clip_features(clip), strict=True):
        assert track.group.startswith("train-00/")
        assert len(track.frames) == len(track.labels) == len(features)
        assert features.shape[1] == len(FEATURE_NAMES)
        assert np.isfinite(features[:, : -len(MASK_SHAPE_NAMES)]).all()
        assert track.mask_shape is not None and track.mask_shape.shape == (len(track.frames), 5)
        assert np.isfinite(track.mask_shape).mean() > 0.9  # visible pigs have usable rendered masks
        np.testing.assert_array_equal(features[:, -len(MASK_SHAPE_NAMES) :], track.mask_shape)
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


def test_rare_classes_get_denser_window_centres():
    from models.behaviour.dataset import window_centres

    labels = np.array([BEHAVIOURS.index("sleep")] * 8 + [BEHAVIOURS.index("run")] * 4)
    assert window_centres(labels, 4, None).tolist() == [0, 4, 8]
    assert window_centres(labels, 4, 1).tolist() == [0, 4, 8, 9, 10, 11]


def test_saved_clips_load_back_identically(tmp_path):
    from models.behaviour.dataset import load_clips, save_clips

    clip = render_clip_tracks(ClipSpec("train", 0, 0, 12 * 3600.0, 2.0))
    save_clips(tmp_path / "clips.npz", [clip, clip])
    again = load_clips(tmp_path / "clips.npz")
    assert len(again) == 2 and again[1].frame_size == clip.frame_size and again[1].fps == clip.fps
    assert set(again[0].zones) == set(clip.zones)
    for a, b in zip(clip_features(again[1]), clip_features(clip), strict=True):
        np.testing.assert_array_equal(a, b)
    assert [t.group for t in again[0].tracks] == [t.group for t in clip.tracks]
    for a, b in zip(again[0].tracks, clip.tracks, strict=True):
        np.testing.assert_array_equal(a.mask_shape, b.mask_shape)


def test_rendered_masks_tell_lying_on_the_side_from_lying_on_the_belly():
    """Over a night clip, sleep (mostly lateral) silhouettes are rounder and less convex than lying ones
    (mostly sternal): the cue the mask columns add."""
    clip = render_clip_tracks(ClipSpec("train", 0, 0, 2 * 3600.0, 20.0))
    shapes = np.concatenate([t.mask_shape for t in clip.tracks])
    labels = np.concatenate([t.labels for t in clip.tracks])
    solidity = MASK_SHAPE_NAMES.index("mask_solidity")
    sleep, lying = labels == BEHAVIOURS.index("sleep"), labels == BEHAVIOURS.index("lying")
    assert sleep.sum() > 100 and lying.sum() > 100
    assert np.nanmedian(shapes[sleep, solidity]) < np.nanmedian(shapes[lying, solidity]) - 0.03


def test_every_keeps_a_spread_subset_of_the_same_clips():
    full = clip_specs("train", clips_per_scenario=6, duration_s=30, seed=0)
    subset = clip_specs("train", clips_per_scenario=6, duration_s=30, seed=0, every=3)
    assert subset == [spec for k, spec in enumerate(full) if k % 6 in (0, 3)]
