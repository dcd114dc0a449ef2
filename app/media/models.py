"""Recordings (uploaded, streamed or simulated video) and the chunks they are processed in."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.columns import TZ, created_at_column, one_of
from app.db import Base

RECORDING_SOURCES: tuple[str, ...] = ("upload", "stream", "sim")
RECORDING_STATUSES: tuple[str, ...] = ("pending", "queued", "processing", "done", "failed")
CHUNK_STATUSES: tuple[str, ...] = ("queued", "running", "done", "failed")


class Recording(Base):
    """A video file of one pen; ``started_at`` is the wall clock of frame 0 (timestamptz).

    ``media_path`` is relative to the media directory; sizes in bytes, ``duration_s`` in seconds.
    """

    __tablename__ = "recordings"
    __table_args__ = (
        one_of("source", RECORDING_SOURCES),
        one_of("status", RECORDING_STATUSES),
        CheckConstraint("size_bytes IS NULL OR size_bytes >= 0", name="size_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pen_id: Mapped[int] = mapped_column(ForeignKey("pens.id", ondelete="RESTRICT"), index=True)
    camera_id: Mapped[int | None] = mapped_column(ForeignKey("cameras.id", ondelete="SET NULL"), index=True)
    source: Mapped[str] = mapped_column(String(20))
    media_path: Mapped[str] = mapped_column(Text)
    original_filename: Mapped[str | None] = mapped_column(Text)
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    container: Mapped[str | None] = mapped_column(String(50))
    codec: Mapped[str | None] = mapped_column(String(50))
    width: Mapped[int | None]
    height: Mapped[int | None]
    fps: Mapped[float | None] = mapped_column(Float)
    duration_s: Mapped[float | None] = mapped_column(Float)
    n_frames: Mapped[int | None]
    started_at: Mapped[datetime] = mapped_column(TZ)
    status: Mapped[str] = mapped_column(String(20), server_default="pending")
    error: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()


class Chunk(Base):
    """A time slice ``[start_s, end_s)`` (seconds from frame 0) of a recording, one Celery task each."""

    __tablename__ = "chunks"
    __table_args__ = (
        UniqueConstraint("recording_id", "index"),
        one_of("status", CHUNK_STATUSES),
        CheckConstraint("progress >= 0 AND progress <= 1", name="progress_unit"),
        CheckConstraint("attempts >= 0", name="attempts_non_negative"),
        CheckConstraint("end_s >= start_s", name="span_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recording_id: Mapped[int] = mapped_column(ForeignKey("recordings.id", ondelete="CASCADE"), index=True)
    index: Mapped[int]
    start_s: Mapped[float] = mapped_column(Float)
    end_s: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(20), server_default="queued")
    attempts: Mapped[int] = mapped_column(server_default="0")
    progress: Mapped[float] = mapped_column(Float, server_default="0")
    error: Mapped[str | None] = mapped_column(Text)
    task_id: Mapped[str | None] = mapped_column(String(255))
    started_at: Mapped[datetime | None] = mapped_column(TZ)
    finished_at: Mapped[datetime | None] = mapped_column(TZ)
