"""Rules of recordings: registering a probed video with its chunks, progress, status and reprocessing.

Services only flush; the caller commits, and sends the chunk tasks only after the commit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from app.cameras.models import Camera
from app.errors import AppError, ConflictError, NotFoundError
from app.farms.service import require_pen
from app.media import repository
from app.media.models import Chunk, Recording
from models.pipeline.decode import VideoInfo, VideoProbeError


class UnsupportedMediaError(AppError):
    """Not a video, or a video codec this build cannot decode (415)."""

    status_code = 415
    code = "unsupported_media_type"


class InvalidVideoError(AppError):
    """A video file that is corrupt or has no video stream (422)."""

    status_code = 422
    code = "invalid_video"


def probe_error_to_app_error(error: VideoProbeError) -> AppError:
    """The HTTP error for a failed probe: 415 for non-video or unsupported codec, else 422."""
    details = {"reason": error.kind}
    if error.kind in ("not_video", "unsupported_codec"):
        return UnsupportedMediaError(str(error), details=details)
    return InvalidVideoError(str(error), details=details)


def split_into_chunks(duration_s: float, chunk_seconds: float) -> list[tuple[float, float]]:
    """Cut ``[0, duration_s)`` into consecutive spans of ``chunk_seconds`` (the last one may be shorter).

    Args:
        duration_s: video duration, seconds (> 0).
        chunk_seconds: chunk length, seconds (> 0).

    Returns:
        ``[(start_s, end_s), ...]``; empty when ``duration_s <= 0``.
    """
    if chunk_seconds <= 0:
        raise ValueError(f"chunk_seconds must be > 0, got {chunk_seconds}")
    if duration_s <= 0:
        return []
    n = max(1, math.ceil(duration_s / chunk_seconds - 1e-9))
    return [(i * chunk_seconds, min(duration_s, (i + 1) * chunk_seconds)) for i in range(n)]


def _check_camera(session: Session, camera_id: int | None, pen_id: int) -> None:
    if camera_id is None:
        return
    camera = session.get(Camera, camera_id)
    if camera is None:
        raise NotFoundError.for_id("camera", camera_id)
    if camera.pen_id != pen_id:
        raise AppError(f"camera {camera_id} watches pen {camera.pen_id}, not pen {pen_id}")


def register_recording(
    session: Session,
    *,
    pen_id: int,
    camera_id: int | None,
    source: str,
    media_path: str,
    info: VideoInfo,
    chunk_seconds: float,
    size_bytes: int | None = None,
    started_at: datetime | None = None,
    original_filename: str | None = None,
    created_by_id: int | None = None,
) -> Recording:
    """Add a recording of an already probed video and its chunks (status ``queued``); flushes only.

    Args:
        media_path: file path relative to the media directory.
        info: what `probe_video` found.
        chunk_seconds: chunk length, seconds.
        started_at: wall clock of frame 0 (default: now, UTC).

    Raises:
        NotFoundError: unknown pen or camera. AppError: camera of another pen.
    """
    require_pen(session, pen_id)
    _check_camera(session, camera_id, pen_id)
    duration_s = max(info.duration_s, info.n_frames / info.fps if info.fps > 0 else 0.0)
    spans = split_into_chunks(duration_s, chunk_seconds)
    if not spans:
        raise InvalidVideoError("the video has no duration", details={"reason": "empty"})
    recording = Recording(
        pen_id=pen_id, camera_id=camera_id, source=source, media_path=media_path,
        original_filename=original_filename, size_bytes=size_bytes, container=info.container,
        codec=info.codec, width=info.width, height=info.height, fps=info.fps, duration_s=duration_s,
        n_frames=info.n_frames, started_at=started_at or datetime.now(UTC), status="queued",
        created_by_id=created_by_id,
    )  # fmt: skip
    session.add(recording)
    session.flush()
    for index, (start_s, end_s) in enumerate(spans):
        chunk = Chunk(recording_id=recording.id, index=index, start_s=start_s, end_s=end_s)
        chunk.status, chunk.attempts, chunk.progress = "queued", 0, 0.0
        session.add(chunk)
    session.flush()
    return recording


def require_recording(session: Session, recording_id: int) -> Recording:
    """The recording or `NotFoundError` (404)."""
    recording = repository.get_recording(session, recording_id)
    if recording is None:
        raise NotFoundError.for_id("recording", recording_id)
    return recording


def overall_progress(chunks: Sequence[Chunk]) -> float:
    """Mean progress over ``chunks`` in [0, 1] (a done chunk counts 1); 0 when there are none."""
    if not chunks:
        return 0.0
    return sum(1.0 if c.status == "done" else float(c.progress or 0.0) for c in chunks) / len(chunks)


def status_from_chunks(chunks: Sequence[Chunk]) -> str:
    """A recording's status from its chunks: failed > processing > done > queued."""
    statuses = {c.status for c in chunks}
    if "failed" in statuses:
        return "failed"
    if "running" in statuses or ("done" in statuses and "queued" in statuses):
        return "processing"
    if statuses == {"done"}:
        return "done"
    return "queued"


def refresh_recording_status(session: Session, recording_id: int) -> Recording:
    """Set the recording's ``status`` (and ``error``) from its chunks; flushes only."""
    recording = require_recording(session, recording_id)
    chunks = repository.chunks_of(session, [recording_id])[recording_id]
    recording.status = status_from_chunks(chunks)
    failed = [c for c in chunks if c.status == "failed"]
    recording.error = f"chunk {failed[0].index}: {failed[0].error}" if failed else None
    session.flush()
    return recording


def reset_for_reprocessing(session: Session, recording_id: int) -> list[int]:
    """Put every chunk of a recording back to ``queued`` (results are replaced when each chunk reruns).

    Returns:
        The chunk ids to send, in index order.

    Raises:
        NotFoundError: unknown recording. ConflictError: a chunk is running (409).
    """
    recording = require_recording(session, recording_id)
    chunks = repository.chunks_of(session, [recording_id])[recording_id]
    if any(c.status == "running" for c in chunks):
        raise ConflictError(f"recording {recording_id} is being processed; wait for its running chunks")
    for chunk in chunks:
        chunk.status, chunk.progress, chunk.error = "queued", 0.0, None
        chunk.started_at = chunk.finished_at = None
    recording.status, recording.error = "queued", None
    session.flush()
    return [c.id for c in chunks]
