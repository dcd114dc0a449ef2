"""Crop sets: cutting frames into labelled crops, day sampling, save/load, concatenation."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from models.embed.crops import CropSpec
from models.embed.dataset import CropSet, crops_from_frames
from models.embed.simdata import sampled_days

SPEC = CropSpec(size=16)


@dataclass
class _Frame:
    """The fields of the simulator's SimFrame that crops_from_frames reads."""

    image: np.ndarray
    ids: np.ndarray
    xyxy: np.ndarray
    masks: np.ndarray
    visible: np.ndarray
    day: int


def _frame(day: int, visible: list[bool], mask_side: int = 20) -> _Frame:
    n = len(visible)
    masks = np.zeros((n, 40, 40 * max(n, 1)), bool)
    boxes = []
    for i in range(n):
        masks[i, 5 : 5 + mask_side, 40 * i + 5 : 40 * i + 5 + mask_side] = True
        boxes.append([40 * i + 5, 5, 40 * i + 5 + mask_side, 5 + mask_side])
    image = np.full((40, 40 * max(n, 1), 3), 90, np.uint8)
    return _Frame(
        image,
        np.arange(1, n + 1),
        np.asarray(boxes, np.float32).reshape(-1, 4),
        masks,
        np.asarray(visible),
        day,
    )


@pytest.mark.parametrize(
    ("frames", "want_ids"),
    [
        ([], []),
        ([_frame(3, [True, True])], [7001, 7002]),
        ([_frame(3, [True, False]), _frame(4, [False, True])], [7001, 7002]),
        ([_frame(3, [True], mask_side=4)], []),  # too few mask pixels
    ],
)
def test_crops_from_frames(frames: list[_Frame], want_ids: list[int]) -> None:
    crops = crops_from_frames(frames, pen=7, spec=SPEC)
    assert crops.ids.tolist() == want_ids
    assert crops.images.shape == (len(want_ids), 16, 16, 3) and crops.images.dtype == np.uint8
    assert (crops.pens == 7).all()


def test_save_load_concat(tmp_path: Path) -> None:
    a = crops_from_frames([_frame(1, [True, True])], pen=0, spec=SPEC)
    b = crops_from_frames([_frame(2, [True])], pen=1, spec=SPEC)
    joined = CropSet.concat([a, b], size=16)
    joined.save(tmp_path / "c.npz")
    back = CropSet.load(tmp_path / "c.npz")
    assert back.ids.tolist() == [1, 2, 1001] and back.days.tolist() == [1, 1, 2]
    np.testing.assert_array_equal(back.images, joined.images)
    assert len(CropSet.concat([], size=16)) == 0


@pytest.mark.parametrize(
    ("n_days", "count", "want"),
    [(20, 5, [0, 5, 10, 14, 19]), (3, 5, [0, 1, 2]), (10, 0, []), (0, 3, []), (20, 1, [0])],
)
def test_sampled_days(n_days: int, count: int, want: list[int]) -> None:
    assert sampled_days(n_days, count) == want
