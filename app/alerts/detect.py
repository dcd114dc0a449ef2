"""Pure "needs attention" detection: an animal's feeding, drinking or activity against its own baseline,
with the noise of sampled video calibrated on its pen-mates.

Rule (documented in docs/rest-api.md, "Alerts"): for alert kind K and day D, with window W = the
`Thresholds.consecutive_days` days ending on D and baseline B = the `Thresholds.baseline_days` days before W,
each day counting only when observed for at least `Thresholds.min_observed_s`:

* every day of W is observed and B has at least `Thresholds.min_baseline_days` observed days;
* each metric is a *share* of observed time (in [0, 1]): feeding = max(s eating, s at the feeder) /
  observed s, drinking the same with drink and the drinker, activity = the activity index (share of time
  not lying or sleeping);
* ``w`` = the window's observed-time-weighted mean share (its days pooled), ``b`` = the median of B's daily
  shares, ``shift`` = the median of the pen-mates' own ``w - b`` (a change the whole pen shares), or 0 with
  fewer than `Thresholds.min_pen_animals` mates that have a window and a baseline;
* sampling noise is *binomial-like*: a day observed for ``o`` seconds holds about ``o / phi`` independent
  samples of what the animal is doing, so a share ``p`` estimated from it varies by ``p (1 - p) phi / o``.
  ``phi`` (seconds of video per independent sample: ~ the clip length for short clips far apart, minutes for
  continuous video) is the quasi-binomial dispersion of the pen-mates' baseline and window days and the
  animal's own baseline days around each animal's own mean (`dispersion`). The noise of ``w - b`` is
  ``sd = sqrt(p0 (1 - p0) phi (1 / o_W + (pi / 2) / o_B))`` with ``p0`` = ``b`` clipped to
  [`min_share`, 1 - `min_share`], ``o_W`` and ``o_B`` the window's and the baseline's observed seconds
  (``pi / 2``: a median's variance against a mean's);
* the animal needs attention when ``z = (w - b - shift) / scale`` is at most `Thresholds.z`, with
  ``scale = max(sd, min_scale_fraction x b, 1e-6)`` (the floor makes a drop under 10 % of the baseline
  level irrelevant however densely the pig is filmed), and every window day is low on its own (the same
  z with that day's share and observed seconds is at most `Thresholds.day_z`), and, when at least
  `min_pen_animals` mates were observed on every window day, ``w`` is below ``pen_fraction`` x the mates'
  median ``w`` (a drop the whole pen shares, e.g. an empty feeder, is no alert).

Why pooled and binomial-like: the pipeline samples video (a few dozen short clips a day in the demo), so one
day's share is an estimate from a few dozen samples. Requiring each window day to pass z <= -3 separately,
with a scale from 3 baseline days' MAD or 7 mates' MAD, had little power at such sampling (docs/web.md,
"Demo", has the measured detection and false-alert rates); pooling the window's days and estimating the
noise from every mate-day, in units that account for each day's observed seconds, does better at about the
same false-alert rate.

Evidence values are in the kind's display units (`METRIC_UNITS`: s per observed h, or a share).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

METRIC_UNITS: dict[str, str] = {
    "feeding": "s eating or at feeder per observed h",
    "drinking": "s drinking or at drinker per observed h",
    "activity": "share of observed time not lying/sleeping",
}
UNIT_FACTOR: dict[str, float] = {"feeding": 3600.0, "drinking": 3600.0, "activity": 1.0}
"""Display units per share unit of each kind (s per observed hour, or the share itself)."""
MEDIAN_VARIANCE_FACTOR = math.pi / 2
"""Variance of a median of days against the mean of the same days (large-sample normal value; slightly
conservative for a 3-day baseline, whose exact factor is about 1.35)."""


@dataclass(frozen=True)
class Thresholds:
    """Detection thresholds; the defaults are the product's documented values."""

    baseline_days: int = 14
    min_baseline_days: int = 3
    consecutive_days: int = 2
    z: float = -3.0
    day_z: float = -1.0
    min_scale_fraction: float = 0.1
    pen_fraction: float = 0.8
    min_pen_animals: int = 2
    min_observed_s: float = 20.0
    min_share: float = 0.02


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


@dataclass(frozen=True)
class WindowStats:
    """One animal's window against its own baseline (shares in [0, 1], seconds).

    Attributes:
        share: the window's observed-time-weighted mean share.
        observed_s: the window's observed seconds.
        baseline_share: median of the baseline days' shares.
        baseline_observed_s: the baseline days' observed seconds.
        days: (share, observed s) of every observed baseline day, then every window day.
        n_baseline: how many of ``days`` are baseline days.
    """

    share: float
    observed_s: float
    baseline_share: float
    baseline_observed_s: float
    days: list[tuple[float, float]]
    n_baseline: int


