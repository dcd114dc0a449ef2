"""Pure "needs attention" detection: an animal's feeding, drinking or activity against its own baseline and
its pen's same-day values.

Rule (documented in docs/rest-api.md, "Alerts"): for alert kind K and day D, with window W = the
`Thresholds.consecutive_days` days ending on D and baseline B = the `Thresholds.baseline_days` days before W,
the animal *needs attention* when every day of W is observed for at least `Thresholds.min_observed_s` and

1. its robust z-score against B is at most `Thresholds.z`:
   ``z = (value - median(B) - pen_shift) / scale`` with
   ``scale = max(1.4826 * MAD(B), pen_noise, min_scale_fraction * |median(B)|, 1e-6)`` (B needs at least
   `Thresholds.min_baseline_days` observed days), and
2. when at least `Thresholds.min_pen_animals` pen-mates were observed that day, its value is below
   ``pen_fraction`` x the pen-mates' median (a drop the whole pen shares, e.g. an empty feeder, is no alert).

``pen_shift`` and ``pen_noise`` calibrate the z-score on the pen-mates' *deviations* that day (each mate's
value minus the median of its own baseline over the same days), when at least `Thresholds.min_pen_animals`
mates have one: ``pen_shift`` = their median (a change the whole pen shares), ``pen_noise`` = 1.4826 x their
MAD (how far a day's value strays from its baseline for the pen's animals under the same video sampling).
The pipeline samples video (a few minutes per hour, or less), so one day's value is an estimate; a short or
lucky baseline can have a tiny MAD, and without this floor sampling noise alone raised alerts (see
docs/web.md, "Demo"). With dense sampling the mates' deviations are small and the rule is the plain one.
Without enough mates (or with ``pen_deviations`` not given) both are 0.

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
    min_baseline_days: int = 3
    consecutive_days: int = 2
    z: float = -3.0
    min_scale_fraction: float = 0.1
    pen_fraction: float = 0.8
    min_pen_animals: int = 2
    min_observed_s: float = 60.0


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


def pen_calibration(deviations: list[float], thresholds: Thresholds) -> tuple[float, float]:
    """(pen_shift, pen_noise) of one day from the pen-mates' deviations from their own baselines (metric
    units): their median and 1.4826 x their MAD, or (0, 0) when fewer than `min_pen_animals` are given."""
    if len(deviations) < thresholds.min_pen_animals:
        return 0.0, 0.0
    shift = statistics.median(deviations)
    return shift, 1.4826 * statistics.median(abs(d - shift) for d in deviations)


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
    pen_deviations: dict[date, list[float]] | None = None,
) -> Finding | None:
    """Whether the window ending on ``last_day`` needs attention for alert ``kind``.

    Args:
        kind: ``feeding``, ``drinking`` or ``activity``.
        records: the animal's days (at least the window and its baseline).
        pen_values: day -> the pen-mates' metric values that day (the animal itself excluded).
        last_day: the window's last day.
        thresholds: detection thresholds (default `Thresholds()`).
        pen_deviations: window day -> the pen-mates' deviations that day (value minus the median of the
            mate's own baseline over this window's baseline days; see `pen_deviations_for`), or None.

    Returns:
        A `Finding` for the window, or None (not low, or not enough data to judge).
    """
    th = thresholds or Thresholds()
    window = [last_day - timedelta(days=i) for i in reversed(range(th.consecutive_days))]
    baseline_days = baseline_days_of(last_day, th)
    current, baseline = _values(kind, records, window, th), _values(kind, records, baseline_days, th)
    if len(current) < len(window) or len(baseline) < th.min_baseline_days:
        return None
    median, scale = robust_baseline(list(baseline.values()), th)
    pens = {d: pen_median(pen_values.get(d, []), th) for d in window}
    calibration = {d: pen_calibration((pen_deviations or {}).get(d, []), th) for d in window}
    zs = {d: (v - median - calibration[d][0]) / max(scale, calibration[d][1]) for d, v in current.items()}
    for d, v in current.items():
        pen = pens[d]
        if zs[d] > th.z or (pen is not None and v >= th.pen_fraction * pen):
            return None
    series = [_point(d, v, records[d], None, None) for d, v in baseline.items()]
    series += [_point(d, v, records[d], zs[d], pens[d], calibration[d]) for d, v in current.items()]
    stats = {"first_day": baseline_days[0].isoformat(), "last_day": baseline_days[-1].isoformat(),
             "n_days": len(baseline), "median": median, "scale": scale}  # fmt: skip
    return Finding(kind, window[0], window[-1], _evidence(kind, window, series, stats, th))


def _point(
    day: date,
    value: float,
    record: DayRecord,
    z: float | None,
    pen: float | None,
    calibration: tuple[float, float] | None = None,
) -> dict[str, Any]:
    """One point of the evidence series (z, pen median, pen shift and noise only on the window's days)."""
    point = {"day": day.isoformat(), "value": value, "observed_s": record.observed_s, "z": z,
             "pen_median": pen}  # fmt: skip
    if calibration is not None:
        point |= {"pen_shift": calibration[0], "pen_noise": calibration[1]}
    return point


def baseline_days_of(last_day: date, thresholds: Thresholds) -> list[date]:
    """The baseline days of the window ending on ``last_day``, oldest first."""
    first_window_day = last_day - timedelta(days=thresholds.consecutive_days - 1)
    return [first_window_day - timedelta(days=i) for i in reversed(range(1, thresholds.baseline_days + 1))]


def pen_deviations_for(
    kind: str, mates: dict[int, dict[date, DayRecord]], last_day: date, thresholds: Thresholds
) -> dict[date, list[float]]:
    """Window day -> each pen-mate's metric that day minus the median of its own baseline (same baseline
    days as the animal's window ending on ``last_day``); mates with fewer than `min_baseline_days` observed
    baseline days, or not observed that day, are left out."""
    window = [last_day - timedelta(days=i) for i in reversed(range(thresholds.consecutive_days))]
    base_days = baseline_days_of(last_day, thresholds)
    deviations: dict[date, list[float]] = {d: [] for d in window}
    for records in mates.values():
        baseline = list(_values(kind, records, base_days, thresholds).values())
        if len(baseline) < thresholds.min_baseline_days:
            continue
        median = statistics.median(baseline)
        for d, value in _values(kind, records, window, thresholds).items():
            deviations[d].append(value - median)
    return deviations


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
