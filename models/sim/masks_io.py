"""Compact per-frame instance masks: run-length encoded inside each pig's box, in one ``masks.npz``.

Layout of ``masks.npz``:
    ids: N int64 pig ids; shape: (F, H, W) int64; boxes: F x N x 4 int32 (x0, y0, x1, y1; x1/y1 exclusive,
    all zero when the mask is empty); offsets: F*N+1 int64 into counts; counts: uint32 run lengths of the
    box crop flattened row-major, alternating background/foreground runs, starting with background.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np


def rle_encode(mask: np.ndarray) -> np.ndarray:
    """Run lengths (uint32) of a bool array flattened row-major, starting with a (maybe empty) false run."""
    flat = np.asarray(mask, bool).ravel()
    if flat.size == 0:
        return np.zeros(0, np.uint32)
    change = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    bounds = np.concatenate([[0], change, [flat.size]])
    runs = np.diff(bounds)
    if flat[0]:
        runs = np.concatenate([[0], runs])
    return runs.astype(np.uint32)


def rle_decode(runs: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Inverse of `rle_encode` for a mask of ``shape`` (bool)."""
    size = int(np.prod(shape))
    values = np.zeros(len(runs), bool)
    values[1::2] = True
    flat = np.repeat(values, np.asarray(runs, np.int64)) if len(runs) else np.zeros(0, bool)
    if flat.size != size:
        raise ValueError(f"runs cover {flat.size} pixels, expected {size}")
    return flat.reshape(shape)


class MaskWriter:
    """Accumulates frames of NxHxW masks and saves them as ``masks.npz``.

    Args:
        ids: N int64 pig ids.
        height, width: frame size, pixels.
    """

    def __init__(self, ids: np.ndarray, *, height: int, width: int) -> None:
        self.ids = np.asarray(ids, np.int64)
        self.hw = (height, width)
        self.boxes: list[np.ndarray] = []
        self.runs: list[np.ndarray] = []

    def add(self, masks: np.ndarray) -> None:
        """Append one frame's NxHxW bool masks."""
        boxes = np.zeros((len(self.ids), 4), np.int32)
        for i, mask in enumerate(masks):
            rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
            if len(rows) == 0:
                self.runs.append(np.zeros(0, np.uint32))
                continue
            boxes[i] = (cols[0], rows[0], cols[-1] + 1, rows[-1] + 1)
            self.runs.append(rle_encode(mask[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]))
        self.boxes.append(boxes)

    def save(self, path: Path) -> None:
        """Write ``path`` (a .npz, compressed)."""
        lengths = [len(r) for r in self.runs]
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        counts = np.concatenate(self.runs).astype(np.uint32) if self.runs else np.zeros(0, np.uint32)
        boxes = np.stack(self.boxes) if self.boxes else np.zeros((0, len(self.ids), 4), np.int32)
        np.savez_compressed(
            path,
            ids=self.ids,
            shape=np.array([len(self.boxes), *self.hw], np.int64),
            boxes=boxes,
            offsets=offsets,
            counts=counts,
        )


class MaskStore:
    """Read access to a ``masks.npz``: ``store.frame(i)`` -> NxHxW bool; iterate for all frames.

    Attributes:
        ids: N int64 pig ids (row order of every frame's masks).
        shape: (frames, height, width).
    """

    def __init__(self, path: Path) -> None:
        with np.load(path) as data:
            self.ids = data["ids"]
            self.shape = tuple(int(v) for v in data["shape"])
            self.boxes, self.offsets, self.counts = data["boxes"], data["offsets"], data["counts"]

    def __len__(self) -> int:
        return self.shape[0]

    def frame(self, index: int) -> np.ndarray:
        """Masks of frame ``index`` (0-based): NxHxW bool."""
        n = len(self.ids)
        out = np.zeros((n, self.shape[1], self.shape[2]), bool)
        for i in range(n):
            x0, y0, x1, y1 = (int(v) for v in self.boxes[index, i])
            k = index * n + i
            runs = self.counts[self.offsets[k] : self.offsets[k + 1]]
            if x1 > x0 and y1 > y0:
                out[i, y0:y1, x0:x1] = rle_decode(runs, (y1 - y0, x1 - x0))
        return out

    def __iter__(self) -> Iterator[np.ndarray]:
        for index in range(len(self)):
            yield self.frame(index)


def load_masks(clip_dir: Path) -> MaskStore:
    """Open ``clip_dir/masks.npz`` written by `models.sim.writer.render_clip`."""
    return MaskStore(Path(clip_dir) / "masks.npz")
