"""Per-animal crops for the embedder: square, aspect kept, background neutralised, normalised, batched.

Each detection becomes one square crop centred on its box (side = the box's longer side plus a margin);
whatever falls outside the frame, and, when instance masks are given, every pixel outside the animal's mask,
is filled with the normalisation mean colour, which is exactly zero after normalisation. Crops are resized
to ``size`` x ``size`` and returned as an NxCxHxW float32 batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from models.pipeline.types import Detections


@dataclass(frozen=True)
class CropSpec:
    """How an embedder wants its input.

    Attributes:
        size: output side in pixels (square crops).
        mean: per-channel RGB mean in [0, 1]; also the fill colour for background and padding.
        std: per-channel RGB std in [0, 1].
        margin: extra context around the box, as a fraction of the box's longer side.
    """

    size: int = 224
    mean: tuple[float, float, float] = (0.485, 0.456, 0.406)
    std: tuple[float, float, float] = (0.229, 0.224, 0.225)
    margin: float = 0.05

    @property
    def fill_rgb(self) -> np.ndarray:
        """The fill colour, 3 uint8 RGB."""
        return np.round(np.asarray(self.mean) * 255.0).astype(np.uint8)


def square_window(box: np.ndarray, *, margin: float) -> tuple[int, int, int]:
    """The square around a box.

    Args:
        box: 4 float, (x1, y1, x2, y2) pixels.
        margin: context added, as a fraction of the longer side.

    Returns:
        (x0, y0, side) integers in frame pixels; the window may extend beyond the frame. side >= 1.
    """
    x1, y1, x2, y2 = (float(v) for v in box)
    side = max(x2 - x1, y2 - y1, 1.0) * (1.0 + margin)
    cx, cy = (x1 + x2) / 2.0, (y1 + y2) / 2.0
    side_px = max(int(round(side)), 1)
    return int(round(cx - side_px / 2.0)), int(round(cy - side_px / 2.0)), side_px


def _cut(image: np.ndarray, x0: int, y0: int, side: int, fill: np.ndarray | bool) -> np.ndarray:
    """Copy the ``side``-square window at (x0, y0) out of ``image`` (HxW or HxWxC), padded with ``fill``."""
    h, w = image.shape[:2]
    out = np.empty((side, side, *image.shape[2:]), dtype=image.dtype)
    out[...] = fill
    fx0, fy0, fx1, fy1 = max(x0, 0), max(y0, 0), min(x0 + side, w), min(y0 + side, h)
    if fx1 > fx0 and fy1 > fy0:
        out[fy0 - y0 : fy1 - y0, fx0 - x0 : fx1 - x0] = image[fy0:fy1, fx0:fx1]
    return out


MIN_MASK_FILL = 0.05
"""Smallest share of its box a mask must cover to be used for background neutralisation."""


def mask_fills_box(mask: np.ndarray, box: np.ndarray) -> bool:
    """Whether an HxW bool mask covers at least `MIN_MASK_FILL` of the box (x1, y1, x2, y2 pixels)."""
    height, width = mask.shape[:2]
    x1, y1 = int(np.clip(np.floor(box[0]), 0, width)), int(np.clip(np.floor(box[1]), 0, height))
    x2, y2 = int(np.clip(np.ceil(box[2]), 0, width)), int(np.clip(np.ceil(box[3]), 0, height))
    area = (x2 - x1) * (y2 - y1)
    return area > 0 and float(np.count_nonzero(mask[y1:y2, x1:x2])) >= MIN_MASK_FILL * area


def crop_one(image: np.ndarray, box: np.ndarray, mask: np.ndarray | None, spec: CropSpec) -> np.ndarray:
    """One animal's crop, before normalisation.

    Args:
        image: HxWx3 uint8 RGB frame.
        box: 4 float, (x1, y1, x2, y2) pixels.
        mask: HxW bool instance mask at frame resolution, or None to keep the background. A mask covering
            less than `MIN_MASK_FILL` of its box is treated as None (a failed mask would otherwise blank the
            whole crop and make every animal's embedding the same).
        spec: the crop settings.

    Returns:
        size x size x 3 uint8 RGB.
    """
    x0, y0, side = square_window(box, margin=spec.margin)
    fill = spec.fill_rgb
    crop = _cut(image, x0, y0, side, fill)
    if mask is not None and mask_fills_box(mask, box):
        crop[~_cut(mask, x0, y0, side, False)] = fill
    interpolation = cv2.INTER_AREA if side > spec.size else cv2.INTER_LINEAR
    return cv2.resize(crop, (spec.size, spec.size), interpolation=interpolation)


def normalise(crops: np.ndarray, spec: CropSpec) -> np.ndarray:
    """NxSxSx3 uint8 RGB -> NxCxSxS float32, ``(x / 255 - mean) / std``."""
    mean = np.asarray(spec.mean, dtype=np.float32)
    std = np.asarray(spec.std, dtype=np.float32)
    scaled = (crops.astype(np.float32) / 255.0 - mean) / std
    return np.ascontiguousarray(scaled.transpose(0, 3, 1, 2))


def crop_batch(image: np.ndarray, detections: Detections, spec: CropSpec) -> np.ndarray:
    """Crops of every detection in a frame, ready for the embedder.

    Args:
        image: HxWx3 uint8 RGB frame.
        detections: N boxes (xyxy pixels) with optional NxHxW bool masks at frame resolution.
        spec: the crop settings.

    Returns:
        Nx3xSxS float32, normalised; 0x3xSxS when there are no detections.
    """
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"image must be HxWx3 uint8 RGB, got {image.shape} {image.dtype}")
    if detections.mask is not None and detections.mask.shape[1:] != image.shape[:2]:
        raise ValueError(f"masks are {detections.mask.shape[1:]}, frame is {image.shape[:2]}")
    if len(detections) == 0:
        return np.zeros((0, 3, spec.size, spec.size), dtype=np.float32)
    masks = detections.mask
    crops = [
        crop_one(image, box, None if masks is None else masks[i], spec)
        for i, box in enumerate(detections.xyxy)
    ]
    return normalise(np.stack(crops), spec)
