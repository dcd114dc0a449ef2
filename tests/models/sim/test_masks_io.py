"""Run-length mask coding and the masks.npz store."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from models.sim.masks_io import MaskWriter, load_masks, rle_decode, rle_encode


@pytest.mark.parametrize(
    "mask",
    [
        np.zeros((0, 0), bool),
        np.zeros((3, 4), bool),
        np.ones((3, 4), bool),
        np.eye(5, dtype=bool),
        np.array([[True, False, True, True]]),
    ],
)
def test_rle_round_trip(mask: np.ndarray) -> None:
    runs = rle_encode(mask)
    assert np.array_equal(rle_decode(runs, mask.shape), mask)


def test_rle_starts_with_background_run() -> None:
    assert rle_encode(np.array([True, True, False])).tolist() == [0, 2, 1]


def test_rle_decode_rejects_wrong_size() -> None:
    with pytest.raises(ValueError):
        rle_decode(np.array([2, 3], np.uint32), (2, 2))


@pytest.mark.parametrize("n_frames", [0, 1, 4])
def test_store_round_trip(tmp_path: Path, n_frames: int) -> None:
    rng = np.random.default_rng(0)
    frames = [rng.random((3, 12, 16)) > 0.7 for _ in range(n_frames)]
    if frames:
        frames[0][1] = False  # an empty mask
    writer = MaskWriter(np.array([4, 5, 6]), height=12, width=16)
    for masks in frames:
        writer.add(masks)
    writer.save(tmp_path / "masks.npz")
    store = load_masks(tmp_path)
    assert store.ids.tolist() == [4, 5, 6]
    assert store.shape == (n_frames, 12, 16)
    assert len(list(store)) == n_frames
    for i, masks in enumerate(frames):
        assert np.array_equal(store.frame(i), masks)
