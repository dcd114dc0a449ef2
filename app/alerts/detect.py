"""Pure "needs attention" detection: an animal's feeding, drinking or activity against its own baseline and
its pen's same-day values.

Rule (documented in docs/rest-api.md, "Alerts"): for alert kind K and day D, with window W = the
`Thresholds.consecutive_days` days ending on D and baseline B = the `Thresholds.baseline_days` days before W,
the animal *needs attention* when every day of W is observed for at least `Thresholds.min_observed_s` and

1. its robust z-score against B is at most `Thresholds.z`: ``z = (value - median(B)) / scale`` with
   ``scale = max(1.4826 * MAD(B), min_scale_fraction * |median(B)|, 1e-6)`` (B needs at least
   `Thresholds.min_baseline_days` observed days), and
2. when at least `Thresholds.min_pen_animals` pen-mates were observed that day, its value is below
   ``pen_fraction`` x the pen-mates' median (a drop the whole pen shares, e.g. an empty feeder, is no alert).

Metric per kind (sampling-independent rates, since days are only partly observed):
feeding = max(seconds eating, seconds at the feeder) per observed hour; drinking = the same with drink and the
drinker; activity = the activity index (share of observed time not lying or sleeping).
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

METRIC_UNITS: dict[str, str] = {
    "feeding": "s eating or at feeder per observed h",
    "drinking": "s drinking or at drinker per observed h",
    "activity": "share of observed time not lying/sleeping",
}


@dataclass(frozen=True)
class Thresholds:
    """Detection thresholds; the defaults are the product's documented values."""

    baseline_days: int = 14
    min_baseline_days: int = 5
    consecutive_days: int = 2
    z: float = -3.0
    min_scale_fraction: float = 0.1
    pen_fraction: float = 0.8
    min_pen_animals: int = 2
    min_observed_s: float = 600.0


@dataclass(frozen=True)
class DayRecord:
    """The parts of one daily summary that alerts use (seconds; activity index in [0, 1] or None)."""

    day: date
    observed_s: float
    eat_s: float
    drink_s: float
    feeder_dwell_s: float
    drinker_dwell_s: float
    activity_index: float | None


@dataclass(frozen=True)
class Finding:
    """A window of days that needs attention, with the evidence to show a person."""

    kind: str
    first_day: date
    last_day: date
    evidence: dict[str, Any]


def metric(kind: str, record: DayRecord, thresholds: Thresholds) -> float | None:
    """The value of ``kind``'s metric on one day, or None when the day is observed too little."""
    if record.observed_s < thresholds.min_observed_s:
        return None
    hours = record.observed_s / 3600.0
    if kind == "feeding":
        return max(record.eat_s, record.feeder_dwell_s) / hours
    if kind == "drinking":
        return max(record.drink_s, record.drinker_dwell_s) / hours
    if kind == "activity":
        return record.activity_index
    raise ValueError(f"unknown alert kind {kind!r}; expected one of {tuple(METRIC_UNITS)}")


def robust_baseline(values: list[float], thresholds: Thresholds) -> tuple[float, float]:
    """(median, scale) of baseline values; scale = 1.4826 x MAD, floored as the module docstring says."""
    median = statistics.median(values)
    mad = statistics.median(abs(v - median) for v in values)
    return median, max(1.4826 * mad, thresholds.min_scale_fraction * abs(median), 1e-6)


def pen_median(values: list[float], thresholds: Thresholds) -> float | None:
    """Median of the pen-mates' values of one day, or None when too few pen-mates were observed."""
    return statistics.median(values) if len(values) >= thresholds.min_pen_animals else None


def _values(kind: str, records: dict[date, DayRecord], days: list[date], th: Thresholds) -> dict[date, float]:
    """``{day: metric}`` of the observed ``days``."""
    values = {d: metric(kind, records[d], th) if d in records else None for d in days}
    return {d: v for d, v in values.items() if v is not None}


def evaluate(
    kind: str,
    records: dict[date, DayRecord],
    pen_values: dict[date, list[float]],
    last_day: date,
    thresholds: Thresholds | None = None,
) -> Finding | None:
    """Whether the window ending on ``last_day`` needs attention for alert ``kind``.

    Args:
        kind: ``feeding``, ``drinking`` or ``activity``.
        records: the animal's days (at least the window and its baseline).
        pen_values: day -> the pen-mates' metric values that day (the animal itself excluded).
        last_day: the window's last day.
        thresholds: detection thresholds (default `Thresholds()`).

    Returns:
        A `Finding` for the window, or None (not low, or not enough data to judge).
    """
    th = thresholds or Thresholds()
    window = [last_day - timedelta(days=i) for i in reversed(range(th.consecutive_days))]
    baseline_days = [window[0] - timedelta(days=i) for i in reversed(range(1, th.baseline_days + 1))]
    current, baseline = _values(kind, records, window, th), _values(kind, records, baseline_days, th)
    if len(current) < len(window) or len(baseline) < th.min_baseline_days:
        return None
    median, scale = robust_baseline(list(baseline.values()), th)
    pens = {d: pen_median(pen_values.get(d, []), th) for d in window}
    zs = {d: (v - median) / scale for d, v in current.items()}
    for d, v in current.items():
        pen = pens[d]
        if zs[d] > th.z or (pen is not None and v >= th.pen_fraction * pen):
            return None
    series = [_point(d, v, records[d], None, None) for d, v in baseline.items()]
    series += [_point(d, v, records[d], zs[d], pens[d]) for d, v in current.items()]
    stats = {"first_day": baseline_days[0].isoformat(), "last_day": baseline_days[-1].isoformat(),
             "n_days": len(baseline), "median": median, "scale": scale}  # fmt: skip
    return Finding(kind, window[0], window[-1], _evidence(kind, window, series, stats, th))


def _point(day: date, value: float, record: DayRecord, z: float | None, pen: float | None) -> dict[str, Any]:
    """One point of the evidence series (z and pen median only on the window's days)."""
    return {"day": day.isoformat(), "value": value, "observed_s": record.observed_s, "z": z,
            "pen_median": pen}  # fmt: skip


def _evidence(
    kind: str, window: list[date], series: list[dict[str, Any]], stats: dict[str, Any], th: Thresholds
) -> dict[str, Any]:
    """The evidence JSON stored on an alert (see docs/rest-api.md)."""
    return {
        "kind": kind,
        "metric_unit": METRIC_UNITS[kind],
        "first_day": window[0].isoformat(),
        "last_day": window[-1].isoformat(),
        "series": series,
        "baseline": stats,
        "thresholds": asdict(th),
    }
