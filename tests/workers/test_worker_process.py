"""Real Celery worker subprocesses on a real Redis broker: a chunk survives its worker being SIGKILLed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from sqlalchemy import func, select

from app.media.models import Chunk
from app.media.queue import CeleryTaskSender
from app.tracking.models import Track
from tests.workers.factories import make_recording

WORKER_REDIS_URL = "redis://127.0.0.1:6379/14"
"""A Redis db of its own, emptied before each test, so no other test's messages reach these workers."""

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker_env(settings_env: dict[str, str], redis_url: str) -> dict[str, str]:
    redis.Redis.from_url(WORKER_REDIS_URL).flushdb()
    return settings_env | {
        "REDIS_URL": WORKER_REDIS_URL,
        "PIGWATCH_PROCESSOR": "tests.workers.processors:build_square_processor",
        "PIGWATCH_TASK_VISIBILITY_TIMEOUT_S": "2",
        "PYTHONPATH": str(REPO_ROOT),
    }


@pytest.fixture
def start_worker(worker_env: dict[str, str]) -> Iterator[Callable[..., subprocess.Popen]]:
    started: list[subprocess.Popen] = []

    def start(*, frame_delay_s: float, name: str) -> subprocess.Popen:
        env = worker_env | {"PIGWATCH_TEST_FRAME_DELAY_S": str(frame_delay_s)}
        argv = [sys.executable, "-m", "pigwatch", "worker", "--pool", "solo", "--loglevel", "warning"]
        process = subprocess.Popen(
            [*argv, "--hostname", f"{name}@test"], cwd=REPO_ROOT, env=env, start_new_session=True
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def _wait_for(condition: Callable[[], bool], *, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out after {timeout_s} s waiting for {what}")


def _chunk(factory: Any, chunk_id: int) -> Chunk:
    with factory() as session:
        return session.get_one(Chunk, chunk_id)


def _track_count(factory: Any, chunk_id: int) -> int:
    with factory() as session:
        return int(session.scalar(select(func.count()).select_from(Track).where(Track.chunk_id == chunk_id)))


def _track_rows(factory: Any, chunk_id: int) -> list[tuple]:
    with factory() as session:
        tracks = session.scalars(select(Track).where(Track.chunk_id == chunk_id))
        return sorted((t.local_id, t.start_at, t.end_at, t.n_frames) for t in tracks)


@pytest.mark.slow
def test_chunk_of_a_killed_worker_is_finished_by_the_next_worker(
    committed_db: Any, settings: Any, start_worker: Callable[..., subprocess.Popen]
) -> None:
    with committed_db() as session:
        _, chunks = make_recording(session, Path(settings.media_dir), seconds=4.0, chunk_seconds=4.0)
        session.commit()
        chunk_id = chunks[0].id
    sender = CeleryTaskSender(settings.model_copy(update={"redis_url": WORKER_REDIS_URL}), "unused://")
    first = start_worker(frame_delay_s=0.25, name="first")
    sender.send_chunks([chunk_id])
    _wait_for(
        lambda: _chunk(committed_db, chunk_id).progress > 0.1, timeout_s=90, what="first worker's progress"
    )
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    killed = _chunk(committed_db, chunk_id)
    assert (killed.status, killed.attempts) == ("running", 1) and _track_count(committed_db, chunk_id) == 0
    time.sleep(2.5)  # past the visibility timeout: the unacknowledged task is redelivered
    start_worker(frame_delay_s=0.0, name="second")
    _wait_for(lambda: _chunk(committed_db, chunk_id).status == "done", timeout_s=90, what="second worker")
    done = _chunk(committed_db, chunk_id)
    assert done.attempts == 2 and done.progress == 1.0
    assert _track_count(committed_db, chunk_id) == 1
    rows = _track_rows(committed_db, chunk_id)
    sender.send_chunks([chunk_id])  # a duplicate delivery of a finished chunk replaces its own rows
    _wait_for(lambda: _chunk(committed_db, chunk_id).attempts == 3, timeout_s=30, what="the duplicate task")
    _wait_for(
        lambda: _chunk(committed_db, chunk_id).status == "done", timeout_s=30, what="the duplicate's end"
    )
    assert _track_rows(committed_db, chunk_id) == rows
    # each finished chunk queued its daily-summaries task, which the same worker ran
    _wait_for(lambda: _summaries_results() == 2, timeout_s=30, what="the summaries tasks")


def _summaries_results() -> int:
    """Successful ``pigwatch.summaries.recompute_chunk`` results in the workers' Redis result backend."""
    client = redis.Redis.from_url(WORKER_REDIS_URL)
    metas = [json.loads(client.get(key) or b"{}") for key in client.keys("celery-task-meta-*")]
    return sum(m.get("status") == "SUCCESS" and "animals" in (m.get("result") or {}) for m in metas)
