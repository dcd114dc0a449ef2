"""Rules of cameras: adding them, their live status, and the gaps in their streams. Flushes only."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cameras.models import CAMERA_STATUSES, Camera, StreamGap
from app.errors import NotFoundError
from app.farms.service import require_pen


def require_camera(session: Session, camera_id: int) -> Camera:
    """The camera or `NotFoundError` (404)."""
    camera = session.get(Camera, camera_id)
    if camera is None:
        raise NotFoundError.for_id("camera", camera_id)
    return camera


def create_camera(
    session: Session, *, pen_id: int, name: str, stream_url: str, enabled: bool = True
) -> Camera:
    """Add a camera over pen ``pen_id`` (404 for an unknown pen; 409 for a duplicate name in the pen)."""
    require_pen(session, pen_id)
    camera = Camera(pen_id=pen_id, name=name, stream_url=stream_url, enabled=enabled, status="idle")
    session.add(camera)
    session.flush()
    return camera


def list_cameras(session: Session, *, pen_id: int | None = None) -> Sequence[Camera]:
    """Cameras, optionally of one pen, by id."""
    query = select(Camera).order_by(Camera.id)
    if pen_id is not None:
        query = query.where(Camera.pen_id == pen_id)
    return session.scalars(query).all()


def gaps_of(session: Session, camera_id: int, *, limit: int = 100) -> Sequence[StreamGap]:
    """The camera's stream gaps, newest first."""
    query = select(StreamGap).where(StreamGap.camera_id == camera_id).order_by(StreamGap.started_at.desc())
    return session.scalars(query.limit(limit)).all()


def set_camera_state(
    session: Session,
    camera_id: int,
    *,
    status: str,
    error: str | None = None,
    seen_at: datetime | None = None,
) -> Camera:
    """Set a camera's ``status`` (one of `CAMERA_STATUSES`), ``last_error`` when given, ``last_seen_at``."""
    if status not in CAMERA_STATUSES:
        raise ValueError(f"unknown camera status {status!r}")
    camera = require_camera(session, camera_id)
    camera.status = status
    if error is not None:
        camera.last_error = error[:2000]
    if seen_at is not None:
        camera.last_seen_at = seen_at
    session.flush()
    return camera


def open_gap(session: Session, camera_id: int, *, started_at: datetime, reason: str) -> StreamGap:
    """Start a stream gap, unless one is already open (then that one is returned unchanged)."""
    query = select(StreamGap).where(StreamGap.camera_id == camera_id, StreamGap.ended_at.is_(None))
    gap = session.scalars(query).first()
    if gap is None:
        gap = StreamGap(camera_id=camera_id, started_at=started_at, reason=reason[:2000])
        session.add(gap)
        session.flush()
    return gap


def close_gaps(session: Session, camera_id: int, *, ended_at: datetime) -> int:
    """End every open gap of the camera at ``ended_at``; returns how many were closed."""
    query = select(StreamGap).where(StreamGap.camera_id == camera_id, StreamGap.ended_at.is_(None))
    gaps = session.scalars(query).all()
    for gap in gaps:
        gap.ended_at = max(ended_at, gap.started_at)
    session.flush()
    return len(gaps)
