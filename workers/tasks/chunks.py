"""The chunk task: ``pigwatch.chunks.process(chunk_id)``; thin, the work is in `workers.chunk_runner`.

Errors: an unknown chunk is dropped (logged); permanent errors (missing media, undecodable video, a processor
or result error) mark the chunk ``failed`` with the message; transient errors (database unavailable) put it
back to ``queued`` and retry with exponential back-off, failing it after `MAX_RETRIES`. A finished chunk
sends ``pigwatch.summaries.recompute_chunk(chunk_id)`` (daily summaries and alerts) after its commit.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from celery import Task, current_app, shared_task
from celery.signals import worker_ready
from sqlalchemy.exc import DBAPIError, OperationalError

from workers.celery_app import PROCESS_CHUNK_TASK
from workers.errors import ChunkNotFoundError, TransientChunkError

_logger = logging.getLogger(__name__)

MAX_RETRIES = 5
RETRY_BACKOFF_S = 5.0
RETRY_BACKOFF_MAX_S = 300.0
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (TransientChunkError, OperationalError, ConnectionError)


def retry_delay_s(retries: int) -> float:
    """Back-off before retry number ``retries + 1``: 5 s doubling per retry, capped at 300 s."""
    return float(min(RETRY_BACKOFF_MAX_S, RETRY_BACKOFF_S * 2**retries))


def _is_transient(error: BaseException) -> bool:
    if isinstance(error, TRANSIENT_ERRORS):
        return True
    return isinstance(error, DBAPIError) and bool(error.connection_invalidated)


def _record_failure(factory: Any, chunk_id: int, message: str, *, will_retry: bool) -> None:
    """Store the failure on the chunk; if the database itself is down, log it (the retry still happens)."""
    from workers.chunk_runner import record_chunk_failure

    try:
        record_chunk_failure(factory, chunk_id, message, will_retry=will_retry)
    except (OperationalError, DBAPIError):
        _logger.exception("could not record the failure of chunk %s", chunk_id)


@shared_task(name=PROCESS_CHUNK_TASK, bind=True, max_retries=MAX_RETRIES, acks_late=True)
def process_chunk(self: Task, chunk_id: int) -> dict[str, Any]:
    """Process chunk ``chunk_id``; returns ``{"chunk_id", "status", "tracks"}``."""
    from workers.chunk_runner import run_chunk
    from workers.runtime import identity_assigner, worker_processor, worker_session_factory, worker_settings

    factory = worker_session_factory()
    try:
        result = run_chunk(
            factory, worker_processor(), chunk_id, media_dir=worker_settings().media_dir.resolve(),
            task_id=self.request.id, assign_identities=identity_assigner(),
        )  # fmt: skip
    except ChunkNotFoundError as exc:
        _logger.warning("dropping task: %s", exc)
        return {"chunk_id": chunk_id, "status": "missing", "tracks": 0}
    except Exception as exc:
        will_retry = _is_transient(exc) and self.request.retries < MAX_RETRIES
        message = f"{type(exc).__name__}: {exc}"
        _logger.exception("chunk %s failed (%s)", chunk_id, "will retry" if will_retry else "final")
        _record_failure(factory, chunk_id, message, will_retry=will_retry)
        if will_retry:
            raise self.retry(exc=exc, countdown=retry_delay_s(self.request.retries)) from exc
        return {"chunk_id": chunk_id, "status": "failed", "tracks": 0}
    _send_summaries(self, chunk_id)
    return {"chunk_id": chunk_id, "status": "done", "tracks": len(result.tracks)}


def _send_summaries(task: Task, chunk_id: int) -> None:
    """Queue the daily-summary recomputation of a finished (committed) chunk, by name, id only."""
    from workers.tasks.summaries import RECOMPUTE_CHUNK_TASK

    try:
        task.app.send_task(RECOMPUTE_CHUNK_TASK, args=[chunk_id])
    except Exception:  # the chunk's rows are stored; summaries catch up at the next recomputation
        _logger.exception("could not queue the summaries of chunk %s", chunk_id)


class _AppSender:
    """`app.media.queue.TaskSender` over a worker's own Celery app."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def send_chunks(self, chunk_ids: Sequence[int]) -> None:
        for chunk_id in chunk_ids:
            self.app.send_task(PROCESS_CHUNK_TASK, args=[int(chunk_id)])


@worker_ready.connect
def requeue_lost_chunks_on_start(sender: Any = None, **_: Any) -> None:
    """On the SQLAlchemy broker (no redelivery of a dead worker's task), requeue chunks left ``running`` for
    longer than ``PIGWATCH_TASK_VISIBILITY_TIMEOUT_S`` when a worker starts (see `workers.recovery`)."""
    app = getattr(sender, "app", None) or current_app
    if not str(app.conf.broker_url).startswith("sqla+"):
        return
    from workers.recovery import requeue_stale_chunks
    from workers.runtime import worker_session_factory, worker_settings

    timeout_s = worker_settings().task_visibility_timeout_s
    requeued = requeue_stale_chunks(worker_session_factory(), _AppSender(app), older_than_s=timeout_s)
    if requeued:
        _logger.warning("requeued chunks %s whose worker was lost", requeued)
