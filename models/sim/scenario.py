"""Scenario description for the procedural pen simulator: the pen, its pigs, their growth and health.

A `Scenario` is built deterministically from a `ScenarioConfig` (its seeds). It holds everything that does not
change within a day: pig identities and appearance, weights per day, health timeline and the pen's zones.
Coordinates of the pen are metres, origin at the top-left inner corner of the pen, x to the right, y down.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np

from models.sim.appearance import Appearance, sample_appearances

HEALTH_CONDITIONS: tuple[str, ...] = ("lame", "sick")
"""Health conditions the simulator models: ``lame`` (walks less, slower, uneven gait), ``sick`` (eats and
drinks less, lies more)."""


@dataclass(frozen=True)
class HealthEventSpec:
    """One health episode of one pig.

    Attributes:
        pig_index: 0-based index of the pig in the scenario.
        condition: one of `HEALTH_CONDITIONS`.
        onset_day: first (calendar) day the condition affects behaviour.
        severity: 0-1; scales the behavioural effect.
        recovery_day: first day without the condition, or None if it never recovers.
    """

    pig_index: int
    condition: str
    onset_day: int
    severity: float = 0.7
    recovery_day: int | None = None


@dataclass(frozen=True)
class ScenarioConfig:
    """Everything needed to rebuild a scenario. Deterministic: same config, same scenario and video.

    Attributes:
        name: a label, e.g. ``"train-03"``.
        seed: seed of behaviour, positions and rendering noise.
        appearance_seed: seed of the pigs' identities and looks (disjoint between scenario sets).
        n_pigs: number of pigs in the pen, 5-20.
        first_day: calendar day of the scenario's first day (days of different sets never overlap).
        n_days: number of days the scenario spans.
        pen_width_m, pen_height_m: inner pen size in metres (x across the image, y down it); 0 means
            "derived from n_pigs" (about 1.1 m^2 per pig, 16:9).
        width, height: default frame size in pixels.
        fps: default frames per second.
        lookalike_fraction: share of pigs drawn from one shared plain look (hard identities), 0-1.
        health_events: health episodes (pig index, condition, onset day...).
    """

    name: str = "default"
    seed: int = 0
    appearance_seed: int = 0
    n_pigs: int = 8
    first_day: int = 0
    n_days: int = 10
    pen_width_m: float = 0.0
    pen_height_m: float = 0.0
    width: int = 1280
    height: int = 720
    fps: float = 6.0
    lookalike_fraction: float = 0.25
    health_events: tuple[HealthEventSpec, ...] = ()

    def __post_init__(self) -> None:
        if not 5 <= self.n_pigs <= 20:
            raise ValueError(f"n_pigs must be 5-20, got {self.n_pigs}")
        if self.n_days < 1:
            raise ValueError(f"n_days must be >= 1, got {self.n_days}")
        if not 0.0 <= self.lookalike_fraction <= 1.0:
            raise ValueError(f"lookalike_fraction must be in [0, 1], got {self.lookalike_fraction}")
        for event in self.health_events:
            if event.condition not in HEALTH_CONDITIONS or not 0 <= event.pig_index < self.n_pigs:
                raise ValueError(f"bad health event {event}")

    def to_dict(self) -> dict:
        """Plain JSON-ready dict (health events as a list of dicts)."""
        out = asdict(self)
        out["health_events"] = [asdict(e) for e in self.health_events]
        return out

    @classmethod
    def from_dict(cls, data: dict) -> ScenarioConfig:
        """Inverse of `to_dict`."""
        events = tuple(HealthEventSpec(**e) for e in data.get("health_events", ()))
        return cls(**{**data, "health_events": events})


@dataclass(frozen=True)
class Pig:
    """One animal: stable identity, look and growth curve.

    Attributes:
        pig_id: stable id (1-based, unique within the scenario; also the MOT track id in ground truth).
        sex: ``"female"`` or ``"castrate"``.
        appearance: the pig's individual look.
        entry_weight_kg: weight on the scenario's first day, kg.
        adg_kg: average daily gain when healthy, kg/day.
    """

    pig_id: int
    sex: str
    appearance: Appearance
    entry_weight_kg: float
    adg_kg: float


@dataclass
class Scenario:
    """A pen with its pigs over `config.n_days` days. Build with `Scenario.from_config`.

    Attributes:
        config: the config it was built from.
        pigs: the animals, ordered by pig_id.
        pen_size_m: (width, height) of the pen interior in metres.
        zones_m: zone name -> Kx2 float polygon in pen metres (feeder, drinker, toy, lying, dunging).
    """

    config: ScenarioConfig
    pigs: list[Pig]
    pen_size_m: tuple[float, float]
    zones_m: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def from_config(cls, cfg: ScenarioConfig) -> Scenario:
        """Build the scenario deterministically from ``cfg``'s seeds."""
        rng = np.random.default_rng([cfg.appearance_seed, 7919])
        looks = sample_appearances(cfg.n_pigs, lookalike_fraction=cfg.lookalike_fraction, rng=rng)
        pigs = [
            Pig(
                pig_id=i + 1,
                sex=str(rng.choice(["female", "castrate"])),
                appearance=looks[i],
                entry_weight_kg=float(rng.uniform(28.0, 60.0)),
                adg_kg=float(rng.normal(0.85, 0.08)),
            )
            for i in range(cfg.n_pigs)
        ]
        size = pen_size_for(cfg)
        return cls(config=cfg, pigs=pigs, pen_size_m=size, zones_m=pen_zones(size))

    @property
    def days(self) -> range:
        """Calendar days the scenario spans."""
        return range(self.config.first_day, self.config.first_day + self.config.n_days)

    def condition_severity(self, pig_index: int, day: int, condition: str) -> float:
        """Severity 0-1 of ``condition`` for the pig on ``day`` (0 when healthy)."""
        for event in self.config.health_events:
            ends = event.recovery_day if event.recovery_day is not None else math.inf
            if (
                event.pig_index == pig_index
                and event.condition == condition
                and event.onset_day <= day < ends
            ):
                return float(event.severity)
        return 0.0

    def weight_kg(self, pig_index: int, day: int) -> float:
        """True weight of the pig on calendar ``day``, kg; a sick pig gains half as fast while sick."""
        pig = self.pigs[pig_index]
        weight = pig.entry_weight_kg
        for d in range(self.config.first_day, day):
            weight += pig.adg_kg * (1.0 - 0.6 * self.condition_severity(pig_index, d, "sick"))
        return float(weight)

    def body_length_m(self, pig_index: int, day: int) -> float:
        """Snout-to-tail-base length, metres: 0.27 * kg^(1/3) (30 kg -> 0.84 m, 100 kg -> 1.25 m)."""
        return 0.27 * self.weight_kg(pig_index, day) ** (1.0 / 3.0)


