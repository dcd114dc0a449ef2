"""Pig bodies seen from above: per-pig, per-posture textures in a canonical body frame, warped into a frame.

Canonical frame: a square texture of `TEX` x `TEX` pixels covering s, t in [-EXTENT, EXTENT] body lengths,
s along the spine (columns, +s = snout, to the right), t across it (rows, +t = down = the pig's right side
when it faces right). `warp_body` bends the spine along a circular arc and rotates/scales it into the image.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from models.sim.appearance import Appearance, Mark

TEX = 224
"""Canonical texture size, pixels."""
EXTENT = 0.75
"""Half-size of the canonical texture, body lengths."""
POSTURE_NAMES: tuple[str, ...] = ("stand", "sternal", "lateral", "sit")


@dataclass(frozen=True)
class BodyTexture:
    """One posture of one pig in the canonical frame.

    Attributes:
        rgba: TEX x TEX x 4 uint8 (RGB, then alpha = silhouette, soft edge).
    """

    rgba: np.ndarray


def _px(s: float, t: float) -> tuple[int, int]:
    """Body units (body lengths) -> canonical pixel (x=col, y=row) with 4 bits of sub-pixel precision."""
    k = TEX / (2 * EXTENT) * 16
    return int(round((s + EXTENT) * k)), int(round((t + EXTENT) * k))


def _axes(a: float, b: float) -> tuple[int, int]:
    k = TEX / (2 * EXTENT) * 16
    return max(1, int(round(a * k))), max(1, int(round(b * k)))


def _ellipse(
    img: np.ndarray, s: float, t: float, a: float, b: float, value: float, angle: float = 0.0
) -> None:
    cv2.ellipse(img, _px(s, t), _axes(a, b), angle, 0, 360, value, -1, cv2.LINE_AA, 4)


def _silhouette_parts(posture: str, w: float, side: float) -> list[tuple[float, float, float, float, float]]:
    """Ellipses (s, t, semi-axis along s, semi-axis along t, angle deg) making up the trunk outline."""
    hw = w / 2
    if posture == "sit":
        return [
            (-0.13, 0.0, 0.2, hw * 1.15, 0.0),
            (0.06, 0.0, 0.17, hw * 0.98, 0.0),
            (0.2, 0.0, 0.1, hw * 0.8, 0.0),
            (0.27, 0.0, 0.07, hw * 0.66, 0.0),
        ]
    if posture == "lateral":
        lat = hw * 1.3
        return [
            (-0.08, side * 0.03, 0.36, lat, 0.0),
            (-0.3, side * 0.02, 0.17, lat * 0.95, 0.0),
            (0.16, side * 0.02, 0.16, lat * 0.88, 0.0),
            (0.28, 0.0, 0.08, hw * 0.75, 0.0),
        ]
    scale = 1.12 if posture == "sternal" else 1.0
    return [
        (-0.07, 0.0, 0.33, hw * scale, 0.0),
        (-0.27, 0.0, 0.2, hw * 0.97 * scale, 0.0),
        (0.12, 0.0, 0.19, hw * 0.95 * scale, 0.0),
        (0.27, 0.0, 0.08, hw * 0.72, 0.0),
    ]


def _head_polygon(posture: str, w: float) -> np.ndarray:
    """Head seen from above: a wedge from the neck to the snout. Kx2 int32 canonical px (4-bit shift)."""
    hw = w / 2
    back = 0.22 if posture == "sit" else 0.26
    front = back + 0.24
    pts = [
        (back, -hw * 0.66),
        (front - 0.05, -hw * 0.36),
        (front, -hw * 0.27),
        (front, hw * 0.27),
        (front - 0.05, hw * 0.36),
        (back, hw * 0.66),
    ]
    return np.array([_px(a, b) for a, b in pts], np.int32)


def _head(img: np.ndarray, posture: str, w: float, value: float) -> None:
    cv2.fillConvexPoly(img, _head_polygon(posture, w), value, cv2.LINE_AA, 4)
    front = (0.22 if posture == "sit" else 0.26) + 0.24
    _ellipse(img, front, 0.0, 0.018, w / 2 * 0.3, value)


def _legs(img: np.ndarray, w: float, side: float, value: float) -> None:
    """Four legs sticking out sideways (lateral lying), tapering towards the trotters."""
    base_t = side * w * 0.6
    width = TEX / (2 * EXTENT)
    for s, tilt in ((0.17, 0.05), (0.09, 0.015), (-0.3, -0.02), (-0.38, -0.06)):
        start, end = _px(s, base_t), _px(s + tilt, base_t + side * 0.13)
        cv2.line(img, start, end, value, max(1, int(width * 0.055)), cv2.LINE_AA, 4)


def _ear_points(w: float, floppy: bool, sign: float, head_back: float) -> np.ndarray:
    """One ear as a leaf-shaped polygon (floppy: lying forward over the eyes; pricked: up and out)."""
    hw = w / 2
    if floppy:
        pts = [
            (head_back + 0.02, sign * hw * 0.25),
            (head_back + 0.05, sign * hw * 0.8),
            (head_back + 0.15, sign * hw * 0.72),
            (head_back + 0.17, sign * hw * 0.45),
        ]
    else:
        pts = [
            (head_back + 0.03, sign * hw * 0.3),
            (head_back - 0.02, sign * hw * 0.95),
            (head_back + 0.08, sign * hw * 0.7),
        ]
    return np.array([_px(a, b) for a, b in pts], np.int32)


def _ears(img: np.ndarray, posture: str, w: float, floppy: bool, value: float) -> None:
    head_back = 0.22 if posture == "sit" else 0.26
    for sign in (-1.0, 1.0):
        cv2.fillConvexPoly(img, _ear_points(w, floppy, sign, head_back), value, cv2.LINE_AA, 4)


def _tail(img: np.ndarray, posture: str, value: float) -> None:
    s = -0.36 if posture == "sit" else -0.48
    cv2.ellipse(img, _px(s, 0.0), _axes(0.028, 0.028), 0, 0, 300, value, max(1, TEX // 90), cv2.LINE_AA, 4)


def _layers(posture: str, appearance: Appearance, side: float) -> dict[str, np.ndarray]:
    """Separate TEX x TEX uint8 masks of the trunk (with head), ears, legs and tail."""
    w = appearance.width_ratio
    layers = {name: np.zeros((TEX, TEX), np.uint8) for name in ("trunk", "ears", "legs", "tail")}
    for s, t, a, b, ang in _silhouette_parts(posture, w, side):
        _ellipse(layers["trunk"], s, t, a, b, 255, ang)
    _head(layers["trunk"], posture, w, 255)
    if posture == "lateral":
        _legs(layers["legs"], w, side, 255)
    _ears(layers["ears"], posture, w, appearance.floppy_ears, 255)
    _tail(layers["tail"], posture, 255)
    return layers


def silhouette(posture: str, appearance: Appearance, side: float = 1.0) -> np.ndarray:
    """TEX x TEX uint8 alpha of the body outline (255 inside, soft edge)."""
    layers = _layers(posture, appearance, side)
    return np.maximum.reduce([layers["trunk"], layers["ears"], layers["legs"], layers["tail"]])


def _shading(alpha: np.ndarray) -> np.ndarray:
    """Rounded-back shading in [0.6, 1.05]: bright along the spine, darker towards the outline."""
    inside = (alpha > 127).astype(np.uint8)
    dist = cv2.distanceTransform(inside, cv2.DIST_L2, 5)
    dist = cv2.GaussianBlur(dist, (0, 0), 2.0)
    peak = max(float(dist.max()), 1.0)
    return (0.6 + 0.45 * np.sqrt(np.clip(dist / peak, 0.0, 1.0))).astype(np.float32)


def _paint_mark(rgb: np.ndarray, mark: Mark, w: float) -> None:
    """Blend one mark into the float RGB canonical texture (in place)."""
    layer: np.ndarray = np.zeros(rgb.shape[:2], np.float32)
    s, t, r = mark.s, mark.t * w, mark.radius
    if mark.shape == "stripe":
        cv2.line(
            layer, _px(s - 1.5 * r, t), _px(s + 1.5 * r, t), 1.0, max(1, int(TEX * r / 3)), cv2.LINE_AA, 4
        )
    elif mark.shape == "cross":
        for dt in (-1.0, 1.0):
            cv2.line(
                layer,
                _px(s - r, t - dt * r),
                _px(s + r, t + dt * r),
                1.0,
                max(1, int(TEX * r / 4)),
                cv2.LINE_AA,
                4,
            )
    else:
        _ellipse(layer, s, t, r, r * 0.8, 1.0, 30.0)
    if mark.kind == "dirt":
        layer = cv2.GaussianBlur(layer, (0, 0), TEX * r / 4)
    a = layer[..., None] * mark.alpha
    rgb *= 1.0 - a
    rgb += a * np.asarray(mark.rgb, np.float32)


def _face(rgb: np.ndarray, posture: str, appearance: Appearance) -> None:
    """Snout disc and, for pricked ears, the eyes (in place)."""
    w = appearance.width_ratio
    front = (0.22 if posture == "sit" else 0.26) + 0.24
    snout = np.zeros((TEX, TEX), np.float32)
    _ellipse(snout, front, 0.0, 0.02, w / 2 * 0.3, 1.0)
    rgb[:] = rgb * (1.0 - 0.3 * snout[..., None]) + 0.3 * snout[..., None] * np.array(
        [170, 95, 100], np.float32
    )
    if not appearance.floppy_ears:
        for sign in (-1.0, 1.0):
            cv2.circle(
                rgb,
                _px(front - 0.1, sign * w / 2 * 0.45),
                16 * max(1, TEX // 140),
                (40, 30, 30),
                -1,
                cv2.LINE_AA,
                4,
            )


def _ear_shading(ears: np.ndarray) -> np.ndarray:
    """Ears slightly darker than the back, with a darker rim: float32 multiplier (1 outside the ears)."""
    inside = (ears > 127).astype(np.uint8)
    rim = inside - cv2.erode(inside, np.ones((3, 3), np.uint8))
    return 1.0 - 0.06 * (ears.astype(np.float32) / 255.0) - 0.1 * rim.astype(np.float32)


def body_texture(posture: str, appearance: Appearance, *, side: float = 1.0, seed: int = 0) -> BodyTexture:
    """Render one posture of one pig in the canonical frame: skin, bristle grain, marks, face, shading."""
    layers = _layers(posture, appearance, side)
    alpha = np.maximum.reduce([layers["trunk"], layers["ears"], layers["legs"], layers["tail"]])
    rgb = np.empty((TEX, TEX, 3), np.float32)
    rgb[:] = np.asarray(appearance.skin_rgb, np.float32)
    grain = np.random.default_rng(seed).normal(0.0, 6.0, (TEX, TEX)).astype(np.float32)
    rgb += cv2.GaussianBlur(grain, (0, 0), 1.0)[..., None]
    for mark in appearance.marks:
        _paint_mark(rgb, mark, appearance.width_ratio)
    _face(rgb, posture, appearance)
    shade = _shading(layers["trunk"])
    shade = np.where(layers["trunk"] > 127, shade, 0.82).astype(np.float32)
    shade *= _ear_shading(layers["ears"])
    rgb *= shade[..., None]
    out = np.dstack([np.clip(rgb, 0, 255).astype(np.uint8), alpha])
    return BodyTexture(rgba=out)


@lru_cache(maxsize=256)
def cached_body_rgba(posture: str, appearance: Appearance, side: float, seed: int) -> np.ndarray:
    """`body_texture(...).rgba`, memoised (read-only array) so repeated clips of a scenario start fast."""
    rgba = body_texture(posture, appearance, side=side, seed=seed).rgba
    rgba.setflags(write=False)
    return rgba


def warp_body(
    texture: np.ndarray,
    *,
    centre_px: tuple[float, float],
    heading: float,
    length_px: float,
    bend: float,
    crop: tuple[int, int, int, int],
) -> np.ndarray:
    """Warp a canonical texture into an image crop, bending the spine along a circular arc.

    Args:
        texture: the canonical body texture (any square size covering [-EXTENT, EXTENT] body lengths).
        centre_px: body centre (x, y) in image pixels.
        heading: body direction in radians (0 = +x, pi/2 = +y, i.e. down the image).
        length_px: body length in pixels.
        bend: spine curvature times body length (0 = straight; +-1 = strongly bent).
        crop: (x0, y0, x1, y1) image region to fill, pixels.

    Returns:
        (y1-y0) x (x1-x0) x 4 uint8 RGBA.
    """
    x0, y0, x1, y1 = crop
    if abs(bend) < STRAIGHT_BEND:
        return _warp_straight(texture, centre_px=centre_px, heading=heading, length_px=length_px, crop=crop)
    u = np.arange(x0, x1, dtype=np.float32) - np.float32(centre_px[0])
    v = np.arange(y0, y1, dtype=np.float32)[:, None] - np.float32(centre_px[1])
    c, s = np.float32(math.cos(heading) / length_px), np.float32(math.sin(heading) / length_px)
    along = u * c + v * s
    across = v * c - u * s
    if abs(bend) > 1e-6:
        sign, radius = np.float32(math.copysign(1.0, bend)), np.float32(1.0 / abs(bend))
        dy = radius - across * sign
        along, across = np.arctan2(along, dy) * radius, (radius - np.sqrt(along * along + dy * dy)) * sign
    size = texture.shape[0]
    k = np.float32(size / (2 * EXTENT))
    map_x = along * k + np.float32(size / 2 - 0.5)
    map_y = across * k + np.float32(size / 2 - 0.5)
    return cv2.remap(texture, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)


STRAIGHT_BEND = 0.03
"""Below this bend the body is warped with one affine map (much faster than the per-pixel arc map)."""


def _warp_straight(
    texture: np.ndarray,
    *,
    centre_px: tuple[float, float],
    heading: float,
    length_px: float,
    crop: tuple[int, int, int, int],
) -> np.ndarray:
    """`warp_body` without bending: rotation + scale + translation in one `cv2.warpAffine`."""
    x0, y0, x1, y1 = crop
    size = texture.shape[0]
    scale = length_px * 2 * EXTENT / size
    rot = scale * np.array(
        [[math.cos(heading), -math.sin(heading)], [math.sin(heading), math.cos(heading)]], np.float64
    )
    origin = np.array([centre_px[0] - x0, centre_px[1] - y0]) - rot @ np.full(2, size / 2 - 0.5)
    matrix = np.hstack([rot, origin[:, None]])
    return cv2.warpAffine(
        texture, matrix, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT
    )


def texture_for_size(rgba: np.ndarray, length_px: float) -> np.ndarray:
    """The canonical texture halved (Gaussian pyramid) while it stays at least ``length_px`` pixels per body
    length, so small pigs are drawn from a smoother, smaller texture (less aliasing, faster)."""
    while rgba.shape[0] / (2 * EXTENT) / 2 >= max(length_px, 1.0) and rgba.shape[0] >= 32:
        rgba = cv2.pyrDown(rgba)
    return rgba
