"""Day clipping, interval unions and per-day totals of `app.summaries.compute`."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from app.summaries.compute import DayFigures, Span, days_touched, split_by_day, summarise, union_seconds

T0 = datetime(2026, 3, 1, 23, 50, tzinfo=UTC)
D1, D2 = date(2026, 3, 1), date(2026, 3, 2)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (at(0), at(0), []),
        (at(0), at(5), [(D1, 300.0)]),
        (at(0), at(20), [(D1, 600.0), (D2, 600.0)]),
        (at(10), at(10 + 48 * 60), [(D2, 86400.0), (date(2026, 3, 3), 86400.0)]),
    ],
)
def test_split_by_day_clips_at_utc_midnight(start, end, expected) -> None:
    got = [(day, (e - s).total_seconds()) for day, s, e in split_by_day(start, end)]
    assert got == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"), [(at(0), at(0), {D1}), (at(0), at(20), {D1, D2}), (at(11), at(12), {D2})]
)
def test_days_touched(start, end, expected) -> None:
    assert days_touched(start, end) == expected


@pytest.mark.parametrize(
    ("intervals", "expected"),
    [
        ([], 0.0),
        ([(at(0), at(1))], 60.0),
        ([(at(0), at(2)), (at(1), at(3))], 180.0),
        ([(at(0), at(5)), (at(1), at(2))], 300.0),
        ([(at(4), at(5)), (at(0), at(1))], 120.0),
    ],
)
def test_union_seconds(intervals, expected) -> None:
    assert union_seconds(intervals) == expected


def test_summarise_empty() -> None:
    assert summarise([], [], days={D1}) == {}


def test_summarise_clips_bouts_and_counts_visits_on_start_day() -> None:
    bouts = [Span(1, "eat", at(0), at(20)), Span(1, "lying", at(20), at(30)), Span(2, "sleep", at(0), at(5))]
    visits = [Span(1, "feeder", at(0), at(20)), Span(1, "lying", at(0), at(5))]
    figures = summarise(bouts, visits, days={D1, D2})
    day1, day2 = figures[(1, D1)], figures[(1, D2)]
    assert day1.behaviour_seconds["eat"] == 600.0 and day2.behaviour_seconds["eat"] == 600.0
    assert day2.behaviour_seconds["lying"] == 600.0 and day2.observed_s == 1200.0
    assert day1.visits["feeder"] == 1 and day2.visits["feeder"] == 0
    assert day1.dwell_s["feeder"] == 600.0 and day2.dwell_s["feeder"] == 600.0
    assert day2.activity_index == pytest.approx(0.5)
    assert figures[(2, D1)].activity_index == 0.0


def test_summarise_only_requested_days() -> None:
    figures = summarise([Span(1, "eat", at(0), at(20))], [], days={D2})
    assert set(figures) == {(1, D2)}


@pytest.mark.parametrize(("observed", "resting", "expected"), [(0.0, 0.0, None), (100.0, 25.0, 0.75)])
def test_activity_index(observed, resting, expected) -> None:
    fig = DayFigures(observed_s=observed)
    fig.behaviour_seconds["lying"] = resting
    assert fig.activity_index == expected
