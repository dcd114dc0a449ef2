"""Individual pig looks: skin tone, dirt, spots, spray marks, ears. Stable per pig, sampled from a seed.

Positions of marks are in *body units*: s along the spine (-0.5 = tail base, +0.5 = snout, in body lengths),
t across it (-0.5..0.5 of the body's width, positive = the pig's left side).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

SKIN_TONES: tuple[tuple[int, int, int], ...] = (
    (236, 196, 180),  # pale pink (Large White / Landrace)
    (226, 178, 160),  # pink
    (240, 214, 196),  # whitish
    (214, 160, 138),  # rosy
    (186, 122, 92),  # reddish brown (Duroc cross)
    (236, 206, 186),  # cream
)
"""RGB base skin tones."""

SPRAY_COLOURS: tuple[tuple[int, int, int], ...] = (
    (40, 90, 200),
    (30, 150, 70),
    (200, 40, 60),
    (120, 50, 160),
)
"""RGB colours of marking spray (blue, green, red, purple)."""


@dataclass(frozen=True)
class Mark:
    """A patch on the skin: a spot, a dirt blotch or a spray mark.

    Attributes:
        kind: ``"spot"``, ``"dirt"`` or ``"spray"``.
        s, t: centre in body units (see module docstring).
        radius: radius in body lengths.
        rgb: colour, 0-255.
        alpha: opacity 0-1.
        shape: ``"blob"``, ``"stripe"`` or ``"cross"`` (spray marks).
    """

    kind: str
    s: float
    t: float
    radius: float
    rgb: tuple[int, int, int]
    alpha: float
    shape: str = "blob"


@dataclass(frozen=True)
class Appearance:
    """A pig's look, stable across days.

    Attributes:
        skin_rgb: base skin colour.
        marks: spots, dirt blotches and spray marks.
        floppy_ears: ears hang forward (True) or stand up.
        width_ratio: body width / body length (about 0.28-0.34).
        lookalike_group: pigs with the same non-negative group share one plain look.
    """

    skin_rgb: tuple[int, int, int]
    marks: tuple[Mark, ...]
    floppy_ears: bool
    width_ratio: float
    lookalike_group: int = -1

    def summary(self) -> dict:
        """JSON-ready summary for manifests."""
        kinds = [m.kind for m in self.marks]
        return {
            "skin_rgb": list(self.skin_rgb),
            "spots": kinds.count("spot"),
            "dirt_blotches": kinds.count("dirt"),
            "spray_marks": [{"rgb": list(m.rgb), "shape": m.shape} for m in self.marks if m.kind == "spray"],
            "floppy_ears": self.floppy_ears,
            "width_ratio": round(self.width_ratio, 3),
            "lookalike_group": self.lookalike_group,
        }

    def to_dict(self) -> dict:
        """Full JSON-ready dict."""
        return asdict(self)


def _jitter_rgb(rgb: tuple[int, int, int], rng: np.random.Generator, scale: float) -> tuple[int, int, int]:
    """``rgb`` with a shared brightness change (sd ``scale``) and a small per-channel one (sd scale / 3),
    so skin tones stay pink rather than drifting to yellow or green."""
    shift = rng.normal(0.0, scale) + rng.normal(0.0, scale / 3.0, 3)
    out = np.clip(np.asarray(rgb, float) + shift, 0, 255)
    return (int(out[0]), int(out[1]), int(out[2]))


def _dirt_marks(rng: np.random.Generator, level: float) -> list[Mark]:
    """Brownish blotches, more on the rear half and flanks; ``level`` 0-1 sets how many."""
    n = int(rng.poisson(1.0 + 7.0 * level))
    return [
        Mark(
            "dirt",
            float(rng.uniform(-0.5, 0.25)),
            float(rng.uniform(-0.5, 0.5)),
            float(rng.uniform(0.03, 0.09)),
            _jitter_rgb((120, 95, 70), rng, 15.0),
            float(rng.uniform(0.25, 0.6)),
        )
        for _ in range(n)
    ]


def _spot_marks(rng: np.random.Generator) -> list[Mark]:
    """Dark pigment spots (Pietrain-like crosses)."""
    n = int(rng.integers(2, 6))
    return [
        Mark(
            "spot",
            float(rng.uniform(-0.45, 0.35)),
            float(rng.uniform(-0.45, 0.45)),
            float(rng.uniform(0.04, 0.1)),
            _jitter_rgb((55, 38, 36), rng, 8.0),
            float(rng.uniform(0.7, 0.95)),
        )
        for _ in range(n)
    ]


def _spray_mark(rng: np.random.Generator) -> Mark:
    colour = SPRAY_COLOURS[int(rng.integers(len(SPRAY_COLOURS)))]
    shape = str(rng.choice(["blob", "stripe", "cross"]))
    return Mark(
        "spray",
        float(rng.uniform(-0.3, 0.2)),
        float(rng.uniform(-0.15, 0.15)),
        float(rng.uniform(0.05, 0.09)),
        colour,
        float(rng.uniform(0.6, 0.85)),
        shape,
    )


def sample_appearance(rng: np.random.Generator) -> Appearance:
    """One individual look: tone, some dirt, sometimes spots, sometimes a spray mark."""
    tone = SKIN_TONES[int(rng.integers(len(SKIN_TONES)))]
    marks = _dirt_marks(rng, float(rng.beta(1.5, 3.0)))
    if rng.random() < 0.3:
        marks += _spot_marks(rng)
    if rng.random() < 0.35:
        marks.append(_spray_mark(rng))
    return Appearance(
        _jitter_rgb(tone, rng, 8.0), tuple(marks), bool(rng.random() < 0.7), float(rng.uniform(0.28, 0.34))
    )


def sample_lookalike(rng: np.random.Generator, base_rgb: tuple[int, int, int], group: int) -> Appearance:
    """A plain look close to ``base_rgb``: faint dirt, no spots or spray; pigs of one group look alike."""
    marks = _dirt_marks(rng, 0.05)
    return Appearance(
        _jitter_rgb(base_rgb, rng, 3.0), tuple(marks), True, float(rng.uniform(0.30, 0.32)), group
    )


def sample_appearances(n: int, *, lookalike_fraction: float, rng: np.random.Generator) -> list[Appearance]:
    """``n`` looks, of which round(n * lookalike_fraction) (at least 2 if any) share one plain tone."""
    n_alike = int(round(n * lookalike_fraction))
    n_alike = 0 if n_alike < 2 else min(n_alike, n)
    base = SKIN_TONES[int(rng.integers(3))]
    looks = [sample_lookalike(rng, base, 0) for _ in range(n_alike)]
    looks += [sample_appearance(rng) for _ in range(n - n_alike)]
    order = rng.permutation(n)
    return [looks[i] for i in order]
