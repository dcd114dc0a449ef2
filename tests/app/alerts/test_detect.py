"""The pure alert rule of `app.alerts.detect`: baseline z-score, pen comparison, consecutive days."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.alerts.detect import (
    DayRecord,
    Thresholds,
    evaluate,
    metric,
    pen_calibration,
    pen_deviations_for,
    robust_baseline,
)

D0 = date(2026, 3, 1)


def rec(day: int, eat_s: float, *, observed_s: float = 3600.0, activity: float = 0.5) -> DayRecord:
    return DayRecord(D0 + timedelta(days=day), observed_s, eat_s, 60.0, 0.0, 0.0, activity)


def history(eats: list[float], **kw) -> dict[date, DayRecord]:
    return {D0 + timedelta(days=i): rec(i, e, **kw) for i, e in enumerate(eats)}


STABLE = [600.0, 620, 580, 610, 590, 600, 605, 595, 600, 615]


@pytest.mark.parametrize(
    ("eats", "pen", "expected"),
    [
        ([], [], None),  # no data
        (STABLE + [600, 600], [], None),  # stable
        (STABLE + [100, 100], [], ("2026-03-11", "2026-03-12")),  # drop on both window days
        (STABLE + [600, 100], [], None),  # only one low day
        (STABLE[:2] + [100, 100], [], None),  # baseline too short
        (STABLE + [100, 100], [120.0, 110.0], None),  # the whole pen dropped too
        (STABLE + [100, 100], [600.0, 610.0], ("2026-03-11", "2026-03-12")),  # pen-mates kept eating
    ],
)
def test_feeding_drop(eats, pen, expected) -> None:
    pen_values = {D0 + timedelta(days=d): list(pen) for d in range(len(eats))}
    finding = evaluate("feeding", history(eats), pen_values, D0 + timedelta(days=len(eats) - 1), Thresholds())
    got = None if finding is None else (finding.evidence["first_day"], finding.evidence["last_day"])
    assert got == expected


def test_evidence_carries_series_baseline_and_thresholds() -> None:
    finding = evaluate("feeding", history(STABLE + [100, 100]), {}, D0 + timedelta(days=11))
    assert finding is not None
    assert len(finding.evidence["series"]) == 12
    assert finding.evidence["baseline"]["median"] == pytest.approx(600.0)
    assert finding.evidence["series"][-1]["z"] < Thresholds().z
    assert finding.evidence["thresholds"]["consecutive_days"] == 2


def test_little_observed_day_is_not_judged() -> None:
    records = history(STABLE + [100, 100])
    records[D0 + timedelta(days=11)] = rec(11, 10, observed_s=30.0)
    assert evaluate("feeding", records, {}, D0 + timedelta(days=11)) is None


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


def test_unknown_kind() -> None:
    with pytest.raises(ValueError, match="unknown alert kind"):
        metric("sleeping", rec(0, 1), Thresholds())


@pytest.mark.parametrize(
    ("values", "expected"), [([10.0, 10.0, 10.0], (10.0, 1.0)), ([1.0, 2.0, 3.0, 4.0, 100.0], (3.0, 1.4826))]
)
def test_robust_baseline(values, expected) -> None:
    assert robust_baseline(values, Thresholds()) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("deviations", "expected"),
    [
        ([], (0.0, 0.0)),
        ([-5.0], (0.0, 0.0)),
        ([-10.0, 0.0, 10.0], (0.0, 14.826)),
        ([-3.0, -3.0], (-3.0, 0.0)),
    ],
)
def test_pen_calibration(deviations, expected) -> None:
    assert pen_calibration(deviations, Thresholds()) == pytest.approx(expected)


NOISY_PEN = [-450.0, -300.0, 0.0, 250.0, 400.0, -200.0]
"""Pen-mates' deviations from their own baselines on a sampled day: a day's value strays by hundreds."""


def test_sampling_noise_of_the_pen_raises_the_scale() -> None:
    """A drop as large as pen-mates' day-to-day sampling noise is no alert; the same drop in a pen whose
    mates stay close to their baselines is one."""
    last = D0 + timedelta(days=11)
    window = [last - timedelta(days=1), last]
    records = history(STABLE + [300, 300])
    pen_values = {d: [600.0, 610.0] for d in window}
    noisy = evaluate("feeding", records, pen_values, last, Thresholds(), {d: NOISY_PEN for d in window})
    assert noisy is None
    quiet_pen = {d: [-10.0, 5.0, 0.0] for d in window}
    quiet = evaluate("feeding", records, pen_values, last, Thresholds(), quiet_pen)
    assert quiet is not None
    point = quiet.evidence["series"][-1]
    assert point["pen_shift"] == pytest.approx(0.0) and point["pen_noise"] == pytest.approx(7.413)


def test_a_shift_the_whole_pen_shares_is_taken_out() -> None:
    last = D0 + timedelta(days=11)
    window = [last - timedelta(days=1), last]
    records = history(STABLE + [350, 350])
    pen_values = {d: [600.0, 610.0] for d in window}  # pen median check passes on its own
    shared = {d: [-260.0, -250.0, -240.0] for d in window}
    assert evaluate("feeding", records, pen_values, last, Thresholds(), shared) is None
    assert evaluate("feeding", records, pen_values, last, Thresholds(), {d: [0.0, 0.0] for d in window})


def test_pen_deviations_leave_out_mates_without_baseline_or_day() -> None:
    last = D0 + timedelta(days=11)
    steady = history(STABLE + [500, 650])
    short = {d: r for d, r in history(STABLE + [0, 0]).items() if d >= D0 + timedelta(days=9)}
    unseen = {d: r for d, r in history(STABLE).items()}  # no window days
    deviations = pen_deviations_for("feeding", {1: steady, 2: short, 3: unseen}, last, Thresholds())
    assert deviations == {last - timedelta(days=1): [pytest.approx(-100.0)], last: [pytest.approx(50.0)]}
