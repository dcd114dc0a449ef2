"""Per-frame silhouette shape of each animal from its instance mask (posture cues a box cannot give).

Seen from above, a pig lying on its side (lateral) is wider than one lying on its belly (sternal), with its
legs sticking out; a sitting pig is short and wide at the back; a standing one is long and narrow. Second
moments of the mask measure that whatever the animal's heading. Every number is a ratio (or a fraction of
the frame), so it does not depend on the camera's resolution. The same function runs on simulator masks in
training (`models.behaviour.dataset`) and on the tracker's masks in production (`models.pipeline.tracks`).
"""

from __future__ import annotations

import math

import cv2
import numpy as np

MASK_SHAPE_NAMES: tuple[str, ...] = (
    "mask_log_area", "mask_box_fill", "mask_elongation", "mask_ellipse_fill", "mask_solidity",
)  # fmt: skip
"""Per-frame mask-shape columns:

- ``mask_log_area``: log of the mask's pixel count as a fraction of the frame's area;
- ``mask_box_fill``: mask pixels / box area (0-1);
- ``mask_elongation``: log of the major over the minor axis length of the mask's second moments (>= 0);
- ``mask_ellipse_fill``: mask pixels / area of the ellipse with the same second moments (about 1 for an
  ellipse, lower when limbs stick out);
- ``mask_solidity``: area of the outer contour / area of its convex hull (0-1).
"""

MIN_BOX_FILL = 0.05
"""A mask covering less than this share of its box is treated as missing (NaN row)."""


def mask_shape(crop: np.ndarray, box_area_px: float, frame_area_px: float) -> np.ndarray:
    """The `MASK_SHAPE_NAMES` numbers of one mask.

    Args:
        crop: HxW bool mask, cropped to (at least) the animal's box.
        box_area_px: area of the animal's box, square pixels.
        frame_area_px: area of the whole frame, square pixels.

    Returns:
        5 float32; all NaN when the mask covers less than `MIN_BOX_FILL` of the box (no usable mask).
    """
    out = np.full(len(MASK_SHAPE_NAMES), np.nan, np.float32)
    pixels = np.ascontiguousarray(crop, dtype=np.uint8)
    area = float(pixels.sum())
    if area < 3 or area < MIN_BOX_FILL * max(box_area_px, 1.0):
        return out
    m = cv2.moments(pixels, binaryImage=True)
    cov = np.array([[m["mu20"], m["mu11"]], [m["mu11"], m["mu02"]]]) / m["m00"]
    small, large = np.maximum(np.linalg.eigvalsh(cov), 1.0 / 12.0)  # one pixel's own variance at least
    contours, _ = cv2.findContours(pixels, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    outline = max(contours, key=cv2.contourArea)
    hull_area = cv2.contourArea(cv2.convexHull(outline))
    out[0] = math.log(area / max(frame_area_px, 1.0))
    out[1] = min(area / max(box_area_px, 1.0), 1.0)
    out[2] = 0.5 * math.log(large / small)
    out[3] = area / (4.0 * math.pi * math.sqrt(large * small))
    out[4] = cv2.contourArea(outline) / hull_area if hull_area > 0 else 1.0
    return out


def mask_shapes(masks: np.ndarray | None, xyxy: np.ndarray) -> np.ndarray:
    """Mask shape of every detection of one frame.

    Args:
        masks: NxHxW bool instance masks at frame resolution (or None: no masks).
        xyxy: Nx4 float boxes (x1, y1, x2, y2), pixels of the same frame.

    Returns:
        Nx5 float32 (`MASK_SHAPE_NAMES`), NaN rows where there is no usable mask.
    """
    xyxy = np.asarray(xyxy, np.float32).reshape(-1, 4)
    out = np.full((len(xyxy), len(MASK_SHAPE_NAMES)), np.nan, np.float32)
    if masks is None or len(masks) != len(xyxy):
        return out
    height, width = masks.shape[1:]
    for i, (x1, y1, x2, y2) in enumerate(xyxy):
        c0, r0 = max(int(math.floor(x1)) - 1, 0), max(int(math.floor(y1)) - 1, 0)
        c1, r1 = min(int(math.ceil(x2)) + 1, width), min(int(math.ceil(y2)) + 1, height)
        if c1 <= c0 or r1 <= r0:
            continue
        box_area = max(float(x2 - x1), 1.0) * max(float(y2 - y1), 1.0)
        out[i] = mask_shape(masks[i, r0:r1, c0:c1], box_area, float(width * height))
    return out
