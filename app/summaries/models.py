"""Per-animal daily aggregates and the alerts derived from them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, Date, Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.columns import TZ, created_at_column, one_of
from app.db import Base

ALERT_KINDS: tuple[str, ...] = ("feeding", "drinking", "activity")
ALERT_STATUSES: tuple[str, ...] = ("open", "confirmed", "dismissed")


class DailySummary(Base):
    """One animal's day (UTC): seconds per behaviour, zone visits and dwell, activity index.

    ``behaviour_seconds`` maps each of the nine `BEHAVIOURS` to seconds; dwell times are seconds.
    """

    __tablename__ = "daily_summaries"
    __table_args__ = (
        UniqueConstraint("animal_id", "day"),
        CheckConstraint("observed_s >= 0", name="observed_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    animal_id: Mapped[int] = mapped_column(ForeignKey("animals.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date)
    behaviour_seconds: Mapped[dict[str, float]] = mapped_column(JSONB, server_default="{}")
    observed_s: Mapped[float] = mapped_column(Float, server_default="0")
    feeder_visits: Mapped[int] = mapped_column(server_default="0")
    feeder_dwell_s: Mapped[float] = mapped_column(Float, server_default="0")
    drinker_visits: Mapped[int] = mapped_column(server_default="0")
    drinker_dwell_s: Mapped[float] = mapped_column(Float, server_default="0")
    activity_index: Mapped[float | None] = mapped_column(Float)
    updated_at: Mapped[datetime] = created_at_column()


class Alert(Base):
    """A "needs attention" deviation from the animal's own baseline, for a person to confirm or dismiss."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("animal_id", "kind", "day"),
        one_of("kind", ALERT_KINDS),
        one_of("status", ALERT_STATUSES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    animal_id: Mapped[int] = mapped_column(ForeignKey("animals.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    day: Mapped[date] = mapped_column(Date)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    status: Mapped[str] = mapped_column(String(20), server_default="open")
    health_event_id: Mapped[int | None] = mapped_column(ForeignKey("health_events.id", ondelete="SET NULL"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(TZ)
    created_at: Mapped[datetime] = created_at_column()
