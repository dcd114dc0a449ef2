"""Read-only queries behind the pages: pens overview, a pig's timeline data, open alerts, thumbnails.

Every timeline query is bounded by a day range ``[start, end]`` (inclusive UTC calendar days) so a pig with
years of data still loads fast.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.animals.models import Animal
from app.cameras.models import Camera
from app.farms.models import Farm, Pen
from app.health.models import HealthEvent, LamenessScore, Weight
from app.media.models import Chunk, Recording
from app.summaries.models import Alert, DailySummary
from app.tracking.models import BehaviourBout, Track
from app.tracking.thumbnails import (  # noqa: F401  (the pages' thumbnail queries live with the model)
    recent_thumbnails,
    review_images,
)


def day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """UTC datetimes ``[start 00:00, end+1 00:00)`` covering the inclusive day range."""
    return datetime.combine(start, time(), UTC), datetime.combine(end + timedelta(days=1), time(), UTC)


@dataclass
class PenOverview:
    """One pen on the overview: its animals, today's summaries, open alerts, cameras and queue."""

    pen: Pen
    farm_name: str
    animals: list[Animal] = field(default_factory=list)
    today: dict[int, DailySummary] = field(default_factory=dict)
    open_alerts: list[Alert] = field(default_factory=list)
    cameras: list[Camera] = field(default_factory=list)
    queue: list[RecordingProgress] = field(default_factory=list)


@dataclass
class RecordingProgress:
    """A recording still being processed: chunk counts and mean chunk progress in [0, 1]."""

    recording: Recording
    chunks_done: int
    chunks_total: int
    progress: float


def pens_overview(session: Session, today: date) -> list[PenOverview]:
    """Every pen with its live animals, today's summaries, open alerts, cameras and unfinished recordings."""
    rows = session.execute(select(Pen, Farm.name).join(Farm).order_by(Farm.name, Pen.name)).all()
    pens = {pen.id: PenOverview(pen=pen, farm_name=name) for pen, name in rows}
    animals = session.scalars(
        select(Animal).where(Animal.merged_into_id.is_(None), Animal.pen_id.in_(pens)).order_by(Animal.id)
    )
    pen_of: dict[int, int] = {}
    for animal in animals:
        pens[animal.pen_id or 0].animals.append(animal)
        pen_of[animal.id] = animal.pen_id or 0
    summaries = session.scalars(
        select(DailySummary).where(DailySummary.day == today, DailySummary.animal_id.in_(pen_of))
    )
    for summary in summaries:
        pens[pen_of[summary.animal_id]].today[summary.animal_id] = summary
    alerts = session.scalars(
        select(Alert).where(Alert.status == "open", Alert.animal_id.in_(pen_of)).order_by(Alert.day.desc())
    )
    for alert in alerts:
        pens[pen_of[alert.animal_id]].open_alerts.append(alert)
    for camera in session.scalars(select(Camera).where(Camera.pen_id.in_(pens)).order_by(Camera.name)):
        pens[camera.pen_id].cameras.append(camera)
    for progress in processing_queue(session, list(pens)):
        pens[progress.recording.pen_id].queue.append(progress)
    return list(pens.values())


def processing_queue(session: Session, pen_ids: Sequence[int], *, limit: int = 50) -> list[RecordingProgress]:
    """Recordings of ``pen_ids`` not yet done or failed, oldest first, with their chunk progress."""
    done = func.count(Chunk.id).filter(Chunk.status == "done")
    query = (
        select(Recording, done, func.count(Chunk.id), func.coalesce(func.avg(Chunk.progress), 0.0))
        .outerjoin(Chunk, Chunk.recording_id == Recording.id)
        .where(Recording.pen_id.in_(pen_ids), Recording.status.in_(("pending", "queued", "processing")))
        .group_by(Recording.id)
        .order_by(Recording.started_at)
        .limit(limit)
    )
    return [RecordingProgress(rec, int(d), int(n), float(p)) for rec, d, n, p in session.execute(query)]


SUMMARY_COLUMNS = (
    DailySummary.animal_id,
    DailySummary.day,
    DailySummary.behaviour_seconds,
    DailySummary.observed_s,
    DailySummary.feeder_visits,
    DailySummary.feeder_dwell_s,
    DailySummary.drinker_visits,
    DailySummary.drinker_dwell_s,
    DailySummary.activity_index,
)


def daily_summaries(session: Session, animal_ids: Sequence[int], start: date, end: date) -> list[Any]:
    """Summaries of ``animal_ids`` for days in ``[start, end]``, by day, as light rows (not ORM objects)
    with the attributes of `DailySummary` named in `SUMMARY_COLUMNS`."""
    query = select(*SUMMARY_COLUMNS).where(
        DailySummary.animal_id.in_(animal_ids), DailySummary.day >= start, DailySummary.day <= end
    )
    return list(session.execute(query.order_by(DailySummary.day)))


