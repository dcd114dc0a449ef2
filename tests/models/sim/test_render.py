"""In-memory clip generation: shapes, dtypes, determinism and ground-truth consistency."""

from __future__ import annotations

import numpy as np
import pytest

from models.pipeline.types import BEHAVIOURS
from models.sim.render import generate
from models.sim.scenario import Scenario, ScenarioConfig


def _clip(seed: int = 1, *, start_h: float = 8.0, seconds: float = 2.0, size: tuple[int, int] = (192, 108)):
    sc = Scenario.from_config(ScenarioConfig(seed=seed, appearance_seed=seed, n_pigs=7))
    return sc, list(
        generate(sc, day=0, start_s=start_h * 3600, duration_s=seconds, width=size[0], height=size[1], fps=6)
    )


@pytest.mark.parametrize(("seconds", "frames"), [(0.0, 0), (0.5, 3), (2.0, 12)])
def test_frame_count(seconds: float, frames: int) -> None:
    assert len(_clip(seconds=seconds)[1]) == frames


@pytest.mark.parametrize("size", [(160, 90), (320, 180)])
def test_shapes_and_dtypes(size: tuple[int, int]) -> None:
    sc, frames = _clip(size=size, seconds=1.0)
    w, h = size
    n = len(sc.pigs)
    for i, f in enumerate(frames):
        assert f.index == i and f.t_seconds == pytest.approx(i / 6)
        assert f.image.shape == (h, w, 3) and f.image.dtype == np.uint8
        assert f.ids.dtype == np.int64 and f.ids.tolist() == [p.pig_id for p in sc.pigs]
        assert f.xyxy.shape == (n, 4) and f.xyxy.dtype == np.float32
        assert f.masks.shape == (n, h, w) and f.masks.dtype == bool
        assert f.visible.shape == (n,) and f.visible.dtype == bool
        assert f.centres.shape == (n, 2) and f.centres.dtype == np.float32
        assert len(f.behaviours) == n and set(f.behaviours) <= set(BEHAVIOURS)
        assert f.day == 0


def test_same_seed_same_clip_other_seed_other_clip() -> None:
    _, a = _clip(seed=5)
    _, b = _clip(seed=5)
    _, c = _clip(seed=6)
    assert all(
        np.array_equal(x.image, y.image) and np.array_equal(x.xyxy, y.xyxy) for x, y in zip(a, b, strict=True)
    )
    assert not np.array_equal(a[-1].image, c[-1].image)


def test_masks_are_disjoint_and_boxes_bound_them() -> None:
    _, frames = _clip(start_h=16.0)
    for f in frames:
        assert f.masks.sum(axis=0).max() <= 1
        for mask, box, seen in zip(f.masks, f.xyxy, f.visible, strict=True):
            if not mask.any():
                assert not seen
                continue
            ys, xs = np.nonzero(mask)
            assert box.tolist() == [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]


def test_night_frames_are_grey() -> None:
    _, frames = _clip(start_h=23.0, seconds=0.5)
    img = frames[0].image.astype(int)
    assert np.abs(img[..., 0] - img[..., 2]).mean() < 4.0
    _, day = _clip(start_h=12.0, seconds=0.5)
    assert np.abs(day[0].image[..., 0].astype(int) - day[0].image[..., 2]).mean() > 8.0
