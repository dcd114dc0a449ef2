"""Running one chunk: mark it running, decode its span, run the processor, store the result.

Three kinds of short transactions: one marks the chunk running (attempts + 1), throttled ones write progress,
and one final transaction replaces the chunk's result rows and marks it done. Nothing of a chunk's result is
visible until that last commit, so a worker that dies mid-chunk leaves the previous state intact. The tracks'
thumbnail JPEGs are written to a fresh folder before that transaction, deleted if it fails, and the files of
the thumbnails it replaced are deleted after it commits (`workers.thumbnails`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from app.db import session_scope
from app.farms.models import Zone
from app.media import repository
from app.media.models import Chunk, Recording
from app.media.service import refresh_recording_status
from models.pipeline.decode import iter_frames
from models.pipeline.processor import ChunkContext, ChunkProcessor
from models.pipeline.types import ChunkResult
from workers.errors import ChunkNotFoundError, MediaMissingError
from workers.results import IdentityAssigner, chunk_thumbnail_paths, replace_chunk_results
from workers.thumbnails import ThumbnailBatch, remove_replaced, write_batch

SessionFactory = sessionmaker[Session]


@dataclass(frozen=True)
class ChunkJob:
    """What a worker needs to process one chunk, read in the transaction that marks it running.

    Attributes:
        chunk_id, recording_id: row ids.
        video_path: absolute path of the recording's video file.
        context: recording facts, the chunk's span and the pen's zones.
        attempt: this attempt's number (1 for the first run).
    """

    chunk_id: int
    recording_id: int
    video_path: Path
    context: ChunkContext
    attempt: int


def _pen_zones(session: Session, pen_id: int) -> dict[str, np.ndarray]:
    """``{zone name: Nx2 float32 normalised polygon}`` of a pen."""
    zones = session.scalars(select(Zone).where(Zone.pen_id == pen_id))
    return {z.name: np.asarray(z.polygon, dtype=np.float32).reshape(-1, 2) for z in zones}


def clock_seconds(moment: datetime) -> float:
    """Seconds after midnight of ``moment`` in its own timezone (UTC for stored timestamps)."""
    midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return (moment - midnight).total_seconds()


def _context(session: Session, recording: Recording, chunk: Chunk) -> ChunkContext:
    first_frame_at = recording.started_at + timedelta(seconds=chunk.start_s)
    return ChunkContext(
        fps=float(recording.fps or 0.0), width=int(recording.width or 0), height=int(recording.height or 0),
        start_s=chunk.start_s, end_s=chunk.end_s, zones=_pen_zones(session, recording.pen_id),
        clock_start_s=clock_seconds(first_frame_at.astimezone(UTC)),
    )  # fmt: skip


def start_chunk(factory: SessionFactory, chunk_id: int, *, media_dir: Path, task_id: str | None) -> ChunkJob:
    """Mark the chunk running (attempts + 1, progress 0) in its own transaction and read its job.

    Raises:
        ChunkNotFoundError: no such chunk. MediaMissingError: the video file is gone.
    """
    with session_scope(factory) as session:
        chunk = repository.get_chunk(session, chunk_id, for_update=True)
        if chunk is None:
            raise ChunkNotFoundError(f"chunk {chunk_id} does not exist")
        recording = session.get_one(Recording, chunk.recording_id)
        chunk.status, chunk.attempts, chunk.progress, chunk.error = "running", chunk.attempts + 1, 0.0, None
        chunk.started_at, chunk.finished_at, chunk.task_id = datetime.now(UTC), None, task_id
        session.flush()
        refresh_recording_status(session, recording.id)
        job = ChunkJob(
            chunk_id=chunk.id, recording_id=recording.id,
            video_path=(media_dir / recording.media_path).resolve(),
            context=_context(session, recording, chunk), attempt=chunk.attempts,
        )  # fmt: skip
    if not job.video_path.is_file():
        name = job.video_path.name
        raise MediaMissingError(f"video file of recording {job.recording_id} is missing: {name}")
    return job


class ProgressWriter:
    """``on_progress`` callback writing the fraction done to the chunk row, at most every ``interval_s``."""

    def __init__(self, factory: SessionFactory, chunk_id: int, *, interval_s: float = 0.5) -> None:
        self._factory, self._chunk_id, self._interval_s = factory, chunk_id, interval_s
        self._last_write = float("-inf")

    def __call__(self, fraction: float) -> None:
        now = time.monotonic()
        if now - self._last_write < self._interval_s:
            return
        self._last_write = now
        value = float(min(1.0, max(0.0, fraction)))
        with session_scope(self._factory) as session:
            running = (Chunk.id == self._chunk_id) & (Chunk.status == "running")
            session.execute(update(Chunk).where(running).values(progress=value))


def finish_chunk(
    factory: SessionFactory,
    job: ChunkJob,
    result: ChunkResult,
    *,
    assign_identities: IdentityAssigner | None,
    thumbnails: ThumbnailBatch | None = None,
) -> list[str]:
    """In ONE transaction: replace the chunk's result rows (and thumbnail rows of the already written
    ``thumbnails`` batch), mark it done, update the recording's status.

    Returns:
        Media paths of the thumbnails the transaction replaced (their files are the caller's to delete).
    """
    with session_scope(factory) as session:
        chunk = repository.get_chunk(session, job.chunk_id, for_update=True)
        if chunk is None:
            raise ChunkNotFoundError(f"chunk {job.chunk_id} was deleted while it was processed")
        recording = session.get_one(Recording, chunk.recording_id)
        replaced = chunk_thumbnail_paths(session, chunk.id)
        replace_chunk_results(
            session, chunk, recording, result, assign_identities=assign_identities,
            thumbnails=thumbnails.items if thumbnails is not None else (),
        )  # fmt: skip
        chunk.status, chunk.progress, chunk.error, chunk.finished_at = "done", 1.0, None, datetime.now(UTC)
        session.flush()
        refresh_recording_status(session, recording.id)
    return replaced


def store_result(
    factory: SessionFactory,
    job: ChunkJob,
    result: ChunkResult,
    *,
    media_dir: Path,
    assign_identities: IdentityAssigner | None,
) -> None:
    """Write the result's thumbnail files, commit the result (`finish_chunk`), then delete the replaced
    thumbnails' files; when the transaction fails, the new files are deleted and the old ones stay."""
    batch = write_batch(media_dir, job.chunk_id, result)
    try:
        replaced = finish_chunk(factory, job, result, assign_identities=assign_identities, thumbnails=batch)
    except BaseException:
        batch.discard()
        raise
    remove_replaced(media_dir, job.chunk_id, replaced, keep=batch)


def record_chunk_failure(factory: SessionFactory, chunk_id: int, message: str, *, will_retry: bool) -> None:
    """Store ``message`` on the chunk; status ``queued`` when a retry follows, else ``failed``."""
    with session_scope(factory) as session:
        chunk = repository.get_chunk(session, chunk_id, for_update=True)
        if chunk is None:
            return
        chunk.status, chunk.error = ("queued" if will_retry else "failed"), message[:2000]
        chunk.finished_at = None if will_retry else datetime.now(UTC)
        session.flush()
        refresh_recording_status(session, chunk.recording_id)


def run_chunk(
    factory: SessionFactory,
    processor: ChunkProcessor,
    chunk_id: int,
    *,
    media_dir: Path,
    task_id: str | None = None,
    assign_identities: IdentityAssigner | None = None,
    progress_interval_s: float = 0.5,
    on_progress: Callable[[float], None] | None = None,
) -> ChunkResult:
    """Process one chunk end to end (see the module docstring); errors propagate to the caller.

    Args:
        factory: session factory on the pigwatch database.
        processor: the model pipeline.
        chunk_id: the chunk to process.
        media_dir: root of the media store.
        task_id: the Celery task id, stored on the chunk.
        assign_identities: re-identification hook (see `workers.results.IdentityAssigner`).
        progress_interval_s: least seconds between progress writes.
        on_progress: optional extra progress callback (after the database write).

    Returns:
        The processor's `ChunkResult` (already stored).
    """
    job = start_chunk(factory, chunk_id, media_dir=media_dir, task_id=task_id)
    writer = ProgressWriter(factory, chunk_id, interval_s=progress_interval_s)

    def progress(fraction: float) -> None:
        writer(fraction)
        if on_progress is not None:
            on_progress(fraction)

    frames = iter_frames(job.video_path, start_s=job.context.start_s, end_s=job.context.end_s)
    result = processor.process(frames, context=job.context, on_progress=progress)
    store_result(factory, job, result, media_dir=media_dir, assign_identities=assign_identities)
    return result
