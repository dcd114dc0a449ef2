"""Queries behind alerts: animals' day records, pen-mates' records, alerts by episode and for listing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.alerts.detect import DayRecord
from app.animals.models import Animal
from app.summaries.models import Alert, DailySummary


def _record(summary: DailySummary) -> DayRecord:
    seconds = summary.behaviour_seconds or {}
    return DayRecord(
        day=summary.day,
        observed_s=summary.observed_s,
        eat_s=float(seconds.get("eat", 0.0)),
        drink_s=float(seconds.get("drink", 0.0)),
        feeder_dwell_s=summary.feeder_dwell_s,
        drinker_dwell_s=summary.drinker_dwell_s,
        activity_index=summary.activity_index,
    )


def day_records(
    session: Session, animal_ids: Sequence[int], first: date, last: date
) -> dict[int, dict[date, DayRecord]]:
    """``{animal_id: {day: DayRecord}}`` from the daily summaries of ``animal_ids`` in ``first..last``."""
    query = select(DailySummary).where(
        DailySummary.animal_id.in_(animal_ids), DailySummary.day >= first, DailySummary.day <= last
    )
    records: dict[int, dict[date, DayRecord]] = {}
    for summary in session.scalars(query):
        records.setdefault(summary.animal_id, {})[summary.day] = _record(summary)
    return records


def pen_mates(session: Session, animal_id: int) -> list[int]:
    """Ids of the other (unmerged) animals in ``animal_id``'s pen; empty when it has no pen."""
    pen_id = select(Animal.pen_id).where(Animal.id == animal_id).scalar_subquery()
    query = select(Animal.id).where(
        Animal.pen_id == pen_id, Animal.id != animal_id, Animal.merged_into_id.is_(None)
    )
    return list(session.scalars(query))


def latest_alert(session: Session, animal_id: int, kind: str, *, on_or_before: date) -> Alert | None:
    """The animal's most recent alert of ``kind`` starting on or before ``on_or_before``."""
    query = (
        select(Alert)
        .where(Alert.animal_id == animal_id, Alert.kind == kind, Alert.day <= on_or_before)
        .order_by(Alert.day.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def alerts_query(
    *, pen_id: int | None, animal_id: int | None, status: str | None, kind: str | None
) -> Select[*tuple[Any, ...]]:
    """SELECT (Alert, ear tag, pen id) filtered by pen, animal, status and kind (None: any)."""
    query = select(Alert, Animal.ear_tag, Animal.pen_id).join(Animal, Animal.id == Alert.animal_id)
    filters: list[Any] = []
    if pen_id is not None:
        filters.append(Animal.pen_id == pen_id)
    if animal_id is not None:
        filters.append(Alert.animal_id == animal_id)
    if status is not None:
        filters.append(Alert.status == status)
    if kind is not None:
        filters.append(Alert.kind == kind)
    return query.where(*filters)


def page_of_alerts(
    session: Session, query: Select[*tuple[Any, ...]], *, limit: int, offset: int
) -> tuple[list[tuple[Alert, str | None, int | None]], int]:
    """(rows newest day first, total count) of ``query`` for one page."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    ordered = query.order_by(Alert.day.desc(), Alert.id.desc()).limit(limit).offset(offset)
    return [(row[0], row[1], row[2]) for row in session.execute(ordered)], int(total)


def alert_with_animal(session: Session, alert_id: int) -> tuple[Alert, str | None, int | None] | None:
    """(Alert, ear tag, pen id) of ``alert_id``, or None."""
    query = alerts_query(pen_id=None, animal_id=None, status=None, kind=None).where(Alert.id == alert_id)
    row = session.execute(query).first()
    return None if row is None else (row[0], row[1], row[2])
