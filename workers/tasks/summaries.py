"""The summaries task: ``pigwatch.summaries.recompute_chunk(chunk_id)``; thin, the work is in
`app.summaries.service` and `app.alerts.service`.

The chunk task sends it by name after its own transaction commits, carrying the chunk id only. It recomputes
the daily summaries of the (animal, day) pairs the chunk's rows touch, then evaluates alerts on those days
and the days whose look-back windows they fall in, all in one transaction; rerunning it is harmless.
Routing: the task name matches ``pigwatch.summaries.*``; a worker consuming the queue it is routed to must
import this module (``workers.celery_app.TASK_MODULES``).
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Task, shared_task
from sqlalchemy.exc import OperationalError

RECOMPUTE_CHUNK_TASK = "pigwatch.summaries.recompute_chunk"
"""Name to send the task by: ``celery.send_task(RECOMPUTE_CHUNK_TASK, args=[chunk_id])``."""

MAX_RETRIES = 5
RETRY_DELAY_S = 10.0

_logger = logging.getLogger(__name__)


def recompute_chunk_summaries(factory: Any, chunk_id: int) -> dict[str, Any]:
    """Recompute the summaries and alerts that chunk ``chunk_id`` touches, in one committed transaction.

    Args:
        factory: a SQLAlchemy sessionmaker.
        chunk_id: the chunk whose rows were just stored.

    Returns:
        ``{"chunk_id", "animals", "days", "alerts"}``: counts of animals and animal-days recomputed and of
        alerts opened or extended.
    """
    from app.alerts.service import evaluate_after_recompute
    from app.db import session_scope
    from app.summaries.service import recompute_for_chunk

    with session_scope(factory) as session:
        touched = recompute_for_chunk(session, chunk_id)
        alerts = evaluate_after_recompute(session, touched)
    days = sum(len(d) for d in touched.values())
    return {"chunk_id": chunk_id, "animals": len(touched), "days": days, "alerts": alerts}


@shared_task(name=RECOMPUTE_CHUNK_TASK, bind=True, max_retries=MAX_RETRIES, acks_late=True)
def recompute_chunk(self: Task, chunk_id: int) -> dict[str, Any]:
    """Celery entry point of `recompute_chunk_summaries`; retries when the database is unavailable."""
    from workers.runtime import worker_session_factory

    try:
        return recompute_chunk_summaries(worker_session_factory(), chunk_id)
    except OperationalError as exc:
        _logger.warning("summaries of chunk %s: database unavailable, retrying (%s)", chunk_id, exc)
        raise self.retry(exc=exc, countdown=RETRY_DELAY_S) from exc
