"""Database access for health records (health events, lameness scores, weights); only ``flush``es."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.health.models import HealthEvent, LamenessScore, Weight

HealthRecord = HealthEvent | LamenessScore | Weight


@dataclass(frozen=True)
class RecordKind:
    """How one record table is handled: its model, time column, user column and readable name."""

    name: str
    model: type[HealthRecord]
    time_column: str
    user_column: str


HEALTH_EVENTS = RecordKind("health event", HealthEvent, "occurred_at", "recorded_by_id")
LAMENESS_SCORES = RecordKind("lameness score", LamenessScore, "scored_at", "scorer_id")
WEIGHTS = RecordKind("weight", Weight, "weighed_at", "recorded_by_id")


def get_record(session: Session, kind: RecordKind, record_id: int) -> HealthRecord | None:
    """The ``kind`` row with ``record_id``, or None."""
    return cast(HealthRecord | None, session.get(kind.model, record_id))


def list_records(
    session: Session,
    kind: RecordKind,
    animal_id: int,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 1000,
) -> Sequence[HealthRecord]:
    """An animal's ``kind`` rows in ``[since, until)``, oldest first, at most ``limit``."""
    time = getattr(kind.model, kind.time_column)
    query = select(kind.model).where(kind.model.animal_id == animal_id)
    if since is not None:
        query = query.where(time >= since)
    if until is not None:
        query = query.where(time < until)
    rows = session.scalars(query.order_by(time, kind.model.id).limit(limit)).all()
    return cast(Sequence[HealthRecord], rows)


def add_record(session: Session, row: HealthRecord) -> HealthRecord:
    """Insert ``row`` and flush (its id is set)."""
    session.add(row)
    session.flush()
    return row


def delete_record(session: Session, row: HealthRecord) -> None:
    """Delete ``row`` and flush."""
    session.delete(row)
    session.flush()