def share(kind: str, record: DayRecord) -> float | None:
    """``kind``'s share of the day's observed time in [0, 1], or None (nothing observed or no activity
    index)."""
    if kind not in METRIC_UNITS:
        raise ValueError(f"unknown alert kind {kind!r}; expected one of {tuple(METRIC_UNITS)}")
    if record.observed_s <= 0:
        return None
    if kind == "activity":
        return record.activity_index
    seconds = (
        max(record.eat_s, record.feeder_dwell_s)
        if kind == "feeding"
        else max(record.drink_s, record.drinker_dwell_s)
    )
    return min(1.0, seconds / record.observed_s)


def metric(kind: str, record: DayRecord, thresholds: Thresholds) -> float | None:
    """``kind``'s value on one day in display units (`METRIC_UNITS`), or None when observed too little."""
    if record.observed_s < thresholds.min_observed_s:
        return None
    value = share(kind, record)
    return None if value is None else value * UNIT_FACTOR[kind]


def window_of(last_day: date, thresholds: Thresholds) -> list[date]:
    """The window's days ending on ``last_day``, oldest first."""
    return [last_day - timedelta(days=i) for i in reversed(range(thresholds.consecutive_days))]


def baseline_days_of(last_day: date, thresholds: Thresholds) -> list[date]:
    """The baseline days of the window ending on ``last_day``, oldest first."""
    first_window_day = window_of(last_day, thresholds)[0]
    return [first_window_day - timedelta(days=i) for i in reversed(range(1, thresholds.baseline_days + 1))]


def _observed(
    kind: str, records: dict[date, DayRecord], days: list[date], th: Thresholds
) -> list[tuple[float, float]]:
    """(share, observed s) of the ``days`` observed for at least ``min_observed_s``."""
    found = []
    for day in days:
        record = records.get(day)
        value = None if record is None or record.observed_s < th.min_observed_s else share(kind, record)
        if value is not None and record is not None:
            found.append((value, record.observed_s))
    return found


def pooled(days: list[tuple[float, float]]) -> tuple[float, float]:
    """(observed-time-weighted mean share, total observed s) of (share, observed s) pairs (non-empty)."""
    observed = sum(o for _, o in days)
    return sum(v * o for v, o in days) / observed, observed


def window_share(kind: str, records: dict[date, DayRecord], last_day: date, th: Thresholds) -> float | None:
    """The window's pooled share, or None unless every window day is observed."""
    window = _observed(kind, records, window_of(last_day, th), th)
    return pooled(window)[0] if len(window) == th.consecutive_days else None


def window_stats(
    kind: str, records: dict[date, DayRecord], last_day: date, th: Thresholds
) -> WindowStats | None:
    """An animal's `WindowStats` for the window ending on ``last_day``, or None when a window day is not
    observed or the baseline has fewer than ``min_baseline_days`` observed days."""
    window = _observed(kind, records, window_of(last_day, th), th)
    baseline = _observed(kind, records, baseline_days_of(last_day, th), th)
    if len(window) < th.consecutive_days or len(baseline) < th.min_baseline_days:
        return None
    value, observed = pooled(window)
    base_share = statistics.median(v for v, _ in baseline)
    base_observed = sum(o for _, o in baseline)
    return WindowStats(value, observed, base_share, base_observed, baseline + window, len(baseline))


def _clip(p: float, th: Thresholds) -> float:
    return min(max(p, th.min_share), 1.0 - th.min_share)


def dispersion(samples: list[list[tuple[float, float]]], th: Thresholds) -> float:
    """Quasi-binomial dispersion ``phi`` (seconds of video per independent sample) of several animals' days.

    Args:
        samples: per animal, (share, observed s) of its days (animals with under 2 days add nothing).
        th: thresholds (``min_share`` clips each animal's mean share away from 0 and 1).

    Returns:
        ``sum((v - m)^2 o / (m (1 - m))) / sum(n - 1)`` with ``m`` each animal's observed-time-weighted mean
        share; 0 when no animal has 2 days.
    """
    total, dof = 0.0, 0
    for days in samples:
        if len(days) < 2:
            continue
        mean = _clip(pooled(days)[0], th)
        total += sum((v - mean) ** 2 * o / (mean * (1.0 - mean)) for v, o in days)
        dof += len(days) - 1
    return total / dof if dof else 0.0


