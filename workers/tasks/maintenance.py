"""Maintenance tasks: ``pigwatch.maintenance.prune_thumbnails``, run daily by Celery beat.

Thin, the work is in `app.tracking.retention`. A worker started with ``pigwatch worker --beat`` also runs the
scheduler (`workers.celery_app.BEAT_SCHEDULE`); run exactly one such worker per deployment. Running the task
twice is harmless: a second run finds nothing left to prune.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from celery import shared_task

PRUNE_THUMBNAILS_TASK = "pigwatch.maintenance.prune_thumbnails"
"""Name to send the task by (no arguments: the policy comes from the worker's settings)."""


def prune_with_settings(
    settings: Any, session_factory: Any, *, now: datetime | None = None
) -> dict[str, Any]:
    """Prune thumbnails with the policy of ``settings`` (`app.config.Settings`).

    Returns:
        ``{"rows", "bytes", "files_removed", "cutoff"}`` (cutoff as ISO 8601).
    """
    from app.tracking.retention import RetentionPolicy, prune_thumbnails

    policy = RetentionPolicy(settings.thumbnail_retention_days, settings.thumbnails_kept_per_day)
    report = prune_thumbnails(
        session_factory, settings.media_dir, now=now or datetime.now(UTC), policy=policy
    )
    return {"rows": report.rows, "bytes": report.bytes, "files_removed": report.files_removed,
            "cutoff": report.cutoff.isoformat()}  # fmt: skip


@shared_task(name=PRUNE_THUMBNAILS_TASK, acks_late=True)
def prune_thumbnails_task() -> dict[str, Any]:
    """Celery entry point of `prune_with_settings` with the worker's settings and database."""
    from workers.runtime import worker_session_factory, worker_settings

    return prune_with_settings(worker_settings(), worker_session_factory())
