"""Health records: events (diagnosis, treatment, observation), lameness scores and weights."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, Float, ForeignKey, SmallInteger, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from app.columns import TZ, created_at_column, one_of
from app.db import Base

HEALTH_EVENT_KINDS: tuple[str, ...] = ("diagnosis", "treatment", "observation")
LAMENESS_SCALES: tuple[int, ...] = (3, 5)


class HealthEvent(Base):
    """A diagnosis (condition, severity), treatment (product, dose, route, withdrawal end) or observation."""

    __tablename__ = "health_events"
    __table_args__ = (one_of("kind", HEALTH_EVENT_KINDS),)

    id: Mapped[int] = mapped_column(primary_key=True)
    animal_id: Mapped[int] = mapped_column(ForeignKey("animals.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    occurred_at: Mapped[datetime] = mapped_column(TZ)
    condition: Mapped[str | None] = mapped_column(String(200))
    severity: Mapped[str | None] = mapped_column(String(50))
    product: Mapped[str | None] = mapped_column(String(200))
    dose: Mapped[str | None] = mapped_column(String(100))
    route: Mapped[str | None] = mapped_column(String(100))
    withdrawal_end: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(TZ, server_default=func.now(), onupdate=func.now())


class LamenessScore(Base):
    """A locomotion score ``0..scale_max`` on a 0-3 or 0-5 scale, with who scored it and when."""

    __tablename__ = "lameness_scores"
    __table_args__ = (
        CheckConstraint("scale_max IN (3, 5)", name="scale_max_vocabulary"),
        CheckConstraint("score >= 0 AND score <= scale_max", name="score_in_scale"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    animal_id: Mapped[int] = mapped_column(ForeignKey("animals.id", ondelete="CASCADE"), index=True)
    scored_at: Mapped[datetime] = mapped_column(TZ)
    scale_max: Mapped[int] = mapped_column(SmallInteger)
    score: Mapped[int] = mapped_column(SmallInteger)
    scorer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()


class Weight(Base):
    """A weighing in kilograms (> 0)."""

    __tablename__ = "weights"
    __table_args__ = (CheckConstraint("kg > 0", name="kg_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    animal_id: Mapped[int] = mapped_column(ForeignKey("animals.id", ondelete="CASCADE"), index=True)
    weighed_at: Mapped[datetime] = mapped_column(TZ)
    kg: Mapped[float] = mapped_column(Float)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()
