"""Per-chunk results: tracks, behaviour bouts, zone visits, track thumbnails (a retried chunk replaces all
of its rows)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.columns import TZ, one_of
from app.db import Base
from models.pipeline.types import BEHAVIOURS

ASSIGNMENT_BANDS: tuple[str, ...] = ("assigned", "suggested", "unknown")


class Track(Base):
    """One tracker id within one chunk, with its (possibly suggested) animal assignment.

    ``assignment_confidence`` is in [0, 1]; ``candidate_animal_id`` is the suggestion shown to a person when
    the band is ``suggested``.
    """

    __tablename__ = "tracks"
    __table_args__ = (
        UniqueConstraint("chunk_id", "local_id"),
        Index("ix_tracks_animal_id_start_at", "animal_id", "start_at"),
        one_of("assignment_band", ASSIGNMENT_BANDS),
        CheckConstraint(
            "assignment_confidence IS NULL OR (assignment_confidence >= 0 AND assignment_confidence <= 1)",
            name="confidence_unit",
        ),
        CheckConstraint("end_at >= start_at", name="span_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chunk_id: Mapped[int] = mapped_column(ForeignKey("chunks.id", ondelete="CASCADE"), index=True)
    local_id: Mapped[int]
    animal_id: Mapped[int | None] = mapped_column(ForeignKey("animals.id", ondelete="SET NULL"), index=True)
    assignment_confidence: Mapped[float | None] = mapped_column(Float)
    assignment_band: Mapped[str] = mapped_column(String(20), server_default="unknown")
    candidate_animal_id: Mapped[int | None] = mapped_column(ForeignKey("animals.id", ondelete="SET NULL"))
    start_at: Mapped[datetime] = mapped_column(TZ)
    end_at: Mapped[datetime] = mapped_column(TZ)
    n_frames: Mapped[int] = mapped_column(server_default="0")


class BehaviourBout(Base):
    """A span ``[start_at, end_at)`` of one behaviour (one of `BEHAVIOURS`) of one track."""

    __tablename__ = "behaviour_bouts"
    __table_args__ = (
        one_of("label", BEHAVIOURS),
        CheckConstraint("probability >= 0 AND probability <= 1", name="probability_unit"),
        CheckConstraint("end_at >= start_at", name="span_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chunk_id: Mapped[int] = mapped_column(ForeignKey("chunks.id", ondelete="CASCADE"), index=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"), index=True)
    animal_id: Mapped[int | None] = mapped_column(ForeignKey("animals.id", ondelete="SET NULL"), index=True)
    label: Mapped[str] = mapped_column(String(20))
    start_at: Mapped[datetime] = mapped_column(TZ)
    end_at: Mapped[datetime] = mapped_column(TZ)
    probability: Mapped[float] = mapped_column(Float)


class ZoneVisit(Base):
    """A stay ``[start_at, end_at)`` of one track in one pen zone."""

    __tablename__ = "zone_visits"
    __table_args__ = (CheckConstraint("end_at >= start_at", name="span_ordered"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chunk_id: Mapped[int] = mapped_column(ForeignKey("chunks.id", ondelete="CASCADE"), index=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"), index=True)
    animal_id: Mapped[int | None] = mapped_column(ForeignKey("animals.id", ondelete="SET NULL"), index=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id", ondelete="CASCADE"), index=True)
    start_at: Mapped[datetime] = mapped_column(TZ)
    end_at: Mapped[datetime] = mapped_column(TZ)


class TrackThumbnail(Base):
    """A small JPEG of one track (the best view of the animal in a time window), stored in the media store.

    ``media_path`` is relative to the media directory (``thumbs/c<chunk id>/<batch>/...jpg``); ``xyxy`` is the
    track's box on the source frame in pixels of the analysed frame; ``score`` the detection confidence.
    A retried chunk replaces its rows and files (`workers.thumbnails`).
    """

    __tablename__ = "track_thumbnails"
    __table_args__ = (
        CheckConstraint("score >= 0 AND score <= 1", name="score_unit"),
        CheckConstraint("width > 0 AND height > 0", name="size_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chunk_id: Mapped[int] = mapped_column(ForeignKey("chunks.id", ondelete="CASCADE"), index=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"), index=True)
    captured_at: Mapped[datetime] = mapped_column(TZ)
    frame_index: Mapped[int]
    media_path: Mapped[str] = mapped_column(String(500), unique=True)
    width: Mapped[int]
    height: Mapped[int]
    size_bytes: Mapped[int]
    score: Mapped[float] = mapped_column(Float)
    xyxy: Mapped[list[float]] = mapped_column(JSONB)
