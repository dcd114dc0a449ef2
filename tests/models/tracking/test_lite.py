"""Tests of the lite tracker stage (fake dense runner for tracking logic, a small real LiteNet for wiring)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

from models.nn.lite import OUTPUT_NAMES, LiteConfig, LiteNet
from models.pipeline.types import Frame
from models.tracking.association import AssociationConfig
from models.tracking.lite import LiteTracker, TorchLiteRunner, letterbox_image


class _PeaksRunner:
    """Fake network: a peak per scripted (row, col) cell, 4x2-cell boxes, one-hot embeddings."""

    def __init__(self, script: list[list[tuple[int, int]]], hw: tuple[int, int] = (64, 128)) -> None:
        self.meta: dict[str, Any] = {"input_size": list(hw)}
        self.script, self.calls = script, 0
        self.grid = (hw[0] // 8, hw[1] // 8)

    def run(self, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        h, w = self.grid
        outs = {n: np.zeros((1, 2, h, w), np.float32) for n in OUTPUT_NAMES}
        outs["heat"] = np.zeros((1, 1, h, w), np.float32)
        outs["embed"] = np.zeros((1, 4, h, w), np.float32)
        for k, (y, x) in enumerate(self.script[self.calls]):
            outs["heat"][0, 0, y, x] = 0.9
            outs["size"][0, :, y, x] = np.log([4.0, 2.0])
            outs["embed"][0, k, y, x] = 1.0
            outs["coef"][0, 0, y, x] = 1.0
        outs["proto"][0, 0] = 1.0
        self.calls += 1
        return outs


def _frame(i: int, hw: tuple[int, int] = (128, 256)) -> Frame:
    return Frame(i, i / 6.0, np.zeros((*hw, 3), np.uint8))


@pytest.mark.parametrize("n_frames", [0, 1, 20])
def test_moving_peaks_keep_ids_and_masks(n_frames: int) -> None:
    script = [[(2, 2 + t // 4), (5, 12 - t // 4)] for t in range(n_frames)]
    tracker = LiteTracker(_PeaksRunner(script))
    for i in range(n_frames):
        out = tracker.update(_frame(i))
        assert sorted(out.track_id) == [1, 2]
        assert out.mask is not None and out.mask.shape == (2, 128, 256)
        for k in range(2):
            x1, y1, x2, y2 = out.xyxy[k].round().astype(int)
            assert out.mask[k, y1:y2, x1:x2].all() and out.mask[k].sum() == (x2 - x1) * (y2 - y1)


def test_empty_frames_and_reset() -> None:
    tracker = LiteTracker(_PeaksRunner([[(2, 2)], [], [], [(2, 2)]]))
    assert list(tracker.update(_frame(0)).track_id) == [1]
    assert len(tracker.update(_frame(1))) == 0 and len(tracker.update(_frame(2))) == 0
    tracker.reset()
    assert list(tracker.update(_frame(3)).track_id) == [1]


def test_bounded_state_over_many_frames() -> None:
    rng = np.random.default_rng(0)
    script = [[(int(rng.integers(0, 8)), int(rng.integers(0, 16))) for _ in range(3)] for _ in range(400)]
    tracker = LiteTracker(_PeaksRunner(script), AssociationConfig(max_tracks=16, max_lost_age=10),
                          with_masks=False)
    for i in range(400):
        tracker.update(_frame(i))
        assert tracker.association.num_tracks <= 16


@pytest.mark.parametrize(("frame_hw", "pad"), [((720, 1280), (7, 0)), ((100, 100), (32, 0))])
def test_letterbox_image(frame_hw: tuple[int, int], pad: tuple[int, int]) -> None:
    batch, box = letterbox_image(np.full((*frame_hw, 3), 255, np.uint8), (64, 128))
    assert batch.shape == (1, 3, 64, 128) and batch.dtype == np.float32 and batch.max() == 1.0
    assert (box.pad_x, box.pad_y) == pad


def test_real_small_net_runs_end_to_end() -> None:
    torch.manual_seed(0)
    net = LiteNet(LiteConfig(input_height=64, input_width=96, fpn_channels=16, embed_dim=8))
    tracker = LiteTracker(TorchLiteRunner(net), score_threshold=0.0)
    out = tracker.update(Frame(0, 0.0, np.random.default_rng(0).integers(0, 255, (90, 160, 3), np.uint8)))
    assert out.track_id is not None and out.mask is not None and out.mask.shape[1:] == (90, 160)
    assert np.isfinite(out.xyxy).all() and (out.xyxy[:, [0, 2]] <= 160).all()


def test_runner_without_input_size_is_refused() -> None:
    runner = _PeaksRunner([])
    runner.meta = {}
    with pytest.raises(ValueError, match="input_size"):
        LiteTracker(runner)


@pytest.mark.parametrize(("meta_assoc", "expected_high"), [({}, 0.5), ({"high_score": 0.25}, 0.25)])
def test_association_thresholds_come_from_the_sidecar(meta_assoc: dict, expected_high: float) -> None:
    runner = _PeaksRunner([])
    runner.meta["association"] = meta_assoc
    assert LiteTracker(runner).association.config.high_score == expected_high


def test_detect_then_associate_equals_tracking_frame_by_frame() -> None:
    from models.tracking.lite import associate

    script = [[(2, 2 + t // 3), (5, 12 - t // 3)] for t in range(9)]
    tracked = LiteTracker(_PeaksRunner(script), with_masks=False)
    expected = [tracked.update(_frame(i)) for i in range(9)]
    detector = LiteTracker(_PeaksRunner(script), with_masks=False)
    dets = {i: detector.detect(_frame(i).image)[0] for i in range(9)}
    assert all(d.track_id is None for d in dets.values())
    for cfg in (AssociationConfig(), AssociationConfig(high_score=0.95, new_track_score=0.95)):
        out = associate(dets, cfg)
        assert sorted(out) == list(range(9))
        if cfg.high_score < 0.9:
            for a, b in zip(expected, (out[i] for i in range(9)), strict=True):
                np.testing.assert_array_equal(a.xyxy, b.xyxy)
                np.testing.assert_array_equal(a.track_id, b.track_id)
        else:
            assert all(len(d) == 0 for d in out.values())