def behaviour_seconds_from_bouts(
    session: Session, animal_id: int, start: date, end: date
) -> dict[date, dict[str, float]]:
    """Seconds per behaviour per UTC day, summed from raw bouts (used for days without a summary)."""
    since, until = day_bounds(start, end)
    day = func.date(func.timezone("UTC", BehaviourBout.start_at))
    seconds = func.sum(func.extract("epoch", BehaviourBout.end_at - BehaviourBout.start_at))
    query = (
        select(day, BehaviourBout.label, seconds)
        .where(
            BehaviourBout.animal_id == animal_id,
            BehaviourBout.start_at >= since,
            BehaviourBout.start_at < until,
        )
        .group_by(day, BehaviourBout.label)
    )
    result: dict[date, dict[str, float]] = defaultdict(dict)
    for bout_day, label, total in session.execute(query):
        result[bout_day][label] = float(total)
    return dict(result)


def identity_confidence_by_day(
    session: Session, animal_id: int, start: date, end: date
) -> list[tuple[date, float, int]]:
    """``(day, mean assignment confidence, number of tracks)`` of the animal's tracks per UTC day."""
    since, until = day_bounds(start, end)
    day = func.date(func.timezone("UTC", Track.start_at))
    query = (
        select(day, func.avg(Track.assignment_confidence), func.count(Track.id))
        .where(Track.animal_id == animal_id, Track.start_at >= since, Track.start_at < until)
        .where(Track.assignment_confidence.is_not(None))
        .group_by(day)
        .order_by(day)
    )
    return [(d, float(c), int(n)) for d, c, n in session.execute(query)]


def pen_mean_weights(session: Session, pen_id: int, start: date, end: date) -> list[tuple[date, float, int]]:
    """``(day, mean kg, number weighed)`` over the pen's live animals per weighing day."""
    since, until = day_bounds(start, end)
    day = func.date(func.timezone("UTC", Weight.weighed_at))
    query = (
        select(day, func.avg(Weight.kg), func.count(Weight.id))
        .join(Animal, Animal.id == Weight.animal_id)
        .where(Animal.pen_id == pen_id, Animal.merged_into_id.is_(None))
        .where(Weight.weighed_at >= since, Weight.weighed_at < until)
        .group_by(day)
        .order_by(day)
    )
    return [(d, float(kg), int(n)) for d, kg, n in session.execute(query)]


def health_rows(session: Session, animal_id: int, start: date, end: date) -> tuple[list, list, list]:
    """(health events, lameness scores, weights) of the animal inside the day range, oldest first.

    Treatments whose withdrawal period overlaps the range are included even when given before it.
    """
    since, until = day_bounds(start, end)
    events = select(HealthEvent).where(HealthEvent.animal_id == animal_id, HealthEvent.occurred_at < until)
    events = events.where((HealthEvent.occurred_at >= since) | (HealthEvent.withdrawal_end >= start))
    scores = select(LamenessScore).where(
        LamenessScore.animal_id == animal_id,
        LamenessScore.scored_at >= since,
        LamenessScore.scored_at < until,
    )
    weights = select(Weight).where(
        Weight.animal_id == animal_id, Weight.weighed_at >= since, Weight.weighed_at < until
    )
    return (
        list(session.scalars(events.order_by(HealthEvent.occurred_at))),
        list(session.scalars(scores.order_by(LamenessScore.scored_at))),
        list(session.scalars(weights.order_by(Weight.weighed_at))),
    )


def animal_open_alerts(session: Session, animal_id: int) -> list[Alert]:
    """The animal's open alerts, newest day first."""
    query = select(Alert).where(Alert.animal_id == animal_id, Alert.status == "open")
    return list(session.scalars(query.order_by(Alert.day.desc())))


def open_alerts(session: Session, *, limit: int = 200) -> list[tuple[Alert, Animal]]:
    """Open alerts with their animal, newest day first."""
    query = select(Alert, Animal).join(Animal, Animal.id == Alert.animal_id).where(Alert.status == "open")
    return [(a, b) for a, b in session.execute(query.order_by(Alert.day.desc(), Alert.id).limit(limit))]


def latest_data_day(session: Session, animal_id: int) -> date | None:
    """The last UTC day with a summary, behaviour bout or health record of the animal (None when none)."""
    times = [
        session.scalar(select(func.max(column)).where(model.animal_id == animal_id))
        for model, column in (
            (BehaviourBout, BehaviourBout.start_at),
            (HealthEvent, HealthEvent.occurred_at),
            (LamenessScore, LamenessScore.scored_at),
            (Weight, Weight.weighed_at),
        )
    ]
    days = [t.astimezone(UTC).date() for t in times if t is not None]
    summary_day = session.scalar(
        select(func.max(DailySummary.day)).where(DailySummary.animal_id == animal_id)
    )
    days += [summary_day] if summary_day is not None else []
    return max(days) if days else None


def first_summary_day(session: Session, animal_id: int) -> date | None:
    """The first day with a daily summary of the animal (None when it has none)."""
    return session.scalar(select(func.min(DailySummary.day)).where(DailySummary.animal_id == animal_id))