def pen_size_for(cfg: ScenarioConfig) -> tuple[float, float]:
    """Pen interior (width, height) in metres: the config's, or ~1.1 m^2 per pig at the frame's aspect."""
    if cfg.pen_width_m > 0 and cfg.pen_height_m > 0:
        return (cfg.pen_width_m, cfg.pen_height_m)
    aspect = cfg.width / cfg.height
    area = 1.1 * cfg.n_pigs + 2.0
    height = math.sqrt(area / aspect)
    return (round(height * aspect, 2), round(height, 2))


def pen_zones(size_m: tuple[float, float]) -> dict[str, np.ndarray]:
    """Zone polygons in pen metres: feeder trough on the top wall (left), drinker on the right wall,
    toy hanging near the bottom wall, a dunging (slatted) strip on the right, lying area the rest.

    Returns:
        name -> Kx2 float64 polygon (x, y) in metres.
    """
    w, h = size_m
    feeder_len = min(0.45 * w, 2.4)
    slat_x = w * 0.78

    def rect(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
        return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float64)

    return {
        "feeder": rect(0.35, 0.0, 0.35 + feeder_len, 0.32),
        "drinker": rect(w - 0.32, 0.25 * h - 0.22, w, 0.25 * h + 0.22),
        "toy": rect(0.45 * w - 0.25, h - 0.75, 0.45 * w + 0.25, h - 0.25),
        "dunging": rect(slat_x, 0.0, w, h),
        "lying": rect(0.0, 0.32, slat_x, h),
    }


_SET_LAYOUT: dict[str, tuple[int, int, int, int]] = {
    # name: (count, seed base, appearance seed base, first calendar day)
    "train": (12, 1000, 10_000, 0),
    "val": (3, 2000, 20_000, 1000),
    "test": (3, 3000, 30_000, 2000),
    "long": (1, 4000, 40_000, 3000),
}
"""Scenario sets: disjoint seeds, appearance seeds (so disjoint pigs) and calendar days."""

SCENARIO_SETS: tuple[str, ...] = tuple(_SET_LAYOUT)


def _set_health_events(rng: np.random.Generator, n_pigs: int, first_day: int, n_days: int) -> tuple:
    """One lame and one sick pig (different animals), onsets between 30% and 70% of the span."""
    lame, sick = (int(i) for i in rng.choice(n_pigs, size=2, replace=False))
    lo, hi = first_day + int(0.3 * n_days), first_day + max(int(0.7 * n_days), int(0.3 * n_days) + 1)
    return (
        HealthEventSpec(lame, "lame", int(rng.integers(lo, hi)), float(rng.uniform(0.6, 0.9))),
        HealthEventSpec(sick, "sick", int(rng.integers(lo, hi)), float(rng.uniform(0.6, 0.9))),
    )


MAX_SET_COUNT = 25
"""Most scenarios a set may be extended to: scenario ``i`` starts on day ``first day + 40 i``, and sets' first
days lie 1,000 apart, so 25 keeps every set's days clear of the next set's."""


def scenario_set(name: str, count: int | None = None) -> list[ScenarioConfig]:
    """The named scenario set: ``"train"``, ``"val"``, ``"test"`` or ``"long"`` (hours of video, for memory).

    Sets never share seeds, appearance seeds (pigs) or calendar days.

    Args:
        name: the set.
        count: scenarios drawn with the set's recipe (default: the set's own size); a larger count extends
            the set (its first scenarios unchanged), up to `MAX_SET_COUNT`.

    Raises:
        ValueError: unknown set name, or count outside 1..`MAX_SET_COUNT`.
    """
    if name not in _SET_LAYOUT:
        raise ValueError(f"unknown scenario set {name!r}; choose one of {', '.join(SCENARIO_SETS)}")
    default_count, seed0, look0, day0 = _SET_LAYOUT[name]
    count = default_count if count is None else count
    if not 1 <= count <= MAX_SET_COUNT:
        raise ValueError(
            f"count must be in 1..{MAX_SET_COUNT} (beyond, days would reach the next set's), got {count}"
        )
    n_days = 2 if name == "long" else 20
    configs = []
    for i in range(count):
        rng = np.random.default_rng(seed0 + i)
        n_pigs = 8 if name == "long" else int(rng.integers(5, 21))
        first_day = day0 + 40 * i
        configs.append(
            ScenarioConfig(
                name=f"{name}-{i:02d}",
                seed=seed0 + i,
                appearance_seed=look0 + i,
                n_pigs=n_pigs,
                first_day=first_day,
                n_days=n_days,
                lookalike_fraction=float(rng.choice([0.0, 0.25, 0.4])),
                health_events=_set_health_events(rng, n_pigs, first_day, n_days),
            )
        )
    return configs
