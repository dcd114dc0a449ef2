"""Per-pig activity choice: daily rhythm, health effects, bout durations and where each activity happens.

Activities are the simulator's internal states; each maps to one of the nine behaviour labels of
`models.pipeline.types.BEHAVIOURS` (walking to somewhere is labelled ``standing``, as in the Edinburgh set).
"""

from __future__ import annotations

import math

import numpy as np

ACTIVITIES: tuple[str, ...] = ("rest", "eat", "drink", "play", "nose", "idle", "roam", "run", "sit")
"""Internal activities: rest = lying/sleep, roam = walk somewhere then stand, nose = nose-to-nose contact."""

ACTIVITY_LABEL: dict[str, str] = {
    "eat": "eat",
    "drink": "drink",
    "play": "playwithtoy",
    "nose": "nose-to-nose",
    "idle": "standing",
    "roam": "standing",
    "run": "run",
    "sit": "sitting",
}
"""Label of each activity once under way (``rest`` is ``lying`` or ``sleep``; walking is ``standing``)."""

_BOUT_MEDIAN_S: dict[str, tuple[float, float]] = {
    # activity: (median seconds, lognormal sigma)
    "rest": (600.0, 0.9),
    "eat": (150.0, 0.6),
    "drink": (20.0, 0.5),
    "play": (40.0, 0.6),
    "nose": (6.0, 0.4),
    "idle": (15.0, 0.8),
    "roam": (8.0, 0.6),
    "run": (3.0, 0.4),
    "sit": (30.0, 0.7),
}


def activity_level(hour: float) -> float:
    """Share of time pigs are active at clock ``hour`` (0-24): two feeding peaks (08:00, 16:30), quiet nights.

    Returns:
        float in [0.05, 0.9].
    """
    h = hour % 24.0
    level = 0.08 + 0.6 * math.exp(-(((h - 8.0) / 1.5) ** 2)) + 0.5 * math.exp(-(((h - 16.5) / 1.8) ** 2))
    if 6.0 <= h <= 20.0:
        level += 0.12
    return float(min(max(level, 0.05), 0.9))


def activity_weights(hour: float, *, lame: float, sick: float) -> np.ndarray:
    """Unnormalised probabilities of the next activity, aligned with `ACTIVITIES`.

    Args:
        hour: clock time 0-24.
        lame: lameness severity 0-1 (walks less, plays and runs less, lies more).
        sick: sickness severity 0-1 (eats and drinks less, lies much more).
    """
    a = activity_level(hour)
    weights = {
        "rest": (1.0 - a) * (1.0 + 1.5 * sick) * (1.0 + 0.6 * lame),
        "eat": a * 0.30 * (1.0 - 0.75 * sick) * (1.0 - 0.35 * lame),
        "drink": a * 0.10 * (1.0 - 0.6 * sick),
        "play": a * 0.07 * (1.0 - 0.8 * lame) * (1.0 - 0.8 * sick),
        "nose": a * 0.07 * (1.0 - 0.5 * sick) * (1.0 - 0.5 * lame),
        "idle": a * 0.16 * (1.0 - 0.3 * lame),
        "roam": a * 0.12 * (1.0 - 0.6 * lame),
        "run": a * 0.03 * (1.0 - 0.9 * lame) * (1.0 - 0.9 * sick),
        "sit": 0.03 + a * 0.05 * (1.0 + lame),
    }
    return np.array([weights[name] for name in ACTIVITIES], dtype=np.float64)


def choose_activity(rng: np.random.Generator, hour: float, *, lame: float, sick: float) -> str:
    """Draw the next activity from `activity_weights`."""
    w = activity_weights(hour, lame=lame, sick=sick)
    return ACTIVITIES[int(rng.choice(len(ACTIVITIES), p=w / w.sum()))]


def bout_duration_s(
    rng: np.random.Generator, activity: str, *, hour: float, sick: float, lame: float = 0.0
) -> float:
    """Duration of one bout of ``activity`` in seconds (lognormal; rests longer at night and when sick,
    eating bouts shorter when sick, fewer but longer meals when lame)."""
    median, sigma = _BOUT_MEDIAN_S[activity]
    if activity == "rest":
        median *= (1.0 + sick) * (1.0 + 1.5 * (1.0 - activity_level(hour)))
    elif activity in ("eat", "drink"):
        median *= (1.0 - 0.5 * sick) * (1.0 + 0.5 * lame)
    return float(median * math.exp(sigma * rng.standard_normal()))


def sleep_probability(hour: float, *, sick: float) -> float:
    """Probability that a rest bout is sleep (rather than awake lying)."""
    return float(min(0.95, 0.35 + 0.5 * (1.0 - activity_level(hour)) + 0.2 * sick))
