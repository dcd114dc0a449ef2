"""The pen as a picture: camera mapping (metres -> pixels), floor, slats, walls, feeder, drinker, toy, light.

The camera looks straight down; the pen interior (metres, origin top-left) maps to pixels by one scale and
offset (`PenView`), leaving room for the walls. Lighting over the day is a per-channel lookup table
(`lighting_lut`): daylight with warm mornings/evenings, and a grey infrared-like picture at night.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

WALL_M = 0.16
"""Wall thickness drawn around the pen, metres."""


@dataclass(frozen=True)
class PenView:
    """Mapping from pen metres to image pixels.

    Attributes:
        width, height: frame size, pixels.
        scale: pixels per metre.
        offset: (x, y) pixel position of the pen's inner top-left corner.
    """

    width: int
    height: int
    scale: float
    offset: tuple[float, float]

    @classmethod
    def fit(cls, pen_size_m: tuple[float, float], *, width: int, height: int) -> PenView:
        """Largest view showing the pen and its walls, centred in the frame."""
        span_w, span_h = pen_size_m[0] + 2 * WALL_M, pen_size_m[1] + 2 * WALL_M
        scale = min(width / span_w, height / span_h)
        off = ((width - pen_size_m[0] * scale) / 2, (height - pen_size_m[1] * scale) / 2)
        return cls(width, height, float(scale), (float(off[0]), float(off[1])))

    def to_px(self, points_m: np.ndarray) -> np.ndarray:
        """Kx2 metres -> Kx2 float64 pixels (x, y)."""
        return np.asarray(points_m, np.float64) * self.scale + np.asarray(self.offset)

    def normalised(self, points_m: np.ndarray) -> list[list[float]]:
        """Kx2 metres -> [[x, y], ...] in 0-1 image units (x / width, y / height)."""
        px = self.to_px(points_m) / np.array([self.width, self.height])
        return [[round(float(x), 5), round(float(y), 5)] for x, y in px]


FLOOR_TINTS: tuple[tuple[int, int, int], ...] = (
    (150, 144, 132),
    (138, 138, 136),
    (156, 140, 118),
    (128, 122, 112),
)
"""RGB floor colours a pen may get: grey-beige concrete, plain grey, sandy, dark worn concrete."""


def _noise_field(rng: np.random.Generator, shape: tuple[int, int], sigma: float) -> np.ndarray:
    """Smooth noise in about [-1, 1], float32."""
    field = cv2.GaussianBlur(rng.standard_normal(shape).astype(np.float32), (0, 0), sigma)
    return field / max(float(np.abs(field).max()), 1e-6)


def _rect_px(view: PenView, poly_m: np.ndarray) -> tuple[int, int, int, int]:
    px = view.to_px(poly_m)
    x0, y0 = px.min(axis=0)
    x1, y1 = px.max(axis=0)
    return int(round(x0)), int(round(y0)), int(round(x1)), int(round(y1))


def _floor(view: PenView, rng: np.random.Generator) -> np.ndarray:
    """Concrete floor: base colour, blotchy low-frequency tone, fine grain. HxWx3 float32."""
    h, w = view.height, view.width
    tint = FLOOR_TINTS[int(rng.integers(len(FLOOR_TINTS)))]
    base = np.array(tint, np.float32) * float(rng.uniform(0.85, 1.1))
    blotch = _noise_field(rng, (h, w), max(h, w) / 25)
    grain = rng.normal(0.0, 5.0, (h, w)).astype(np.float32)
    img = base * (1.0 + 0.12 * blotch[..., None]) + grain[..., None]
    return img


def _slats(img: np.ndarray, view: PenView, zone_m: np.ndarray, rng: np.random.Generator) -> None:
    """Slatted dunging area: slats with dark gaps and manure-brown staining (in place)."""
    x0, y0, x1, y1 = _rect_px(view, zone_m)
    region = img[y0:y1, x0:x1]
    region *= 0.88
    region += np.array([-4, -8, -14], np.float32)
    pitch = max(3, int(round(0.11 * view.scale)))
    gap = max(1, pitch // 5)
    for x in range(0, x1 - x0, pitch):
        region[:, x : x + gap] *= 0.35
    stain = np.clip(_noise_field(rng, region.shape[:2], max(4.0, view.scale * 0.15)), 0, 1)[..., None]
    region[:] = region * (1 - 0.5 * stain) + 0.5 * stain * np.array([95, 75, 50], np.float32)


def _walls(img: np.ndarray, view: PenView, size_m: tuple[float, float]) -> None:
    """Solid concrete walls top and left (inner face shaded), steel bar gates right and bottom (in place)."""
    s, (ox, oy) = view.scale, view.offset
    wall = int(round(WALL_M * s))
    x0, y0 = int(round(ox)), int(round(oy))
    x1, y1 = int(round(ox + size_m[0] * s)), int(round(oy + size_m[1] * s))
    outside = np.ones(img.shape[:2], bool)
    outside[y0:y1, x0:x1] = False
    img[outside] = img[outside] * 0.55
    cv2.rectangle(img, (x0 - wall, y0 - wall), (x1 + wall, y0), (178, 176, 170), -1)
    cv2.rectangle(img, (x0 - wall, y0 - wall), (x0, y1 + wall), (170, 168, 162), -1)
    face = max(2, wall // 3)
    img[y0 : y0 + face, x0:x1] *= 0.72
    img[y0:y1, x0 : x0 + face] *= 0.78
    bar = max(2, wall // 5)
    for y in (y1 + wall // 4, y1 + 3 * wall // 4):
        cv2.line(img, (x0, y), (x1 + wall, y), (120, 126, 132), bar, cv2.LINE_AA)
    for x in (x1 + wall // 4, x1 + 3 * wall // 4):
        cv2.line(img, (x, y0 - wall), (x, y1 + wall), (120, 126, 132), bar, cv2.LINE_AA)
    for x in range(x0, x1 + wall, max(4, int(0.5 * s))):
        cv2.line(img, (x, y1), (x, y1 + wall), (110, 116, 122), max(1, bar - 1), cv2.LINE_AA)


def _feeder(img: np.ndarray, view: PenView, zone_m: np.ndarray, rng: np.random.Generator) -> None:
    """Steel trough along the top wall with feed in it (in place)."""
    x0, y0, x1, y1 = _rect_px(view, zone_m)
    rim = max(2, int(0.04 * view.scale))
    cv2.rectangle(img, (x0, y0), (x1, y1), (188, 192, 196), -1)
    inner = img[y0 + rim : y1 - rim, x0 + rim : x1 - rim]
    feed = rng.normal(0.0, 14.0, inner.shape[:2]).astype(np.float32)
    inner[:] = np.array([176, 140, 90], np.float32) + feed[..., None]
    cv2.rectangle(img, (x0, y0), (x1, y1), (120, 124, 128), max(1, rim // 2))


def _drinker(img: np.ndarray, view: PenView, zone_m: np.ndarray) -> None:
    """Steel bowl drinker on the right wall with its pipe (in place)."""
    x0, y0, x1, y1 = _rect_px(view, zone_m)
    cx, cy = x1 - (x1 - x0) // 3, (y0 + y1) // 2
    r = max(3, int(0.09 * view.scale))
    cv2.line(img, (cx, cy), (x1 + int(WALL_M * view.scale), cy), (140, 145, 150), max(2, r // 3), cv2.LINE_AA)
    cv2.circle(img, (cx, cy), r, (200, 204, 208), -1, cv2.LINE_AA)
    cv2.circle(img, (cx, cy), max(2, int(r * 0.65)), (110, 130, 150), -1, cv2.LINE_AA)


def _toy(img: np.ndarray, view: PenView, centre_m: np.ndarray) -> None:
    """A chain hanging from the bottom gate with a red ball at its end (in place)."""
    cx, cy = (int(round(v)) for v in view.to_px(centre_m[None])[0])
    r = max(3, int(0.07 * view.scale))
    wall_y = int(round(view.offset[1] + (centre_m[1] + 0.5) * view.scale))
    for y in range(cy, wall_y, max(2, r // 2)):
        cv2.circle(img, (cx, y), max(1, r // 4), (90, 90, 95), -1, cv2.LINE_AA)
    cv2.circle(img, (cx, cy), r, (200, 50, 40), -1, cv2.LINE_AA)
    cv2.circle(img, (cx - r // 3, cy - r // 3), max(1, r // 3), (240, 120, 110), -1, cv2.LINE_AA)


def _straw(img: np.ndarray, view: PenView, zone_m: np.ndarray, rng: np.random.Generator) -> None:
    """Scattered straw stalks on the lying area (in place); amount varies by pen, sometimes none."""
    x0, y0, x1, y1 = _rect_px(view, zone_m)
    count = int(rng.choice([0, 0, 150, 400]) * (x1 - x0) * (y1 - y0) / 250_000)
    stalk = max(3.0, 0.12 * view.scale)
    for _ in range(count):
        cx, cy = rng.uniform(x0, x1), rng.uniform(y0, y1)
        angle = rng.uniform(0, math.pi)
        dx, dy = math.cos(angle) * stalk / 2, math.sin(angle) * stalk / 2
        colour = tuple(float(v) for v in np.array([200, 170, 90]) * rng.uniform(0.75, 1.05))
        cv2.line(img, (int(cx - dx), int(cy - dy)), (int(cx + dx), int(cy + dy)), colour, 1, cv2.LINE_AA)


def render_background(
    view: PenView, size_m: tuple[float, float], zones_m: dict[str, np.ndarray], *, seed: int
) -> np.ndarray:
    """The empty pen, unlit: HxWx3 uint8 RGB with a soft vignette."""
    rng = np.random.default_rng([seed, 31337])
    img = _floor(view, rng)
    _slats(img, view, zones_m["dunging"], rng)
    _straw(img, view, zones_m["lying"], rng)
    _walls(img, view, size_m)
    _feeder(img, view, zones_m["feeder"], rng)
    _drinker(img, view, zones_m["drinker"])
    lo, hi = zones_m["toy"].min(axis=0), zones_m["toy"].max(axis=0)
    _toy(img, view, 0.5 * (lo + hi))
    yy, xx = np.mgrid[0 : view.height, 0 : view.width].astype(np.float32)
    r2 = ((xx / view.width - 0.5) ** 2 + (yy / view.height - 0.5) ** 2) * 2.0
    img *= (1.0 - 0.28 * r2)[..., None]
    return np.clip(img, 0, 255).astype(np.uint8)


def is_night(hour: float) -> bool:
    """Lights off (infrared picture) between 20:30 and 06:00."""
    h = hour % 24.0
    return h >= 20.5 or h < 6.0


def lighting_lut(hour: float, *, day_gain: float = 1.0) -> np.ndarray:
    """Per-channel lookup table for clock ``hour``: 256x1x3 uint8 (daylight gain and warmth), daylight scaled
    by ``day_gain`` (dull or bright days)."""
    h = hour % 24.0
    levels = np.arange(256, dtype=np.float32)
    if is_night(h):
        gain = np.array([0.8, 0.8, 0.8], np.float32)
    else:
        daylight = math.sin(math.pi * (h - 6.0) / 14.5)
        warmth = 1.0 - daylight
        gain = (
            day_gain
            * (0.7 + 0.35 * daylight)
            * np.array([1.0 + 0.05 * warmth, 1.0, 1.0 - 0.06 * warmth], np.float32)
        )
    lut = np.clip(levels[:, None] * gain[None, :], 0, 255).astype(np.uint8)
    return lut.reshape(256, 1, 3)
