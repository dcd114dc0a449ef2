"""The pure alert rule of `app.alerts.detect`: baseline z-score, pen comparison, consecutive days."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.alerts.detect import DayRecord, Thresholds, evaluate, metric, robust_baseline

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
        (STABLE[:3] + [100, 100], [], None),  # baseline too short
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
    records[D0 + timedelta(days=11)] = rec(11, 10, observed_s=60.0)
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
