"""Tests of the simulator training frames: on-disk clip cache round trip and the cached renderer."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from models.data.sim_frames import cached_clips, load_clip, render_clips, save_clip
from models.data.targets import Sample


def _sample(rng: np.random.Generator, n: int) -> Sample:
    masks = rng.random((n, 24, 40)) > 0.5
    xyxy = rng.uniform(0, 20, (n, 4)).astype(np.float32)
    return Sample(rng.integers(0, 255, (24, 40, 3), dtype=np.uint8), xyxy, masks, np.arange(n) + 3)


def test_clip_round_trip_keeps_every_array(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    clip = [_sample(rng, 3), _sample(rng, 0), _sample(rng, 5)]
    save_clip(clip, tmp_path / "c.npz")
    back = load_clip(tmp_path / "c.npz")
    assert len(back) == 3
    for a, b in zip(clip, back, strict=True):
        np.testing.assert_array_equal(a.image, b.image)
        np.testing.assert_array_equal(a.xyxy, b.xyxy)
        np.testing.assert_array_equal(a.masks, b.masks)
        np.testing.assert_array_equal(a.ids, b.ids)
        assert b.masks is not None and b.masks.dtype == bool and b.masks.shape == (len(a.xyxy), 24, 40)


def test_clip_without_masks_is_refused(tmp_path: Path) -> None:
    sample = Sample(np.zeros((8, 8, 3), np.uint8), np.zeros((0, 4), np.float32))
    with pytest.raises(ValueError, match="masks and ids"):
        save_clip([sample], tmp_path / "c.npz")
    with pytest.raises(ValueError, match="at least one"):
        save_clip([], tmp_path / "c.npz")


@pytest.mark.slow
def test_cached_clips_render_once_then_read_the_same_frames(tmp_path: Path) -> None:
    kwargs = {"clips": 1, "frames_per_clip": 2, "width": 128, "height": 96, "seed": 3}
    first = cached_clips(tmp_path, "train", **kwargs)  # type: ignore[arg-type]
    files = sorted(tmp_path.rglob("clip-*.npz"))
    assert len(files) == 1
    stamp = files[0].stat().st_mtime_ns
    second = cached_clips(tmp_path, "train", **kwargs)  # type: ignore[arg-type]
    assert files[0].stat().st_mtime_ns == stamp
    direct = render_clips("train", **kwargs)  # type: ignore[arg-type]
    for clip in (second, direct):
        assert len(clip) == 1 and len(clip[0]) == 2
        for a, b in zip(first[0], clip[0], strict=True):
            np.testing.assert_array_equal(a.image, b.image)
            np.testing.assert_array_equal(a.xyxy, b.xyxy)
            np.testing.assert_array_equal(a.ids, b.ids)
    assert first[0][0].image.shape == (96, 128, 3) and len(first[0][0].xyxy) > 0
