"""Queries on animals (no commits)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.animals.models import Animal


def get_animal(session: Session, animal_id: int) -> Animal | None:
    """The animal with ``animal_id``, or None."""
    return session.get(Animal, animal_id)


def get_animal_by_ear_tag(session: Session, ear_tag: str) -> Animal | None:
    """The animal carrying ``ear_tag``, or None."""
    return session.scalar(select(Animal).where(Animal.ear_tag == ear_tag))


def list_animals(
    session: Session, *, pen_id: int | None = None, status: str | None = None, include_merged: bool = False
) -> Sequence[Animal]:
    """Animals, optionally of one pen and/or one status, by id; merged identities hidden by default."""
    query = select(Animal).order_by(Animal.id)
    if pen_id is not None:
        query = query.where(Animal.pen_id == pen_id)
    if status is not None:
        query = query.where(Animal.status == status)
    if not include_merged:
        query = query.where(Animal.merged_into_id.is_(None))
    return session.scalars(query).all()
