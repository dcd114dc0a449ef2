"""Pure daily-summary arithmetic: clip spans at UTC day boundaries and total them per animal and day.

Days are UTC calendar days (the schema has no farm time zone): a bout from 23:50 to 00:10 gives ten minutes
to each of the two days. Every input span is ``[start, end)`` with timezone-aware datetimes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from models.pipeline.types import BEHAVIOURS

DAY_S = 86_400.0
"""Seconds in a (UTC) day; ``observed_s / DAY_S`` is the day's sampling coverage."""

RESTING_BEHAVIOURS: frozenset[str] = frozenset({"lying", "sleep"})
"""Behaviours that count as inactive in the activity index; every other class counts as active."""

VISIT_ZONE_KINDS: tuple[str, ...] = ("feeder", "drinker")
"""Zone kinds whose visits and dwell a daily summary counts."""


@dataclass(frozen=True)
class Span:
    """A ``[start, end)`` span (timezone-aware) of one animal, tagged with a behaviour or a zone kind."""

    animal_id: int
    tag: str
    start: datetime
    end: datetime


@dataclass
class DayFigures:
    """Totals of one animal's UTC day.

    Attributes:
        behaviour_seconds: seconds per behaviour (all nine keys of `BEHAVIOURS`).
        observed_s: seconds covered by at least one behaviour bout (union of bouts, <= 86,400).
        visits: zone kind -> visits starting on that day.
        dwell_s: zone kind -> seconds spent in zones of that kind on that day.
    """

    behaviour_seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(BEHAVIOURS, 0.0))
    observed_s: float = 0.0
    visits: dict[str, int] = field(default_factory=lambda: dict.fromkeys(VISIT_ZONE_KINDS, 0))
    dwell_s: dict[str, float] = field(default_factory=lambda: dict.fromkeys(VISIT_ZONE_KINDS, 0.0))

    @property
    def activity_index(self) -> float | None:
        """Share of observed time not lying or sleeping, in [0, 1]; None when nothing was observed."""
        if self.observed_s <= 0:
            return None
        resting = sum(self.behaviour_seconds[b] for b in RESTING_BEHAVIOURS)
        return max(0.0, min(1.0, (self.observed_s - resting) / self.observed_s))

    @property
    def is_empty(self) -> bool:
        """True when the day holds no observation and no visit."""
        return self.observed_s <= 0 and not any(self.visits.values()) and not any(self.dwell_s.values())


def day_start(day: date) -> datetime:
    """00:00 UTC of ``day``."""
    return datetime.combine(day, time.min, tzinfo=UTC)


def split_by_day(start: datetime, end: datetime) -> Iterator[tuple[date, datetime, datetime]]:
    """Yield ``(day, clipped_start, clipped_end)`` for every UTC day the span ``[start, end)`` touches.

    Empty spans (``end <= start``) yield nothing.
    """
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    cursor = start
    while cursor < end:
        day = cursor.date()
        day_end = min(end, day_start(day + timedelta(days=1)))
        yield day, cursor, day_end
        cursor = day_end


def days_touched(start: datetime, end: datetime) -> set[date]:
    """UTC days the span touches; an instantaneous span (``end == start``) touches its start day."""
    days = {day for day, _, _ in split_by_day(start, end)}
    return days or {start.astimezone(UTC).date()}


def union_seconds(intervals: list[tuple[datetime, datetime]]) -> float:
    """Seconds covered by the union of ``[start, end)`` intervals (overlaps counted once)."""
    total, reach = 0.0, None
    for start, end in sorted(intervals):
        if reach is None or start >= reach:
            total += (end - start).total_seconds()
            reach = end
        elif end > reach:
            total += (end - reach).total_seconds()
            reach = end
    return total


def summarise(
    bouts: Iterable[Span], visits: Iterable[Span], *, days: set[date]
) -> dict[tuple[int, date], DayFigures]:
    """Total bouts and zone visits per ``(animal_id, day)`` for the UTC ``days`` asked for.

    Args:
        bouts: behaviour bouts (``tag`` is one of `BEHAVIOURS`).
        visits: zone visits (``tag`` is the zone kind; kinds outside `VISIT_ZONE_KINDS` are ignored).
        days: the days to total; parts of spans on other days are dropped.

    Returns:
        ``{(animal_id, day): DayFigures}`` for every pair with at least one clipped span.
    """
    figures: dict[tuple[int, date], DayFigures] = {}
    covered: dict[tuple[int, date], list[tuple[datetime, datetime]]] = {}
    for bout in bouts:
        for day, start, end in split_by_day(bout.start, bout.end):
            if day in days:
                key = (bout.animal_id, day)
                fig = figures.setdefault(key, DayFigures())
                fig.behaviour_seconds[bout.tag] += (end - start).total_seconds()
                covered.setdefault(key, []).append((start, end))
    for key, intervals in covered.items():
        figures[key].observed_s = union_seconds(intervals)
    for visit in visits:
        _add_visit(figures, visit, days)
    return figures


def _add_visit(figures: dict[tuple[int, date], DayFigures], visit: Span, days: set[date]) -> None:
    """Add one zone visit: counted on its start day, dwell clipped to each day."""
    if visit.tag not in VISIT_ZONE_KINDS:
        return
    start_day = visit.start.astimezone(UTC).date()
    if start_day in days:
        figures.setdefault((visit.animal_id, start_day), DayFigures()).visits[visit.tag] += 1
    for day, start, end in split_by_day(visit.start, visit.end):
        if day in days:
            fig = figures.setdefault((visit.animal_id, day), DayFigures())
            fig.dwell_s[visit.tag] += (end - start).total_seconds()
