"""The database side of the stream recorder: camera status, stream gaps, and each finished segment
registered as a recording with chunks (the same service as uploads), its chunk tasks sent after commit."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from app.cameras import service as cameras
from app.db import session_scope
from app.media import repository
from app.media.queue import TaskSender
from app.media.service import register_recording
from models.pipeline.decode import VideoProbeError, probe_video
from workers.recorder import Segment

_logger = logging.getLogger(__name__)


class DatabaseRecorderEvents:
    """`workers.recorder.RecorderEvents` that writes to the pigwatch database.

    Args:
        factory: session factory on the pigwatch database.
        camera_id: the camera being recorded.
        media_dir: root of the media store (segments must lie under it).
        chunk_seconds: chunk length for the segments' recordings, seconds.
        sender: queues the chunk tasks.
    """

    def __init__(
        self, factory: sessionmaker[Session], *, camera_id: int, media_dir: Path, chunk_seconds: float,
        sender: TaskSender,
    ) -> None:  # fmt: skip
        self.factory, self.camera_id, self.media_dir = factory, camera_id, media_dir.resolve()
        self.chunk_seconds, self.sender = chunk_seconds, sender
        self.recording_ids: list[int] = []

    def connected(self) -> None:
        """Camera ``recording``; any open gap ends now."""
        now = datetime.now(UTC)
        with session_scope(self.factory) as session:
            cameras.close_gaps(session, self.camera_id, ended_at=now)
            cameras.set_camera_state(session, self.camera_id, status="recording", seen_at=now)

    def dropped(self, reason: str, *, retry_in_s: float) -> None:
        """Camera ``reconnecting`` with ``last_error``; a gap opens now (unless one is open)."""
        with session_scope(self.factory) as session:
            cameras.open_gap(session, self.camera_id, started_at=datetime.now(UTC), reason=reason)
            message = f"{reason} (retrying in {retry_in_s:.0f} s)"
            cameras.set_camera_state(session, self.camera_id, status="reconnecting", error=message)

    def segment_finished(self, segment: Segment) -> None:
        """Probe the segment and register it as a ``stream`` recording; unusable segments are deleted."""
        try:
            info = probe_video(segment.path)
        except VideoProbeError as exc:
            _logger.warning("discarding unusable segment %s: %s", segment.path.name, exc)
            segment.path.unlink(missing_ok=True)
            return
        with session_scope(self.factory) as session:
            camera = cameras.require_camera(session, self.camera_id)
            recording = register_recording(
                session, pen_id=camera.pen_id, camera_id=camera.id, source="stream",
                media_path=segment.path.resolve().relative_to(self.media_dir).as_posix(), info=info,
                chunk_seconds=self.chunk_seconds, size_bytes=segment.path.stat().st_size,
                started_at=segment.started_at, original_filename=segment.path.name,
            )  # fmt: skip
            chunk_ids = [c.id for c in repository.chunks_of(session, [recording.id])[recording.id]]
        self.recording_ids.append(recording.id)
        self.sender.send_chunks(chunk_ids)

    def stopped(self) -> None:
        """Camera back to ``idle`` (the recorder exited)."""
        with session_scope(self.factory) as session:
            cameras.set_camera_state(session, self.camera_id, status="idle")


def camera_segment_dir(media_dir: Path, camera_id: int) -> Path:
    """Where a camera's segments go: ``<media_dir>/streams/camera-<id>``."""
    return media_dir.resolve() / "streams" / f"camera-{camera_id}"


class ReportingRecorderEvents(DatabaseRecorderEvents):
    """`DatabaseRecorderEvents` that also reports each event as a line of text (for the CLI)."""

    def __init__(self, *args: Any, report: Callable[[str], None], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.report = report

    def connected(self) -> None:
        super().connected()
        self.report("[green]connected[/]")

    def dropped(self, reason: str, *, retry_in_s: float) -> None:
        super().dropped(reason, retry_in_s=retry_in_s)
        self.report(f"[yellow]stream dropped[/] ({reason}); retrying in {retry_in_s:.1f} s")

    def segment_finished(self, segment: Segment) -> None:
        super().segment_finished(segment)
        self.report(f"segment {segment.path.name}: {segment.duration_s:.1f} s registered")
