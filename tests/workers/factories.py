"""Rows and files for worker tests: a farm, a pen with a feeder zone, a recording and its chunks."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from app.farms.models import Farm, Pen, Zone
from app.media.models import Chunk, Recording
from app.media.service import register_recording
from models.pipeline.decode import probe_video
from tests.workers.videos import write_video

_numbers = itertools.count(1)
T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def make_pen(session: Session) -> Pen:
    """A new farm and pen with a ``feeder`` zone over the left half of the frame."""
    n = next(_numbers)
    farm = Farm(name=f"worker farm {n}")
    session.add(farm)
    session.flush()
    pen = Pen(farm_id=farm.id, name=f"pen {n}")
    session.add(pen)
    session.flush()
    session.add(
        Zone(pen_id=pen.id, kind="feeder", name="feeder", polygon=[[0, 0], [0.5, 0], [0.5, 1], [0, 1]])
    )
    session.flush()
    return pen


def make_recording(
    session: Session, media_dir: Path, *, seconds: float, chunk_seconds: float, fps: int = 10
) -> tuple[Recording, list[Chunk]]:
    """Write a synthetic video into ``media_dir`` and register it (pen, recording, chunks); flushes only."""
    pen = make_pen(session)
    relative = f"tests/{next(_numbers)}.mp4"
    path = write_video(media_dir / relative, seconds=seconds, fps=fps)
    recording = register_recording(
        session, pen_id=pen.id, camera_id=None, source="upload", media_path=relative, info=probe_video(path),
        chunk_seconds=chunk_seconds, started_at=T0,
    )  # fmt: skip
    chunks = sorted(
        (c for c in session.query(Chunk).filter_by(recording_id=recording.id)), key=lambda c: c.index
    )
    return recording, chunks
