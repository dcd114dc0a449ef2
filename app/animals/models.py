"""Animals: one row per individual pig, with its ICAR health status."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.columns import created_at_column, one_of
from app.db import Base

ANIMAL_STATUSES: tuple[str, ...] = ("healthy", "suspicious", "ill", "in_treatment", "to_be_culled")
"""Health status vocabulary (ICAR ADE)."""

SEXES: tuple[str, ...] = ("female", "male", "castrated_male", "unknown")


class Animal(Base):
    """A pig; ``merged_into_id`` points at the animal this identity was merged into (else null)."""

    __tablename__ = "animals"
    __table_args__ = (one_of("status", ANIMAL_STATUSES), one_of("sex", SEXES))

    id: Mapped[int] = mapped_column(primary_key=True)
    pen_id: Mapped[int | None] = mapped_column(ForeignKey("pens.id", ondelete="SET NULL"), index=True)
    ear_tag: Mapped[str | None] = mapped_column(String(100), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    sex: Mapped[str] = mapped_column(String(20), server_default="unknown")
    birth_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), server_default="healthy")
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("animals.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()
