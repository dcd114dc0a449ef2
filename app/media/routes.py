"""REST routes for recordings (upload, list, detail, reprocess) and the processing queue (jobs)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from app.config import Settings
from app.deps import ManagerUser, SessionDep, SettingsDep, ViewerUser
from app.media import repository, service
from app.media.models import Chunk, Recording
from app.media.queue import TaskSender, get_task_sender
from app.media.schemas import ChunkRead, JobsRead, RecordingDetail, RecordingRead
from app.media.storage import check_declared_length, new_media_path, save_stream
from models.pipeline.decode import VideoProbeError, probe_video

router = APIRouter(tags=["recordings"])
_logger = logging.getLogger(__name__)

TaskSenderDep = Annotated[TaskSender, Depends(get_task_sender)]


def recording_read(recording: Recording, chunks: list[Chunk]) -> RecordingRead:
    """The recording with its progress and chunk counts by status."""
    counts: dict[str, int] = {}
    for chunk in chunks:
        counts[chunk.status] = counts.get(chunk.status, 0) + 1
    return RecordingRead.model_validate(recording).model_copy(
        update={"progress": service.overall_progress(chunks), "chunk_counts": counts}
    )


def recording_detail(recording: Recording, chunks: list[Chunk]) -> RecordingDetail:
    """`recording_read` plus every chunk."""
    base = recording_read(recording, chunks)
    return RecordingDetail(**base.model_dump(), chunks=[ChunkRead.model_validate(c) for c in chunks])


def register_stored_upload(
    session: Session,
    settings: Settings,
    *,
    relative: str,
    size: int,
    pen_id: int,
    camera_id: int | None,
    started_at: datetime | None,
    filename: str | None,
    user_id: int,
) -> tuple[Recording, list[int]]:
    """Probe the stored file, add the recording and chunks, commit; the file is deleted on any failure."""
    absolute = settings.media_dir.resolve() / relative
    try:
        info = probe_video(absolute)
        recording = service.register_recording(
            session, pen_id=pen_id, camera_id=camera_id, source="upload", media_path=relative, info=info,
            chunk_seconds=settings.chunk_seconds, size_bytes=size, started_at=started_at,
            original_filename=filename, created_by_id=user_id,
        )  # fmt: skip
        chunk_ids = [c.id for c in repository.chunks_of(session, [recording.id])[recording.id]]
        session.commit()
    except VideoProbeError as exc:
        session.rollback()
        absolute.unlink(missing_ok=True)
        raise service.probe_error_to_app_error(exc) from exc
    except BaseException:
        session.rollback()
        absolute.unlink(missing_ok=True)
        raise
    return recording, chunk_ids


def send_after_commit(sender: TaskSender, chunk_ids: list[int]) -> None:
    """Queue the chunks; the rows are already committed, so a broker failure is logged, not raised (the
    chunks stay ``queued`` and ``POST /recordings/{id}/reprocess`` sends them again)."""
    try:
        sender.send_chunks(chunk_ids)
    except Exception:
        _logger.exception("could not queue chunks %s; they stay queued until reprocessed", chunk_ids)


@router.post("/recordings", status_code=status.HTTP_201_CREATED)
async def upload_recording(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: ManagerUser,
    sender: TaskSenderDep,
    pen_id: Annotated[int, Query(description="Pen the video shows.")],
    camera_id: Annotated[int | None, Query(description="Camera that filmed it, if known.")] = None,
    started_at: Annotated[datetime | None, Query(description="Wall clock of frame 0 (default now).")] = None,
    filename: Annotated[str | None, Query(description="Original file name (its suffix is kept).")] = None,
) -> RecordingDetail:
    """Upload a video file as the raw request body (streamed to disk, probed, split into chunks, queued)."""
    check_declared_length(request.headers.get("content-length"), max_bytes=settings.max_upload_bytes)
    relative, absolute = new_media_path(settings.media_dir, kind="uploads", filename=filename)
    size = await save_stream(request.stream(), absolute, max_bytes=settings.max_upload_bytes)
    recording, chunk_ids = await run_in_threadpool(
        register_stored_upload, session, settings, relative=relative, size=size, pen_id=pen_id,
        camera_id=camera_id, started_at=started_at, filename=filename, user_id=user.id,
    )  # fmt: skip
    send_after_commit(sender, chunk_ids)
    chunks = repository.chunks_of(session, [recording.id])[recording.id]
    return recording_detail(recording, chunks)


@router.get("/recordings")
def list_recordings(
    session: SessionDep,
    _: ViewerUser,
    pen_id: int | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[RecordingRead]:
    """Recordings, newest first, with progress and chunk counts."""
    recordings = repository.list_recordings(session, pen_id=pen_id, limit=limit, offset=offset)
    chunks = repository.chunks_of(session, [r.id for r in recordings])
    return [recording_read(r, chunks[r.id]) for r in recordings]


@router.get("/recordings/{recording_id}")
def get_recording(recording_id: int, session: SessionDep, _: ViewerUser) -> RecordingDetail:
    """One recording with every chunk's status and progress."""
    recording = service.require_recording(session, recording_id)
    chunks = repository.chunks_of(session, [recording_id])[recording_id]
    return recording_detail(recording, chunks)


@router.post("/recordings/{recording_id}/reprocess", status_code=status.HTTP_202_ACCEPTED)
def reprocess_recording(
    recording_id: int, session: SessionDep, _: ManagerUser, sender: TaskSenderDep
) -> RecordingDetail:
    """Queue every chunk of a recording again; each rerun replaces that chunk's results."""
    chunk_ids = service.reset_for_reprocessing(session, recording_id)
    session.commit()
    send_after_commit(sender, chunk_ids)
    return get_recording(recording_id, session, _)


@router.get("/jobs")
def list_jobs(
    session: SessionDep,
    _: ViewerUser,
    status_in: Annotated[list[str] | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> JobsRead:
    """The queue: chunk counts by status and chunks (filter with ``?status=queued&status=running``)."""
    chunks = repository.list_chunks(session, statuses=status_in, limit=limit)
    return JobsRead(
        counts=repository.chunk_status_counts(session), chunks=[ChunkRead.model_validate(c) for c in chunks]
    )
