"""Training targets of the lite network (CenterNet heatmap, box size/offset, masks, ids) and augmentation.

All coordinates are network-input pixels; maps are at stride 8 (`models.nn.lite.STRIDE`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.nn.lite import STRIDE

MAX_OBJECTS = 64


@dataclass
class Sample:
    """One training image with its labels.

    Attributes:
        image: HxWx3 uint8 RGB.
        xyxy: Nx4 float32 boxes, pixels.
        masks: NxHxW bool or None (real photos have no masks).
        ids: N int64 identities within the sample's clip, or None (no identity labels).
    """

    image: np.ndarray
    xyxy: np.ndarray
    masks: np.ndarray | None = None
    ids: np.ndarray | None = None


def gaussian_radius(w: float, h: float) -> float:
    """Heatmap Gaussian sigma in cells for a box of ``w x h`` cells (a third of the smaller half-side)."""
    return max(min(w, h) / 6.0, 0.5)


def _draw_gaussian(heat: np.ndarray, cx: float, cy: float, sigma: float) -> None:
    """Max-paint a Gaussian peak of height 1 at (cx, cy) cells into ``heat`` [h, w] in place."""
    h, w = heat.shape
    r = int(3 * sigma) + 1
    x0, x1 = max(int(cx) - r, 0), min(int(cx) + r + 1, w)
    y0, y1 = max(int(cy) - r, 0), min(int(cy) + r + 1, h)
    if x0 >= x1 or y0 >= y1:
        return
    yy, xx = np.mgrid[y0:y1, x0:x1]
    g = np.exp(-((xx - int(cx)) ** 2 + (yy - int(cy)) ** 2) / (2 * sigma**2))
    heat[y0:y1, x0:x1] = np.maximum(heat[y0:y1, x0:x1], g)


def build_targets(sample: Sample) -> dict[str, np.ndarray]:
    """Dense and per-object targets for one sample (input HxW, maps h = H/8, w = W/8).

    Returns:
        heat [1,h,w] float32; ind [M] int64 flat centre-cell index; size [M,2] log(w/8), log(h/8);
        offset [M,2] in cells; valid [M] bool; ids [M] int64 (-1 unknown); mask [M,h,w] float32 with
        mask_valid [M] bool. M = `MAX_OBJECTS` (padded).
    """
    H, W = sample.image.shape[:2]
    h, w = H // STRIDE, W // STRIDE
    out = _empty_targets(h, w)
    boxes = sample.xyxy[:MAX_OBJECTS] / STRIDE
    for i, (x1, y1, x2, y2) in enumerate(boxes):
        bw, bh = x2 - x1, y2 - y1
        cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
        if bw < 0.5 or bh < 0.5 or not (0 <= cx < w and 0 <= cy < h):
            continue
        _draw_gaussian(out["heat"][0], cx, cy, gaussian_radius(bw, bh))
        out["ind"][i] = int(cy) * w + int(cx)
        out["size"][i] = np.log([bw, bh])
        out["offset"][i] = [cx - int(cx), cy - int(cy)]
        out["valid"][i] = True
        if sample.ids is not None:
            out["ids"][i] = sample.ids[i]
        if sample.masks is not None:
            out["mask"][i] = _downsample_mask(sample.masks[i], h, w)
            out["mask_valid"][i] = True
    return out


def _empty_targets(h: int, w: int) -> dict[str, np.ndarray]:
    m = MAX_OBJECTS
    return {"heat": np.zeros((1, h, w), np.float32), "ind": np.zeros(m, np.int64),
            "size": np.zeros((m, 2), np.float32), "offset": np.zeros((m, 2), np.float32),
            "valid": np.zeros(m, bool), "ids": np.full(m, -1, np.int64),
            "mask": np.zeros((m, h, w), np.float32), "mask_valid": np.zeros(m, bool)}


def _downsample_mask(mask: np.ndarray, h: int, w: int) -> np.ndarray:
    """HxW bool -> hxw float32 coverage fraction per cell."""
    cropped = mask[: h * STRIDE, : w * STRIDE].astype(np.float32)
    return cropped.reshape(h, STRIDE, w, STRIDE).mean(axis=(1, 3))


def random_crop_resize(
    sample: Sample, rng: np.random.Generator, *, out_hw: tuple[int, int], scale: float,
    jitter: float = 0.25, flip: bool = True, min_visible: float = 0.5,
) -> Sample:
    """Resize by ``scale`` x U(1-jitter, 1+jitter), take a random ``out_hw`` crop (zero padded), maybe flip.

    Boxes are clipped to the crop; a box keeping less than ``min_visible`` of its area is dropped (its pixels
    stay in the crop, unlabelled: a low ``min_visible`` keeps cut-off animals as positives, as the real
    photos label animals cut by the image border).
    """
    import cv2

    s = scale * rng.uniform(1 - jitter, 1 + jitter)
    img = cv2.resize(sample.image, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
    oh, ow = out_hw
    y0 = int(rng.integers(0, max(img.shape[0] - oh, 0) + 1))
    x0 = int(rng.integers(0, max(img.shape[1] - ow, 0) + 1))
    canvas = np.zeros((oh, ow, 3), np.uint8)
    crop = img[y0 : y0 + oh, x0 : x0 + ow]
    canvas[: crop.shape[0], : crop.shape[1]] = crop
    boxes = sample.xyxy * s - [x0, y0, x0, y0]
    clipped = np.clip(boxes, 0, [ow, oh, ow, oh])
    keep = _area(clipped) >= min_visible * np.maximum(_area(boxes), 1e-6)
    masks = None if sample.masks is None else _crop_masks(sample.masks[keep], s, x0, y0, out_hw)
    ids = None if sample.ids is None else sample.ids[keep]
    out = Sample(canvas, clipped[keep].astype(np.float32), masks, ids)
    return hflip(out) if flip and rng.random() < 0.5 else out


def _area(b: np.ndarray) -> np.ndarray:
    return np.clip(b[:, 2] - b[:, 0], 0, None) * np.clip(b[:, 3] - b[:, 1], 0, None)


def _crop_masks(masks: np.ndarray, s: float, x0: int, y0: int, out_hw: tuple[int, int]) -> np.ndarray:
    """Scale NxHxW bool masks by ``s`` and crop like the image."""
    import cv2

    oh, ow = out_hw
    out = np.zeros((len(masks), oh, ow), bool)
    for i, m in enumerate(masks):
        big = cv2.resize(m.astype(np.uint8), None, fx=s, fy=s, interpolation=cv2.INTER_NEAREST)
        crop = big[y0 : y0 + oh, x0 : x0 + ow]
        out[i, : crop.shape[0], : crop.shape[1]] = crop > 0
    return out


def hflip(sample: Sample) -> Sample:
    """Mirror image, boxes and masks left-right."""
    w = sample.image.shape[1]
    boxes = sample.xyxy.copy()
    boxes[:, [0, 2]] = w - sample.xyxy[:, [2, 0]]
    masks = None if sample.masks is None else sample.masks[:, :, ::-1].copy()
    return Sample(np.ascontiguousarray(sample.image[:, ::-1]), boxes, masks, sample.ids)
