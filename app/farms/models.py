"""Farms, pens and pen zones (feeder, drinker, lying area)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.columns import created_at_column, one_of
from app.db import Base

ZONE_KINDS: tuple[str, ...] = ("feeder", "drinker", "lying")


class Farm(Base):
    """A farm holding pens."""

    __tablename__ = "farms"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = created_at_column()


class Pen(Base):
    """A pen of a farm; ``capacity`` is the number of animals it is meant to hold."""

    __tablename__ = "pens"
    __table_args__ = (
        UniqueConstraint("farm_id", "name"),
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    farm_id: Mapped[int] = mapped_column(ForeignKey("farms.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    capacity: Mapped[int | None]
    created_at: Mapped[datetime] = created_at_column()

    zones: Mapped[list[Zone]] = relationship(
        back_populates="pen", cascade="all, delete-orphan", order_by="Zone.id"
    )


class Zone(Base):
    """A zone of a pen as seen by one camera.

    ``polygon`` is a JSON list of ``[x, y]`` points in normalised 0-1 frame coordinates of ``camera``
    (origin top-left); ``camera_id`` may be null when the pen has a single view.
    """

    __tablename__ = "zones"
    __table_args__ = (UniqueConstraint("pen_id", "name"), one_of("kind", ZONE_KINDS))

    id: Mapped[int] = mapped_column(primary_key=True)
    pen_id: Mapped[int] = mapped_column(ForeignKey("pens.id", ondelete="CASCADE"), index=True)
    camera_id: Mapped[int | None] = mapped_column(ForeignKey("cameras.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    polygon: Mapped[list[Any]] = mapped_column(JSONB)

    pen: Mapped[Pen] = relationship(back_populates="zones")
