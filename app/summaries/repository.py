"""Queries behind daily summaries: the chunk's rows, bouts and visits over days, summary upserts and reads."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, delete, func, select, text, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from app.animals.models import Animal
from app.farms.models import Zone
from app.summaries.compute import Span, day_start
from app.summaries.models import DailySummary
from app.tracking.models import BehaviourBout, ZoneVisit

AnySelect = Select[*tuple[Any, ...]]
"""A SELECT of any row shape."""


SUMMARY_LOCK_NAMESPACE = 0x5057_5355  # "PWSU"
"""First key of the transaction-level advisory locks that serialise summary work per pen."""


def lock_pens_of(session: Session, animal_ids: Sequence[int]) -> None:
    """Hold, until the transaction ends, the summary lock of each pen of ``animal_ids`` (taken in pen order).

    Summary recomputes and the alert evaluation that follows them rewrite a pen's daily rows and alerts; two
    transactions doing that at once (two workers' summaries tasks, a task and a person's identity action, the
    demo's final recompute) could deadlock or open the same alert twice. With the lock they run one after the
    other.
    """
    pens = session.scalars(
        select(Animal.pen_id)
        .where(Animal.id.in_(list(animal_ids)))
        .distinct()
        .order_by(Animal.pen_id)
    ).all()
    for pen_id in pens:  # animals without a pen hold no pen's rows: nothing to lock
        if pen_id is None:
            continue
        session.execute(
            text("SELECT pg_advisory_xact_lock(:namespace, :pen)"),
            {"namespace": SUMMARY_LOCK_NAMESPACE, "pen": int(pen_id)},
        )


def chunk_spans(session: Session, chunk_id: int) -> list[tuple[int, datetime, datetime]]:
    """``(animal_id, start_at, end_at)`` of the chunk's bouts and zone visits that have an animal."""
    rows: list[tuple[int, datetime, datetime]] = []
    for model in (BehaviourBout, ZoneVisit):
        query = select(model.animal_id, model.start_at, model.end_at).where(
            model.chunk_id == chunk_id, model.animal_id.is_not(None)
        )
        rows.extend((int(a or 0), s, e) for a, s, e in session.execute(query))
    return rows


def _overlapping(model: Any, animal_ids: Sequence[int], first: date, last: date) -> Any:
    """SQL condition: rows of ``animal_ids`` overlapping UTC days ``first..last``."""
    return and_(
        model.animal_id.in_(animal_ids),
        model.start_at < day_start(last + timedelta(days=1)),
        model.end_at >= day_start(first),
    )


def bouts_between(session: Session, animal_ids: Sequence[int], first: date, last: date) -> list[Span]:
    """Behaviour bouts of ``animal_ids`` overlapping UTC days ``first..last`` (tag = behaviour)."""
    query = select(BehaviourBout.animal_id, BehaviourBout.label, BehaviourBout.start_at, BehaviourBout.end_at)
    query = query.where(_overlapping(BehaviourBout, animal_ids, first, last))
    return [Span(int(a or 0), label, s, e) for a, label, s, e in session.execute(query)]


def visits_between(session: Session, animal_ids: Sequence[int], first: date, last: date) -> list[Span]:
    """Zone visits of ``animal_ids`` overlapping UTC days ``first..last`` (tag = the zone's kind)."""
    query = (
        select(ZoneVisit.animal_id, Zone.kind, ZoneVisit.start_at, ZoneVisit.end_at)
        .join(Zone, Zone.id == ZoneVisit.zone_id)
        .where(_overlapping(ZoneVisit, animal_ids, first, last))
    )
    return [Span(int(a or 0), kind, s, e) for a, kind, s, e in session.execute(query)]


def upsert_summaries(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert or update daily summaries on ``(animal_id, day)``; ``rows`` hold DailySummary column values."""
    if not rows:
        return
    statement = insert(DailySummary).values(rows)
    updated: dict[str, Any] = {n: statement.excluded[n] for n in rows[0] if n not in ("animal_id", "day")}
    updated["updated_at"] = func.now()
    session.execute(statement.on_conflict_do_update(index_elements=["animal_id", "day"], set_=updated))


def delete_summaries(session: Session, keys: list[tuple[int, date]]) -> None:
    """Delete the summaries of the ``(animal_id, day)`` pairs in ``keys``."""
    if keys:
        condition = tuple_(DailySummary.animal_id, DailySummary.day).in_(keys)
        session.execute(delete(DailySummary).where(condition))


def summaries_query(
    *, animal_ids: AnySelect | Sequence[int], first: date | None, last: date | None
) -> AnySelect:
    """SELECT (DailySummary, ear tag) of ``animal_ids`` within ``first..last`` (either may be open)."""
    query = (
        select(DailySummary, Animal.ear_tag)
        .join(Animal, Animal.id == DailySummary.animal_id)
        .where(DailySummary.animal_id.in_(animal_ids))
    )
    if first is not None:
        query = query.where(DailySummary.day >= first)
    if last is not None:
        query = query.where(DailySummary.day <= last)
    return query


def page_of_summaries(
    session: Session, query: AnySelect, *, limit: int, offset: int
) -> tuple[list[tuple[DailySummary, str | None]], int]:
    """(rows ordered by day then animal, total count) of ``query`` for one page."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    ordered = query.order_by(DailySummary.day, DailySummary.animal_id).limit(limit).offset(offset)
    return [(row[0], row[1]) for row in session.execute(ordered)], int(total)


def filter_summaries(query: AnySelect, *, animal_id: int | None, min_observed_s: float) -> AnySelect:
    """``query`` narrowed to one animal (when given) and to days observed at least ``min_observed_s``."""
    if animal_id is not None:
        query = query.where(DailySummary.animal_id == animal_id)
    if min_observed_s > 0:
        query = query.where(DailySummary.observed_s >= min_observed_s)
    return query


def pen_animal_ids(pen_id: int) -> AnySelect:
    """SELECT of the ids of the animals currently in ``pen_id`` (merged identities left out)."""
    return select(Animal.id).where(Animal.pen_id == pen_id, Animal.merged_into_id.is_(None))
