"""Instance masks for mask-IoU matching: loading them lazily and attaching them to per-frame detections.

Two files are read: the simulator's ``masks.npz`` (through ``models.sim.writer.load_masks``) and this
module's own format for tracker outputs, written by `save_mask_file`: arrays ``frame`` (N int64,
0-based), ``id`` (N int64), ``height``, ``width`` and ``packed`` (N x ceil(H*W/8) uint8, ``np.packbits``
of each flattened HxW bool mask). Masks are decoded one frame at a time when a frame is looked up, so a
long clip never holds all its masks in memory.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from models.pipeline.types import Detections

FrameMasks = tuple[np.ndarray, np.ndarray]
"""(K int64 ids, KxHxW bool masks) of one frame."""


def save_mask_file(path: str | Path, masks: Mapping[int, FrameMasks]) -> None:
    """Write per-frame instance masks in this module's packed format.

    Args:
        path: the .npz to write.
        masks: 0-based frame -> (K ids, KxHxW bool masks); all frames the same H and W.
    """
    frames, ids, packed, size = [], [], [], (0, 0)
    for frame in sorted(masks):
        frame_ids, frame_masks = masks[frame]
        size = frame_masks.shape[1:]
        for tid, mask in zip(frame_ids, np.asarray(frame_masks, dtype=bool), strict=True):
            frames.append(frame)
            ids.append(int(tid))
            packed.append(np.packbits(mask.reshape(-1)))
    np.savez_compressed(
        path, frame=np.asarray(frames, np.int64), id=np.asarray(ids, np.int64), height=size[0], width=size[1],
        packed=np.stack(packed) if packed else np.zeros((0, 0), np.uint8),
    )  # fmt: skip


class PackedMasks(Mapping[int, FrameMasks]):
    """Frames of a file written by `save_mask_file`, unpacked on lookup."""

    def __init__(self, data: Mapping[str, np.ndarray]) -> None:
        self._hw = (int(data["height"]), int(data["width"]))
        self._frame, self._id, self._packed = data["frame"], data["id"], data["packed"]
        self._frames = sorted({int(f) for f in self._frame})

    def __getitem__(self, frame: int) -> FrameMasks:
        rows = np.flatnonzero(self._frame == frame)
        if len(rows) == 0:
            raise KeyError(frame)
        count = self._hw[0] * self._hw[1]
        masks = [np.unpackbits(self._packed[r], count=count).astype(bool).reshape(self._hw) for r in rows]
        return self._id[rows].astype(np.int64), np.stack(masks)

    def __iter__(self) -> Iterator[int]:
        return iter(self._frames)

    def __len__(self) -> int:
        return len(self._frames)


class SimulatorMasks(Mapping[int, FrameMasks]):
    """Frames of a simulator ``masks.npz`` (a ``models.sim.masks_io.MaskStore``), decoded on lookup;
    every pig of the clip is listed in every frame (an empty mask where it is not visible)."""

    def __init__(self, store: Any) -> None:
        self._store = store

    def __getitem__(self, frame: int) -> FrameMasks:
        if not 0 <= frame < len(self._store):
            raise KeyError(frame)
        return np.asarray(self._store.ids, np.int64), self._store.frame(frame)

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self._store)))

    def __len__(self) -> int:
        return len(self._store)


def load_mask_file(path: str | Path) -> Mapping[int, FrameMasks]:
    """Open per-frame instance masks (this module's format, or the simulator's ``masks.npz``).

    Raises:
        ValueError: the file is in neither format.
    """
    path = Path(path)
    with np.load(path, allow_pickle=False) as data:
        if {"frame", "id", "height", "width", "packed"} <= set(data.files):
            return PackedMasks({k: data[k] for k in data.files})
        if not {"ids", "shape", "boxes", "offsets", "counts"} <= set(data.files):
            raise ValueError(f"{path}: neither a pigwatch mask file nor a simulator masks.npz")
    # Imported by name: models.sim is a sibling package the evaluation does not otherwise need.
    writer = importlib.import_module("models.sim.writer")
    return SimulatorMasks(writer.load_masks(path.parent))


class MaskedFrames(Mapping[int, Detections]):
    """``frames`` with each frame's detections given the mask of the same id, built on lookup.

    Args:
        frames: 0-based frame -> `Detections` with track_id.
        masks: 0-based frame -> (K ids, KxHxW bool), e.g. from `load_mask_file`.

    Raises (on lookup):
        ValueError: a detection has no mask of its id in its frame.
    """

    def __init__(self, frames: Mapping[int, Detections], masks: Mapping[int, FrameMasks]) -> None:
        self._frames, self._masks = frames, masks

    def __getitem__(self, frame: int) -> Detections:
        det = self._frames[frame]
        if len(det) == 0:
            return det
        ids, frame_masks = self._masks.get(frame, (np.zeros(0, np.int64), np.zeros((0, 0, 0), bool)))
        lookup = {int(t): k for k, t in enumerate(ids)}
        track_ids = det.track_id if det.track_id is not None else np.zeros(0, np.int64)
        missing = [int(t) for t in track_ids if int(t) not in lookup]
        if missing or len(track_ids) != len(det):
            raise ValueError(f"frame {frame}: no mask for ids {missing or 'without track_id'}")
        rows = [lookup[int(t)] for t in track_ids]
        return Detections(xyxy=det.xyxy, score=det.score, track_id=track_ids, mask=frame_masks[rows])

    def __iter__(self) -> Iterator[int]:
        return iter(self._frames)

    def __len__(self) -> int:
        return len(self._frames)
