"""Sending chunk tasks to the workers, by task name with chunk ids only (never before the rows commit)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from fastapi import Request

from app.config import Settings


class TaskSender(Protocol):
    """Something that queues chunk tasks."""

    def send_chunks(self, chunk_ids: Sequence[int]) -> None:
        """Queue one processing task per chunk id."""
        ...


class CeleryTaskSender:
    """Sends ``pigwatch.chunks.process(chunk_id)`` through the configured Celery broker."""

    def __init__(self, settings: Settings, database_url: str) -> None:
        from workers.celery_app import make_celery

        self._celery: Any = make_celery(settings, database_url, include_tasks=False)

    def send_chunks(self, chunk_ids: Sequence[int]) -> None:
        """Queue one task per chunk id (routed to the ``cpu`` queue by name)."""
        from workers.celery_app import PROCESS_CHUNK_TASK

        for chunk_id in chunk_ids:
            self._celery.send_task(PROCESS_CHUNK_TASK, args=[int(chunk_id)])


def sender_for_settings(settings: Settings) -> CeleryTaskSender:
    """A `CeleryTaskSender` on the settings' broker (the embedded database attached when needed)."""
    from app.db import resolve_database_url

    return CeleryTaskSender(settings, resolve_database_url(settings))


def get_task_sender(request: Request) -> TaskSender:
    """The app's task sender (``app.state.task_sender``), created on first use from the app's settings."""
    sender: TaskSender | None = getattr(request.app.state, "task_sender", None)
    if sender is None:
        sender = sender_for_settings(request.app.state.settings)
        request.app.state.task_sender = sender
    return sender
