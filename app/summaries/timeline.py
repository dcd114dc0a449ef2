"""The pig-page timeline: one bounded query per record type over a day range (all UTC days)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import Date, cast, func, select
from sqlalchemy.orm import Session

from app.animals.models import Animal
from app.animals.schemas import AnimalRead
from app.animals.service import require_animal
from app.health.models import HealthEvent, LamenessScore, Weight
from app.summaries.compute import DAY_S, day_start
from app.summaries.models import Alert, DailySummary
from app.summaries.schemas import (
    Growth,
    Timeline,
    TimelineAlert,
    TimelineDay,
    TimelineHealthEvent,
    TimelineLameness,
    TimelineWeight,
)
from app.tracking.models import Track

LAME_FRACTION = 1 / 3
"""A score counts as lame when ``score / scale_max`` reaches this (1+ on 0-3, 2+ on 0-5)."""


def _bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """``[00:00 UTC of first, 00:00 UTC of the day after last)``."""
    return day_start(first), day_start(last + timedelta(days=1))


_SUMMARY_COLUMNS = (
    DailySummary.day, DailySummary.observed_s, DailySummary.behaviour_seconds, DailySummary.activity_index,
    DailySummary.feeder_visits, DailySummary.feeder_dwell_s, DailySummary.drinker_visits,
    DailySummary.drinker_dwell_s,
)  # fmt: skip


def _summary_days(session: Session, animal_id: int, first: date, last: date) -> dict[date, TimelineDay]:
    """The animal's daily summaries in the range (plain columns, no ORM objects: a year is 365 rows)."""
    query = select(*_SUMMARY_COLUMNS).where(
        DailySummary.animal_id == animal_id, DailySummary.day >= first, DailySummary.day <= last
    )
    # model_construct: the values come typed from the database, a year of days skips 365 validations
    return {
        day: TimelineDay.model_construct(
            day=day, observed_s=observed, coverage=observed / DAY_S,
            behaviour_hours={k: v / 3600.0 for k, v in (seconds or {}).items()}, activity_index=activity,
            feeder_visits=f_visits, feeder_dwell_s=f_dwell, drinker_visits=d_visits, drinker_dwell_s=d_dwell,
        )  # fmt: skip
        for day, observed, seconds, activity, f_visits, f_dwell, d_visits, d_dwell in session.execute(query)
    }


def _add_identity(
    session: Session, days: dict[date, TimelineDay], animal_id: int, first: date, last: date
) -> None:
    """Mean assignment confidence and number of the animal's tracks per UTC day."""
    start, end = _bounds(first, last)
    day = cast(func.timezone("UTC", Track.start_at), Date)
    query = (
        select(day, func.avg(Track.assignment_confidence), func.count())
        .where(Track.animal_id == animal_id, Track.start_at >= start, Track.start_at < end)
        .group_by(day)
    )
    for d, confidence, n in session.execute(query):
        entry = days.setdefault(d, TimelineDay.model_construct(day=d))
        entry.identity_confidence = None if confidence is None else float(confidence)
        entry.identity_tracks = int(n)


def adg(weights: list[tuple[datetime, float]]) -> float | None:
    """Average daily gain (kg/day) between the first and last of ``weights``; None under one day apart."""
    if len(weights) < 2:
        return None
    (t0, kg0), (t1, kg1) = min(weights), max(weights)
    days = (t1 - t0).total_seconds() / DAY_S
    return (kg1 - kg0) / days if days >= 1 else None


def _growth(session: Session, animal: Animal, first: date, last: date) -> tuple[list[TimelineWeight], Growth]:
    """The animal's weighings and ADG, and the mean ADG of the animals of its pen (itself included)."""
    start, end = _bounds(first, last)
    query = select(Weight.animal_id, Weight.weighed_at, Weight.kg).where(
        Weight.weighed_at >= start, Weight.weighed_at < end
    )
    if animal.pen_id is None:
        query = query.where(Weight.animal_id == animal.id)
    else:
        query = query.join(Animal, Animal.id == Weight.animal_id).where(Animal.pen_id == animal.pen_id)
    per_animal: dict[int, list[tuple[datetime, float]]] = defaultdict(list)
    for animal_id, weighed_at, kg in session.execute(query):
        per_animal[animal_id].append((weighed_at, kg))
    own = sorted(per_animal.get(animal.id, []))
    gains = [g for g in (adg(w) for w in per_animal.values()) if g is not None]
    growth = Growth(
        adg_kg_per_day=adg(own), pen_adg_kg_per_day=sum(gains) / len(gains) if gains else None,
        pen_animals_with_adg=len(gains),
    )  # fmt: skip
    return [TimelineWeight(weighed_at=t, kg=kg) for t, kg in own], growth


def _lameness(session: Session, animal_id: int, first: date, last: date) -> list[TimelineLameness]:
    start, end = _bounds(first, last)
    query = (
        select(LamenessScore)
        .where(LamenessScore.animal_id == animal_id)
        .where(LamenessScore.scored_at >= start, LamenessScore.scored_at < end)
        .order_by(LamenessScore.scored_at)
    )
    return [
        TimelineLameness(
            scored_at=s.scored_at, score=s.score, scale_max=s.scale_max,
            lame=s.score / s.scale_max >= LAME_FRACTION, scorer_id=s.scorer_id, notes=s.notes,
        )  # fmt: skip
        for s in session.scalars(query)
    ]


def _health_events(session: Session, animal_id: int, first: date, last: date) -> list[TimelineHealthEvent]:
    start, end = _bounds(first, last)
    query = (
        select(HealthEvent)
        .where(HealthEvent.animal_id == animal_id)
        .where(HealthEvent.occurred_at >= start, HealthEvent.occurred_at < end)
        .order_by(HealthEvent.occurred_at)
    )
    return [TimelineHealthEvent.model_validate(e) for e in session.scalars(query)]


def _alerts(session: Session, animal_id: int, first: date, last: date) -> list[TimelineAlert]:
    query = (
        select(Alert)
        .where(Alert.animal_id == animal_id, Alert.day >= first, Alert.day <= last)
        .order_by(Alert.day)
    )
    return [TimelineAlert.model_validate(a) for a in session.scalars(query)]


def animal_timeline(session: Session, animal_id: int, first: date, last: date) -> Timeline:
    """Everything the pig page needs for UTC days ``first..last`` (inclusive), in seven bounded queries.

    Raises:
        NotFoundError: no such animal (404).
    """
    animal = require_animal(session, animal_id)
    days = _summary_days(session, animal_id, first, last)
    _add_identity(session, days, animal_id, first, last)
    weights, growth = _growth(session, animal, first, last)
    return Timeline(
        animal=AnimalRead.model_validate(animal), from_day=first, to_day=last,
        days=[days[d] for d in sorted(days)], weights=weights, growth=growth,
        lameness=_lameness(session, animal_id, first, last),
        health_events=_health_events(session, animal_id, first, last),
        alerts=_alerts(session, animal_id, first, last),
    )  # fmt: skip
