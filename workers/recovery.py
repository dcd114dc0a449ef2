"""Recovering chunks whose worker died, for brokers that do not redeliver by themselves.

Redis redelivers an unacknowledged task after the visibility timeout. kombu's SQLAlchemy transport (the
embedded default) marks a delivered message invisible and never restores it, so a worker killed mid-chunk
would leave the chunk ``running`` forever. `requeue_stale_chunks` gives it the same semantics: a chunk
``running`` for longer than the visibility timeout is put back to ``queued`` and sent again (its rerun
replaces its own rows). Workers on the SQLAlchemy broker run it when they start.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from app.db import session_scope
from app.media import repository
from app.media.queue import TaskSender
from app.media.service import refresh_recording_status


def requeue_stale_chunks(
    factory: sessionmaker[Session], sender: TaskSender, *, older_than_s: float
) -> list[int]:
    """Put chunks ``running`` for more than ``older_than_s`` seconds back to ``queued`` and send them.

    Returns:
        The requeued chunk ids (sent after the commit).
    """
    cutoff = datetime.now(UTC) - timedelta(seconds=older_than_s)
    with session_scope(factory) as session:
        chunks = repository.stale_running_chunks(session, started_before=cutoff)
        for chunk in chunks:
            chunk.status, chunk.error = "queued", f"worker lost after attempt {chunk.attempts}; requeued"
        session.flush()
        for recording_id in sorted({c.recording_id for c in chunks}):
            refresh_recording_status(session, recording_id)
        chunk_ids = [c.id for c in chunks]
    if chunk_ids:
        sender.send_chunks(chunk_ids)
    return chunk_ids
