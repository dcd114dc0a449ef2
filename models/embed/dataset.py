"""Crop sets for training and evaluating the embedder, cut from the pen simulator's ground truth.

A `CropSet` holds uint8 crops (already square, mask-neutralised and resized by `models.embed.crops.crop_one`)
with, per crop, a global identity, the pen (scenario) it came from and the day. Identities are made globally
unique as ``pen * 1000 + pig id`` so that pigs of different pens never share a label.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from models.embed.crops import CropSpec, crop_one


@dataclass
class CropSet:
    """Labelled crops.

    Attributes:
        images: NxSxSx3 uint8 RGB crops.
        ids: N int64 global identities (``pen * 1000 + pig``).
        pens: N int64 pen (scenario) index.
        days: N int64 simulated day.
    """

    images: np.ndarray
    ids: np.ndarray
    pens: np.ndarray
    days: np.ndarray

    def __len__(self) -> int:
        return len(self.images)

    def save(self, path: Path) -> None:
        """Write as an uncompressed ``.npz``."""
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, images=self.images, ids=self.ids, pens=self.pens, days=self.days)

    @classmethod
    def load(cls, path: Path) -> CropSet:
        """Read a set written by `save`."""
        with np.load(path) as data:
            return cls(images=data["images"], ids=data["ids"], pens=data["pens"], days=data["days"])

    @classmethod
    def concat(cls, parts: list[CropSet], *, size: int) -> CropSet:
        """Join sets (an empty list gives an empty set of ``size``-pixel crops)."""
        if not parts:
            empty = np.zeros(0, np.int64)
            return cls(np.zeros((0, size, size, 3), np.uint8), empty, empty.copy(), empty.copy())
        return cls(
            *(np.concatenate([getattr(p, f) for p in parts]) for f in ("images", "ids", "pens", "days"))
        )


def min_visible_pixels(spec: CropSpec) -> int:
    """Masks smaller than this (frame pixels) are skipped: a mostly hidden pig tells little of identity."""
    return max(spec.size, 64)


def crops_from_frames(frames: Iterable[Any], *, pen: int, spec: CropSpec) -> CropSet:
    """Cut every visible animal out of simulator frames.

    Args:
        frames: objects with ``image`` HxWx3 uint8, ``ids`` N int, ``xyxy`` Nx4 px, ``masks`` NxHxW bool,
            ``visible`` N bool and ``day`` int (the simulator's ``SimFrame``).
        pen: the pen (scenario) index recorded with each crop.
        spec: crop size, fill colour and margin.

    Returns:
        The crops, one per visible animal per frame.
    """
    images, ids, days = [], [], []
    for frame in frames:
        for i, pig in enumerate(np.asarray(frame.ids)):
            mask = np.asarray(frame.masks[i], bool)
            if not bool(np.asarray(frame.visible)[i]) or mask.sum() < min_visible_pixels(spec):
                continue
            images.append(crop_one(frame.image, np.asarray(frame.xyxy[i], np.float32), mask, spec))
            ids.append(pen * 1000 + int(pig))
            days.append(int(frame.day))
    if not images:
        return CropSet.concat([], size=spec.size)
    n = len(images)
    return CropSet(
        np.stack(images), np.asarray(ids, np.int64), np.full(n, pen, np.int64), np.asarray(days, np.int64)
    )
