"""Tests of the MOTChallenge reader and the ground-truth perturbation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from models.data.mot import MotFrame, identity_metrics, perturb, read_mot, replay


@pytest.mark.parametrize(
    ("text", "frames", "first_xyxy"),
    [
        ("", 0, None),
        ("1,1,10,20,5,6,1,-1,-1,-1\n", 1, [10, 20, 15, 26]),
        ("2,1,0,0,1,1,1\n1,2,3,4,5,6,1\n1,3,0,0,2,2,1\n", 2, [3, 4, 8, 10]),
    ],
)
def test_read_mot(tmp_path: Path, text: str, frames: int, first_xyxy) -> None:
    path = tmp_path / "gt.txt"
    path.write_text(text)
    out = read_mot(path)
    assert len(out) == frames
    if first_xyxy is not None:
        np.testing.assert_allclose(out[0].xyxy[0], first_xyxy)
        assert [f.frame for f in out] == sorted(f.frame for f in out)


@pytest.mark.parametrize(("drop", "expected"), [(0.0, 50), (1.0, 0)])
def test_perturb_drop(drop: float, expected: int) -> None:
    gt = MotFrame(0, np.arange(50), np.tile(np.array([[0, 0, 10, 10]], np.float32), (50, 1)))
    dets = perturb(gt, np.random.default_rng(0), drop=drop, jitter=0.0)
    assert len(dets) == expected


def test_identity_metrics_perfect_tracker() -> None:
    frames = [MotFrame(i, np.array([1, 2]), np.array([[i, 0, i + 10, 10], [50, 50, 60, 60]], np.float32))
              for i in range(20)]

    def oracle(d):
        d.track_id = np.where(d.xyxy[:, 1] < 25, 1, 2)
        return d

    m = identity_metrics(replay(frames, oracle, jitter=0.0, drop=0.0))
    assert m["idf1"] == pytest.approx(1.0) and m["id_switches"] == 0 and m["frames"] == 20
