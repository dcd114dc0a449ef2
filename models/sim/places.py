"""Where things happen in a pen (metres): feeder places, the drinker, the toy, the lying area."""

from __future__ import annotations

import math

import numpy as np

FEEDER_PLACE_M = 0.38
"""Trough length per eating pig, metres."""


class Places:
    """Geometry of a pen for the motion model.

    Args:
        size_m: (width, height) of the pen interior, metres.
        zones_m: zone name -> Kx2 polygon in metres (axis-aligned rectangles; see `scenario.pen_zones`).
    """

    def __init__(self, size_m: tuple[float, float], zones_m: dict[str, np.ndarray]) -> None:
        self.size = np.asarray(size_m, dtype=np.float64)
        self.boxes = {name: (poly.min(axis=0), poly.max(axis=0)) for name, poly in zones_m.items()}
        lo, hi = self.boxes["feeder"]
        n_places = max(1, int((hi[0] - lo[0]) // FEEDER_PLACE_M))
        self.feeder_x = lo[0] + (np.arange(n_places) + 0.5) * (hi[0] - lo[0]) / n_places
        self.feeder_front_y = float(hi[1])

    def clamp(self, point: np.ndarray, *, margin: float) -> np.ndarray:
        """``point`` moved inside the pen, at least ``margin`` metres from the walls and out of the trough
        (0.8 ``margin`` in front of it)."""
        out = np.clip(point, margin, self.size - margin)
        lo, hi = self.boxes["feeder"]
        if lo[0] - margin < out[0] < hi[0] + margin and out[1] < self.feeder_front_y + 0.8 * margin:
            out[1] = self.feeder_front_y + 0.8 * margin
        return out

    def random_point(self, rng: np.random.Generator, *, margin: float) -> np.ndarray:
        """Uniform point in the pen, ``margin`` metres from the walls and out of the trough (2 float64, m)."""
        return self.clamp(rng.uniform(margin, self.size - margin), margin=margin)

    def random_lying_point(self, rng: np.random.Generator, *, margin: float) -> np.ndarray:
        """Uniform point in the lying area, ``margin`` metres inside it."""
        lo, hi = self.boxes["lying"]
        return rng.uniform(lo + margin, np.maximum(hi - margin, lo + margin + 1e-3))

    def in_lying_area(self, point: np.ndarray, *, margin: float) -> bool:
        """Whether ``point`` is inside the lying area, at least ``margin`` from its edges."""
        lo, hi = self.boxes["lying"]
        return bool(np.all(point >= lo + margin) and np.all(point <= hi - margin))

    def free_feeder_spot(
        self, rng: np.random.Generator, others: list[np.ndarray], length: float
    ) -> tuple[np.ndarray, float] | None:
        """A trough place nobody occupies: (centre, heading facing the trough), or None if all are taken."""
        spots = np.stack([self.feeder_x, np.full_like(self.feeder_x, self.feeder_front_y + 0.45 * length)], 1)
        free = [s for s in spots if all(np.linalg.norm(s - o) > 0.8 * FEEDER_PLACE_M for o in others)]
        if not free:
            return None
        return free[int(rng.integers(len(free)))].copy(), -math.pi / 2

    def free_drinker_spot(self, others: list[np.ndarray], length: float) -> tuple[np.ndarray, float] | None:
        """The place in front of the drinker (facing the right-hand wall), or None if taken."""
        lo, hi = self.boxes["drinker"]
        spot = np.array([self.size[0] - 0.48 * length, 0.5 * (lo[1] + hi[1])])
        if any(np.linalg.norm(spot - o) < 0.3 for o in others):
            return None
        return spot, 0.0

    def toy_spot(self, rng: np.random.Generator, length: float) -> tuple[np.ndarray, float]:
        """A place around the toy, facing it."""
        centre = self.toy_centre
        angle = float(rng.uniform(-math.pi, 0.0))
        spot = self.clamp(
            centre + 0.5 * length * np.array([math.cos(angle), math.sin(angle)]), margin=0.3 * length
        )
        delta = centre - spot
        return spot, math.atan2(delta[1], delta[0])

    @property
    def toy_centre(self) -> np.ndarray:
        """Centre of the toy, metres."""
        lo, hi = self.boxes["toy"]
        return 0.5 * (lo + hi)
