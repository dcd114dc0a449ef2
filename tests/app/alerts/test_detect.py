"""The pure alert rule of `app.alerts.detect`: pooled window against the baseline, binomial-like sampling
noise calibrated on pen-mates, pen comparison, every window day low."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest

from app.alerts.detect import (
    DayRecord,
    Thresholds,
    WindowStats,
    dispersion,
    evaluate,
    metric,
    noise_sd,
    share,
    window_stats,
)

D0 = date(2026, 3, 1)
LAST = D0 + timedelta(days=11)


def rec(day: int, eat_s: float, *, observed_s: float = 3600.0, activity: float = 0.5) -> DayRecord:
    return DayRecord(D0 + timedelta(days=day), observed_s, eat_s, 60.0, 0.0, 0.0, activity)


def history(eats: list[float], **kw) -> dict[date, DayRecord]:
    return {D0 + timedelta(days=i): rec(i, e, **kw) for i, e in enumerate(eats)}


STABLE = [600.0, 620, 580, 610, 590, 600, 605, 595, 600, 615]


def pen(*windows: tuple[float, float]) -> dict[int, dict[date, DayRecord]]:
    """Pen-mates with the stable baseline and the given two window days."""
    return {i: history(STABLE + list(w)) for i, w in enumerate(windows)}


@pytest.mark.parametrize(
    ("eats", "mates", "expected"),
    [
        ([], {}, None),  # no data
        (STABLE + [600, 600], {}, None),  # stable
        (STABLE + [100, 100], {}, ("2026-03-11", "2026-03-12")),  # drop on both window days
        (STABLE + [600, 100], {}, None),  # only one low day: the pooled window is low, the first day is not
        (STABLE[:2] + [100, 100], {}, None),  # baseline too short
        (STABLE + [100, 100], pen((120, 110), (100, 130)), None),  # the whole pen dropped too
        (STABLE + [100, 100], pen((600, 610), (590, 600)), ("2026-03-11", "2026-03-12")),  # mates kept eating
    ],
)
def test_feeding_drop(eats, mates, expected) -> None:
    finding = evaluate("feeding", history(eats), mates, D0 + timedelta(days=len(eats) - 1), Thresholds())
    got = None if finding is None else (finding.evidence["first_day"], finding.evidence["last_day"])
    assert got == expected


def test_evidence_carries_series_window_baseline_and_thresholds() -> None:
    finding = evaluate("feeding", history(STABLE + [100, 100]), pen((600, 610), (590, 600)), LAST)
    assert finding is not None
    evidence = finding.evidence
    assert len(evidence["series"]) == 12
    assert evidence["baseline"]["median"] == pytest.approx(600.0)
    assert evidence["baseline"]["n_days"] == 10
    assert evidence["window"]["value"] == pytest.approx(100.0)
    assert evidence["window"]["z"] < Thresholds().z
    assert evidence["window"]["pen_median"] == pytest.approx(600.0)
    assert evidence["series"][-1]["z"] < Thresholds().day_z and "z" not in evidence["series"][0]
    assert evidence["thresholds"]["consecutive_days"] == 2


def test_little_observed_day_is_not_judged() -> None:
    records = history(STABLE + [100, 100])
    records[LAST] = rec(11, 1, observed_s=Thresholds().min_observed_s - 1)
    assert evaluate("feeding", records, {}, LAST) is None


@pytest.mark.parametrize(
    ("kind", "record", "expected"),
    [
        ("feeding", rec(0, 900, observed_s=1800), 1800.0),
        ("drinking", rec(0, 900, observed_s=1800), 120.0),
        ("activity", rec(0, 900, activity=0.25), 0.25),
        ("feeding", rec(0, 900, observed_s=10), None),
    ],
)
def test_metric(kind, record, expected) -> None:
    assert metric(kind, record, Thresholds()) == expected


def test_share_is_a_fraction_of_observed_time() -> None:
    assert share("feeding", rec(0, 900, observed_s=1800)) == pytest.approx(0.5)
    assert share("feeding", rec(0, 90, observed_s=60)) == 1.0  # capped
    assert share("drinking", rec(0, 0, observed_s=0)) is None


def test_unknown_kind() -> None:
    with pytest.raises(ValueError, match="unknown alert kind"):
        metric("sleeping", rec(0, 1), Thresholds())
    with pytest.raises(ValueError, match="unknown alert kind"):
        evaluate("sleeping", history(STABLE), {}, LAST)


def test_dispersion_is_quasi_binomial() -> None:
    """Two days of 0.4 and 0.6 share, 10 s each, around a mean of 0.5: sum((v - m)^2 o / (m (1 - m))) =
    2 x 0.01 x 10 / 0.25 = 0.8 over 1 degree of freedom; single-day animals add nothing."""
    assert dispersion([[(0.4, 10.0), (0.6, 10.0)], [(0.9, 10.0)]], Thresholds()) == pytest.approx(0.8)
    assert dispersion([[(0.5, 10.0)]], Thresholds()) == 0.0


def test_noise_shrinks_with_observed_seconds_down_to_the_floor() -> None:
    stats = WindowStats(0.5, 60.0, 0.5, 90.0, [], 3)
    th = Thresholds()
    expected = math.sqrt(0.25 * 2.0 * (1 / 60 + math.pi / 2 / 90))
    assert noise_sd(stats, 60.0, 2.0, th) == pytest.approx(expected)
    assert noise_sd(stats, 30.0, 2.0, th) > noise_sd(stats, 60.0, 2.0, th)
    assert noise_sd(stats, 1e9, 1e-6, th) == pytest.approx(0.05)  # 0.1 x the baseline share


def test_window_stats_pool_the_window_by_observed_seconds() -> None:
    records = history(STABLE + [360, 0])
    records[LAST] = rec(11, 0, observed_s=1800.0)
    stats = window_stats("feeding", records, LAST, Thresholds())
    assert stats is not None
    assert stats.share == pytest.approx((0.1 * 3600) / 5400)
    assert (stats.observed_s, stats.n_baseline, len(stats.days)) == (5400.0, 10, 12)


def sampled(eats: list[float], observed_s: float = 60.0) -> dict[date, DayRecord]:
    """Five sampled days (3 baseline, 2 window) of ``observed_s`` each, seconds eating per day."""
    return {LAST - timedelta(days=4 - i): rec(7 + i, e, observed_s=observed_s) for i, e in enumerate(eats)}


NOISY_MATES = [[10, 40, 20, 40, 10], [30, 0, 20, 0, 40], [20, 20, 50, 10, 20], [0, 30, 20, 40, 10]]
"""Seconds eating of 60-s sampled days: a few clips catch a meal or miss it, so healthy mates stray far."""
QUIET_MATES = [[20, 21, 20, 20, 21], [21, 20, 20, 21, 20], [20, 20, 21, 20, 20], [20, 21, 21, 20, 20]]


def test_sampling_noise_of_the_pen_raises_the_scale() -> None:
    """A drop as large as pen-mates' day-to-day sampling noise is no alert; the same drop in a pen whose
    mates stay close to their baselines is one."""
    own = sampled([20, 20, 20, 8, 8])
    noisy = {i: sampled(e) for i, e in enumerate(NOISY_MATES)}
    quiet = {i: sampled(e) for i, e in enumerate(QUIET_MATES)}
    assert evaluate("feeding", own, noisy, LAST) is None
    finding = evaluate("feeding", own, quiet, LAST)
    assert finding is not None
    assert finding.evidence["window"]["n_mates"] == 4 and finding.evidence["window"]["dispersion_s"] > 0


def test_a_shift_the_whole_pen_shares_is_taken_out() -> None:
    own = sampled([20, 20, 20, 11, 11])
    shared = {i: sampled([*e[:3], e[3] - 8, e[4] - 9]) for i, e in enumerate(QUIET_MATES)}
    unshifted = {i: sampled(e) for i, e in enumerate(QUIET_MATES)}
    assert evaluate("feeding", own, shared, LAST, Thresholds(pen_fraction=1.0)) is None
    assert evaluate("feeding", own, unshifted, LAST, Thresholds(pen_fraction=1.0)) is not None
