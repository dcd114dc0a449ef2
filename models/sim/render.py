"""Render simulated pen video in memory, frame by frame, with exact ground truth.

`generate` is the entry point for training code: it yields `SimFrame`s (image + ids, boxes, visible masks,
behaviours) without touching the disk. Rendering is OpenCV/numpy on precomputed textures: one background per
clip, one canonical texture per pig and posture, warped per frame.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np

from models.sim.appearance import Appearance
from models.sim.body import POSTURE_NAMES, cached_body_rgba, texture_for_size, warp_body
from models.sim.motion import PenSimulation, PenSnapshot
from models.sim.pen import PenView, is_night, lighting_lut, render_background
from models.sim.places import Places
from models.sim.scenario import Scenario

SHADOW_OFFSET: dict[str, float] = {"stand": 0.06, "sit": 0.05, "sternal": 0.03, "lateral": 0.015}
"""Drop-shadow offset per posture, body lengths: standing pigs cast longer shadows than lying ones."""

VISIBLE_MIN_FRACTION = 0.2
"""A pig is flagged visible when at least this share of its silhouette is unoccluded."""


@dataclass(frozen=True)
class SimFrame:
    """One rendered frame with its ground truth for the N pigs of the scenario (all pigs, always in order).

    Attributes:
        index: 0-based frame number within the clip.
        t_seconds: seconds from the start of the clip (``index / fps``).
        image: HxWx3 uint8 RGB.
        ids: N int64 stable pig ids (`Pig.pig_id`).
        xyxy: Nx4 float32 boxes (x1, y1, x2, y2) in pixels of the visible extent (full extent if hidden).
        masks: NxHxW bool visible pixels of each pig after occlusion.
        visible: N bool, at least `VISIBLE_MIN_FRACTION` of the pig unoccluded.
        behaviours: N behaviour labels (`models.pipeline.types.BEHAVIOURS`).
        centres: Nx2 float32 body centres (x, y) in pixels.
        day: calendar day of the clip.
        clock_s: seconds after midnight of ``day`` at this frame.
    """

    index: int
    t_seconds: float
    image: np.ndarray
    ids: np.ndarray
    xyxy: np.ndarray
    masks: np.ndarray
    visible: np.ndarray
    behaviours: list[str]
    centres: np.ndarray
    day: int
    clock_s: float


def pen_simulation(scenario: Scenario, *, day: int, start_s: float, fps: float) -> PenSimulation:
    """The motion model of ``scenario`` on ``day`` from ``start_s`` seconds after midnight."""
    n = len(scenario.pigs)
    return PenSimulation(
        Places(scenario.pen_size_m, scenario.zones_m),
        lengths_m=np.array([scenario.body_length_m(i, day) for i in range(n)]),
        lame=np.array([scenario.condition_severity(i, day, "lame") for i in range(n)]),
        sick=np.array([scenario.condition_severity(i, day, "sick") for i in range(n)]),
        seed=scenario.config.seed,
        day=day,
        start_s=start_s,
        fps=fps,
    )


class PenRenderer:
    """Draws `PenSnapshot`s of one scenario on one day at one frame size.

    Args:
        scenario: the scenario.
        day: calendar day (sets body sizes).
        width, height: frame size, pixels.
        seed: noise seed.
    """

    def __init__(self, scenario: Scenario, *, day: int, width: int, height: int, seed: int) -> None:
        self.view = PenView.fit(scenario.pen_size_m, width=width, height=height)
        self.background = render_background(
            self.view, scenario.pen_size_m, scenario.zones_m, seed=scenario.config.seed
        )
        self.lengths_px = (
            np.array([scenario.body_length_m(i, day) for i in range(len(scenario.pigs))]) * self.view.scale
        )
        self.textures = [
            self._pig_textures(pig.appearance, pig.pig_id, float(length))
            for pig, length in zip(scenario.pigs, self.lengths_px, strict=True)
        ]
        self.rng = np.random.default_rng([seed, day, 99])
        self.day_gain = float(self.rng.uniform(0.85, 1.1))
        self.noise = [self._noise_pair(3.0) for _ in range(3)]
        self._light_key: tuple[int, bool] | None = None
        self._lit_background = self.background
        self._lit_textures = self.textures

    @staticmethod
    def _pig_textures(
        appearance: Appearance, pig_id: int, length_px: float
    ) -> dict[tuple[str, float], np.ndarray]:
        """Canonical RGBA textures of one pig keyed by (posture, lying side), sized for ``length_px``."""
        out = {}
        for posture in POSTURE_NAMES:
            for side in (-1.0, 1.0) if posture == "lateral" else (1.0,):
                rgba = cached_body_rgba(posture, appearance, side, pig_id)
                out[(posture, side)] = texture_for_size(rgba, length_px)
        return out

    def _relight(self, hour: float) -> None:
        """Re-light background and textures when the clock moves on by 0.02 h (72 s) or lights switch."""
        key = (int(hour / 0.02), is_night(hour))
        if key == self._light_key:
            return
        self._light_key = key
        lut = lighting_lut(hour, day_gain=self.day_gain)
        self._lit_background = _light(self.background, lut, grey=key[1])
        self._lit_textures = [
            {k: np.dstack([_light(t[..., :3], lut, grey=key[1]), t[..., 3]]) for k, t in pig.items()}
            for pig in self.textures
        ]

    def _noise_pair(self, sigma: float) -> tuple[np.ndarray, np.ndarray]:
        """Zero-mean sensor noise as (positive part, negative part), HxWx3 uint8 each."""
        noise = self.rng.normal(0.0, sigma, (self.view.height, self.view.width, 3)).astype(np.float32)
        return np.clip(noise, 0, 255).astype(np.uint8), np.clip(-noise, 0, 255).astype(np.uint8)

    def draw_order(self, snap: PenSnapshot) -> np.ndarray:
        """Indices of pigs from bottom-most to top-most: lying, then sitting, then standing; by y within."""
        layer = np.where(
            snap.postures == POSTURE_NAMES.index("stand"),
            2,
            np.where(snap.postures == POSTURE_NAMES.index("sit"), 1, 0),
        )
        return np.lexsort((snap.positions[:, 1], layer))

    def render(
        self, snap: PenSnapshot, *, hour: float, fps: float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Draw one frame.

        Returns:
            (image HxWx3 uint8 RGB, masks NxHxW bool visible pixels, xyxy Nx4 float32, visible N bool).
        """
        self._relight(hour)
        frame = self._lit_background.copy()
        h, w = frame.shape[:2]
        n = len(self.lengths_px)
        owner = np.full((h, w), -1, np.int16)
        full: list[tuple[tuple[int, int, int, int], np.ndarray] | None] = [None] * n
        centres = self.view.to_px(snap.positions)
        for i in self.draw_order(snap):
            full[i] = self._draw_pig(frame, owner, int(i), snap, centres[i], fps)
        return self._finish(frame), *self._ground_truth(owner, full)

    def _draw_pig(
        self, frame: np.ndarray, owner: np.ndarray, i: int, snap: PenSnapshot, centre: np.ndarray, fps: float
    ) -> tuple[tuple[int, int, int, int], np.ndarray] | None:
        """Warp pig ``i`` into the frame with its shadow; returns (crop, crop-sized silhouette) or None."""
        length = float(self.lengths_px[i])
        c, s = abs(math.cos(snap.headings[i])), abs(math.sin(snap.headings[i]))
        half_x = int(math.ceil((0.58 * c + 0.42 * s) * length)) + 2
        half_y = int(math.ceil((0.58 * s + 0.42 * c) * length)) + 2
        x0, y0 = max(0, int(centre[0]) - half_x), max(0, int(centre[1]) - half_y)
        x1, y1 = min(frame.shape[1], int(centre[0]) + half_x), min(frame.shape[0], int(centre[1]) + half_y)
        if x1 <= x0 or y1 <= y0:
            return None
        posture = POSTURE_NAMES[int(snap.postures[i])]
        side = float(snap.lying_sides[i]) if posture == "lateral" else 1.0
        rgba = warp_body(
            self._lit_textures[i][(posture, side)],
            centre_px=(float(centre[0]), float(centre[1])),
            heading=float(snap.headings[i]),
            length_px=length,
            bend=float(snap.bends[i]),
            crop=(x0, y0, x1, y1),
        )
        speed_px = float(snap.speeds[i]) * self.view.scale / fps
        if speed_px > 3.0:
            rgba = _motion_blur(rgba, speed_px * 0.5, float(snap.headings[i]))
        alpha = rgba[..., 3].astype(np.float32) * np.float32(1.0 / 255.0)
        region = frame[y0:y1, x0:x1]
        shade = 0.35 * _shifted(alpha, max(1, int(SHADOW_OFFSET[posture] * length)))
        shaded = cv2.blendLinear(np.ascontiguousarray(region), np.zeros_like(region), 1.0 - shade, shade)
        region[:] = cv2.blendLinear(np.ascontiguousarray(rgba[..., :3]), shaded, alpha, 1.0 - alpha)
        silhouette = rgba[..., 3] > 127
        owner[y0:y1, x0:x1][silhouette] = i
        return (x0, y0, x1, y1), silhouette

    def _ground_truth(self, owner: np.ndarray, full: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n = len(full)
        masks = np.zeros((n, *owner.shape), bool)
        xyxy = np.zeros((n, 4), np.float32)
        visible = np.zeros(n, bool)
        for i, item in enumerate(full):
            if item is None:
                continue
            (x0, y0, x1, y1), silhouette = item
            seen = silhouette & (owner[y0:y1, x0:x1] == i)
            masks[i, y0:y1, x0:x1] = seen
            area, seen_area = int(silhouette.sum()), int(seen.sum())
            visible[i] = seen_area > 0 and seen_area >= VISIBLE_MIN_FRACTION * area
            xyxy[i] = _box(seen if seen_area else silhouette, x0, y0)
        return masks, xyxy, visible

    def _finish(self, frame: np.ndarray) -> np.ndarray:
        """Sensor noise (lighting is already in the background and textures)."""
        pos, neg = self.noise[int(self.rng.integers(len(self.noise)))]
        return cv2.subtract(cv2.add(frame, pos), neg)


def _light(rgb: np.ndarray, lut: np.ndarray, *, grey: bool) -> np.ndarray:
    """Apply a lighting lookup table (256x1x3) to an HxWx3 uint8 image, grey first at night."""
    rgb = np.ascontiguousarray(rgb)
    if grey:
        rgb = cv2.cvtColor(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)
    return cv2.LUT(rgb, lut)


def _box(mask: np.ndarray, x0: int, y0: int) -> np.ndarray:
    """Tight (x1, y1, x2, y2) box of a crop mask, in frame pixels (x2/y2 exclusive)."""
    cols, rows = np.flatnonzero(mask.any(axis=0)), np.flatnonzero(mask.any(axis=1))
    if len(cols) == 0:
        return np.zeros(4, np.float32)
    return np.array([x0 + cols[0], y0 + rows[0], x0 + cols[-1] + 1, y0 + rows[-1] + 1], np.float32)


def _shifted(alpha: np.ndarray, offset: int) -> np.ndarray:
    """``alpha`` moved down-right by ``offset`` pixels (for the drop shadow), same shape."""
    out = np.zeros_like(alpha)
    if offset < alpha.shape[0] and offset < alpha.shape[1]:
        out[offset:, offset:] = alpha[:-offset, :-offset]
    return out


def _motion_blur(rgba: np.ndarray, length_px: float, heading: float) -> np.ndarray:
    """Blur along the direction of motion over ``length_px`` pixels."""
    k = int(min(max(3, round(length_px)), 31)) | 1
    kernel = np.zeros((k, k), np.float32)
    c = k // 2
    dx, dy = math.cos(heading) * c, math.sin(heading) * c
    cv2.line(
        kernel, (int(round(c - dx)), int(round(c - dy))), (int(round(c + dx)), int(round(c + dy))), 1.0, 1
    )
    return cv2.filter2D(rgba, -1, kernel / max(float(kernel.sum()), 1e-6))


def generate(
    scenario: Scenario,
    *,
    day: int,
    start_s: float,
    duration_s: float,
    width: int | None = None,
    height: int | None = None,
    fps: float | None = None,
) -> Iterator[SimFrame]:
    """Render a clip in memory.

    Args:
        scenario: the scenario.
        day: calendar day (one of ``scenario.days``).
        start_s: clip start in seconds after midnight of ``day`` (sets lighting and activity rhythm).
        duration_s: clip length, seconds; the clip has round(duration_s * fps) frames.
        width, height, fps: frame size and rate (default: the scenario config's).

    Yields:
        `SimFrame` per frame.
    """
    cfg = scenario.config
    width, height, fps = width or cfg.width, height or cfg.height, fps or cfg.fps
    sim = pen_simulation(scenario, day=day, start_s=start_s, fps=fps)
    renderer = PenRenderer(scenario, day=day, width=width, height=height, seed=cfg.seed)
    ids = np.array([pig.pig_id for pig in scenario.pigs], np.int64)
    for index in range(int(round(duration_s * fps))):
        snap = sim.snapshot() if index == 0 else sim.step()
        clock = start_s + index / fps
        image, masks, xyxy, visible = renderer.render(snap, hour=clock / 3600.0, fps=fps)
        yield SimFrame(
            index=index,
            t_seconds=index / fps,
            image=image,
            ids=ids,
            xyxy=xyxy,
            masks=masks,
            visible=visible,
            behaviours=list(snap.behaviours),
            centres=renderer.view.to_px(snap.positions).astype(np.float32),
            day=day,
            clock_s=clock,
        )
