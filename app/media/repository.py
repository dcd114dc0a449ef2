"""Queries on recordings and chunks (services and workers call these; nothing here commits)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.media.models import Chunk, Recording


def get_recording(session: Session, recording_id: int) -> Recording | None:
    """The recording with ``recording_id``, or None."""
    return session.get(Recording, recording_id)


def list_recordings(
    session: Session, *, pen_id: int | None = None, limit: int = 100, offset: int = 0
) -> Sequence[Recording]:
    """Recordings, newest first, optionally of one pen."""
    query = select(Recording).order_by(Recording.id.desc()).limit(limit).offset(offset)
    if pen_id is not None:
        query = query.where(Recording.pen_id == pen_id)
    return session.scalars(query).all()


def chunks_of(session: Session, recording_ids: Sequence[int]) -> dict[int, list[Chunk]]:
    """``{recording_id: [chunks in index order]}`` for ``recording_ids`` (empty lists included)."""
    result: dict[int, list[Chunk]] = {rid: [] for rid in recording_ids}
    if not recording_ids:
        return result
    query = select(Chunk).where(Chunk.recording_id.in_(recording_ids))
    query = query.order_by(Chunk.recording_id, Chunk.index)
    for chunk in session.scalars(query):
        result[chunk.recording_id].append(chunk)
    return result


def get_chunk(session: Session, chunk_id: int, *, for_update: bool = False) -> Chunk | None:
    """The chunk with ``chunk_id`` (row-locked when ``for_update``), or None."""
    query = select(Chunk).where(Chunk.id == chunk_id)
    if for_update:
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def list_chunks(
    session: Session, *, statuses: Sequence[str] | None = None, limit: int = 200
) -> Sequence[Chunk]:
    """Chunks (oldest recording first), optionally only those whose status is in ``statuses``."""
    query = select(Chunk).order_by(Chunk.recording_id, Chunk.index).limit(limit)
    if statuses:
        query = query.where(Chunk.status.in_(statuses))
    return session.scalars(query).all()


def chunk_status_counts(session: Session, recording_id: int | None = None) -> dict[str, int]:
    """``{status: number of chunks}``, of one recording or of all."""
    query = select(Chunk.status, func.count()).group_by(Chunk.status)
    if recording_id is not None:
        query = query.where(Chunk.recording_id == recording_id)
    return {status: int(n) for status, n in session.execute(query).all()}


def stale_running_chunks(session: Session, *, started_before: datetime) -> Sequence[Chunk]:
    """Chunks still ``running`` that started before ``started_before`` (row-locked, skipping locked rows)."""
    query = select(Chunk).where(Chunk.status == "running", Chunk.started_at < started_before)
    return session.scalars(query.order_by(Chunk.id).with_for_update(skip_locked=True)).all()
