"""The Celery application: broker, result backend, reliability and routing settings.

With ``REDIS_URL`` Redis is broker and result backend; without it the broker is kombu's SQLAlchemy transport
(``sqla+postgresql+psycopg://...``) and the result backend is Celery's database backend, both on the pigwatch
database (the embedded server when no ``DATABASE_URL`` is set). Tasks are acknowledged late and rejected when
their worker dies, so a killed worker leaves its chunk to be redelivered; each worker prefetches one task.
"""

from __future__ import annotations

from typing import Any

from celery import Celery
from celery.schedules import crontab

from app.config import Settings, get_settings

TASK_ROUTES: dict[str, dict[str, str]] = {
    "pigwatch.chunks.*": {"queue": "cpu"},
    "pigwatch.summaries.*": {"queue": "cpu"},
    "pigwatch.maintenance.*": {"queue": "cpu"},
    "pigwatch.gpu.*": {"queue": "gpu"},
}
"""Task name pattern -> queue; workers consume ``cpu`` and/or ``gpu`` (``pigwatch worker --queues``)."""

TASK_MODULES: list[str] = ["workers.tasks.chunks", "workers.tasks.summaries", "workers.tasks.maintenance"]
"""Modules whose tasks a worker registers."""

PROCESS_CHUNK_TASK = "pigwatch.chunks.process"
"""Name of the chunk task; the app sends it by name with the chunk id only."""

BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    "prune-thumbnails-daily": {
        "task": "pigwatch.maintenance.prune_thumbnails",
        "schedule": crontab(hour=3, minute=17),
    },
}
"""Periodic tasks, run by the one worker started with ``pigwatch worker --beat`` (times in UTC)."""


def broker_urls(settings: Settings, database_url: str) -> tuple[str, str]:
    """(broker URL, result backend URL) for ``settings``.

    Args:
        settings: application settings (``redis_url`` decides).
        database_url: SQLAlchemy URL of the pigwatch database (used without Redis).

    Returns:
        Redis URLs for both, or ``sqla+<database_url>`` and ``db+<database_url>``.
    """
    if settings.redis_url:
        return settings.redis_url, settings.redis_url
    return f"sqla+{database_url}", f"db+{database_url}"


def transport_options(settings: Settings) -> dict[str, float]:
    """Redis broker options: a dead worker's unacknowledged task is redelivered after the visibility timeout
    (Redis sweeps for such tasks at worker start and every ``unacked_restore_interval`` seconds). The
    SQLAlchemy transport takes none (it passes them to ``create_engine``)."""
    if not settings.redis_url:
        return {}
    timeout = settings.task_visibility_timeout_s
    return {
        "visibility_timeout": timeout,
        "unacked_restore_interval": max(1.0, min(10.0, timeout / 2)),
        "unacked_restore_throttle": 1,
    }


def celery_config(settings: Settings, database_url: str) -> dict[str, Any]:
    """The Celery configuration dictionary for ``settings``."""
    broker, backend = broker_urls(settings, database_url)
    return {
        "broker_url": broker,
        "result_backend": backend,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_routes": TASK_ROUTES,
        "task_default_queue": "cpu",
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "result_expires": 24 * 3600,
        "broker_connection_retry_on_startup": True,
        "broker_transport_options": transport_options(settings),
        "worker_hijack_root_logger": False,
        "beat_schedule": BEAT_SCHEDULE,
        "beat_schedule_filename": str(settings.data_dir / "celerybeat-schedule"),
        "timezone": "UTC",
    }


def make_celery(settings: Settings, database_url: str, *, include_tasks: bool = True) -> Celery:
    """A configured Celery app.

    Args:
        settings: application settings.
        database_url: SQLAlchemy URL of the pigwatch database.
        include_tasks: register the task modules (workers); senders that only send by name pass False.
    """
    celery = Celery("pigwatch", include=TASK_MODULES if include_tasks else [])
    celery.conf.update(celery_config(settings, database_url))
    return celery


def create_worker_app() -> Celery:
    """The Celery app of a worker process: settings from the environment, the database resolved (the
    embedded server attached when no ``DATABASE_URL``); ``celery -A workers.celery_app:create_worker_app``.
    """
    from app.db import resolve_database_url

    settings = get_settings()
    return make_celery(settings, resolve_database_url(settings))
