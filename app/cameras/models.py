"""Cameras over pens and the gaps in their streams."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column

from app.columns import TZ, created_at_column, one_of
from app.db import Base

CAMERA_STATUSES: tuple[str, ...] = ("idle", "connecting", "recording", "reconnecting", "error", "disabled")


class Camera(Base):
    """A camera watching one pen; ``stream_url`` is an RTSP/HTTP URL or a file path."""

    __tablename__ = "cameras"
    __table_args__ = (UniqueConstraint("pen_id", "name"), one_of("status", CAMERA_STATUSES))

    id: Mapped[int] = mapped_column(primary_key=True)
    pen_id: Mapped[int] = mapped_column(ForeignKey("pens.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    stream_url: Mapped[str] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean, server_default=true())
    status: Mapped[str] = mapped_column(String(20), server_default="idle")
    last_seen_at: Mapped[datetime | None] = mapped_column(TZ)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()


class StreamGap(Base):
    """A span in which a camera's stream delivered no video (``ended_at`` null while ongoing)."""

    __tablename__ = "stream_gaps"

    id: Mapped[int] = mapped_column(primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(TZ)
    ended_at: Mapped[datetime | None] = mapped_column(TZ)
    reason: Mapped[str | None] = mapped_column(Text)