def noise_sd(stats: WindowStats, observed_s: float, phi: float, th: Thresholds) -> float:
    """Scale of a window share observed for ``observed_s`` minus the baseline: the binomial-like sd (module
    docstring), floored at ``min_scale_fraction`` x the baseline share (shares)."""
    p0 = _clip(stats.baseline_share, th)
    variance = p0 * (1.0 - p0) * phi * (1.0 / observed_s + MEDIAN_VARIANCE_FACTOR / stats.baseline_observed_s)
    return max(math.sqrt(variance), th.min_scale_fraction * abs(stats.baseline_share), 1e-6)


def evaluate(
    kind: str,
    records: dict[date, DayRecord],
    mates: dict[int, dict[date, DayRecord]],
    last_day: date,
    thresholds: Thresholds | None = None,
) -> Finding | None:
    """Whether the window ending on ``last_day`` needs attention for alert ``kind`` (module docstring).

    Args:
        kind: ``feeding``, ``drinking`` or ``activity``.
        records: the animal's days (at least the window and its baseline).
        mates: pen-mate id -> that mate's days (the animal itself excluded).
        last_day: the window's last day.
        thresholds: detection thresholds (default `Thresholds()`).

    Returns:
        A `Finding` for the window, or None (not low, or not enough data to judge).
    """
    th = thresholds or Thresholds()
    if kind not in METRIC_UNITS:
        raise ValueError(f"unknown alert kind {kind!r}; expected one of {tuple(METRIC_UNITS)}")
    own = window_stats(kind, records, last_day, th)
    if own is None:
        return None
    mate_stats = [s for s in (window_stats(kind, r, last_day, th) for r in mates.values()) if s is not None]
    phi = dispersion([own.days[: own.n_baseline]] + [s.days for s in mate_stats], th)
    calibrated = len(mate_stats) >= th.min_pen_animals
    shift = statistics.median(s.share - s.baseline_share for s in mate_stats) if calibrated else 0.0
    scale = noise_sd(own, own.observed_s, phi, th)
    z = (own.share - own.baseline_share - shift) / scale
    window_days = own.days[own.n_baseline :]
    day_zs = [(v - own.baseline_share - shift) / noise_sd(own, o, phi, th) for v, o in window_days]
    mate_shares = [s for s in (window_share(kind, r, last_day, th) for r in mates.values()) if s is not None]
    pen = statistics.median(mate_shares) if len(mate_shares) >= th.min_pen_animals else None
    if z > th.z or max(day_zs) > th.day_z or (pen is not None and own.share >= th.pen_fraction * pen):
        return None
    window = window_of(last_day, th)
    calibration = {
        "z": z,
        "value": own.share,
        "pen_median": pen,
        "pen_shift": shift,
        "scale": scale,
        "dispersion_s": phi,
        "observed_s": own.observed_s,
        "n_mates": len(mate_stats),
    }
    return Finding(
        kind, window[0], window[-1], _evidence(kind, records, last_day, day_zs, own, calibration, th)
    )


def _evidence(
    kind: str,
    records: dict[date, DayRecord],
    last_day: date,
    day_zs: list[float],
    own: WindowStats,
    window: dict[str, Any],
    th: Thresholds,
) -> dict[str, Any]:
    """The evidence JSON stored on an alert (see docs/rest-api.md); values in display units."""
    unit = UNIT_FACTOR[kind]
    window_days, base_days = window_of(last_day, th), baseline_days_of(last_day, th)
    series = []
    for day in base_days + window_days:
        value = metric(kind, records[day], th) if day in records else None
        if value is not None:
            series.append({"day": day.isoformat(), "value": value, "observed_s": records[day].observed_s})
    for point, z in zip(series[-len(window_days) :], day_zs, strict=True):
        point["z"] = z
    scaled = {
        k: (v * unit if k in ("value", "pen_median", "pen_shift", "scale") and v is not None else v)
        for k, v in window.items()
    }
    return {
        "kind": kind,
        "metric_unit": METRIC_UNITS[kind],
        "first_day": window_days[0].isoformat(),
        "last_day": window_days[-1].isoformat(),
        "series": series,
        "window": scaled,
        "baseline": {
            "first_day": base_days[0].isoformat(),
            "last_day": base_days[-1].isoformat(),
            "n_days": own.n_baseline,
            "median": own.baseline_share * unit,
            "observed_s": own.baseline_observed_s,
        },
        "thresholds": asdict(th),
    }
