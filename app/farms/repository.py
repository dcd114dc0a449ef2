"""Queries on farms, pens and zones (no commits)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.farms.models import Farm, Pen


def get_farm(session: Session, farm_id: int) -> Farm | None:
    """The farm with ``farm_id``, or None."""
    return session.get(Farm, farm_id)


def list_farms(session: Session) -> Sequence[Farm]:
    """Every farm, by id."""
    return session.scalars(select(Farm).order_by(Farm.id)).all()


def get_pen(session: Session, pen_id: int) -> Pen | None:
    """The pen with ``pen_id`` (zones loaded), or None."""
    return session.get(Pen, pen_id, options=[selectinload(Pen.zones)])


def list_pens(session: Session, *, farm_id: int | None = None) -> Sequence[Pen]:
    """Pens (of ``farm_id`` when given) with their zones, by id."""
    query = select(Pen).options(selectinload(Pen.zones)).order_by(Pen.id)
    if farm_id is not None:
        query = query.where(Pen.farm_id == farm_id)
    return session.scalars(query).all()
