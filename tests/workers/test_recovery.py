"""Requeueing chunks whose worker died (the SQLAlchemy broker does not redeliver by itself)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, pool, text

from app.db import make_session_factory
from app.media.models import Chunk, Recording
from tests.workers.factories import make_recording
from workers.recovery import requeue_stale_chunks

REPO_ROOT = Path(__file__).resolve().parents[2]


class _Sent:
    def __init__(self) -> None:
        self.ids: list[int] = []

    def send_chunks(self, chunk_ids: Sequence[int]) -> None:
        self.ids.extend(chunk_ids)


@pytest.mark.parametrize(
    ("status", "started_ago_s", "requeued"),
    [("running", 7200, True), ("running", 60, False), ("done", 7200, False), ("queued", None, False)],
)
def test_only_long_running_chunks_are_requeued(
    db_session: Any, db_session_factory: Any, settings: Any, status: str, started_ago_s: float | None,
    requeued: bool,
) -> None:  # fmt: skip
    recording, chunks = make_recording(db_session, Path(settings.media_dir), seconds=1.0, chunk_seconds=1.0)
    chunk = chunks[0]
    chunk.status, chunk.attempts = status, 1
    chunk.started_at = None if started_ago_s is None else datetime.now(UTC) - timedelta(seconds=started_ago_s)
    db_session.commit()
    sent = _Sent()
    ids = requeue_stale_chunks(db_session_factory, sent, older_than_s=3600)
    db_session.expire_all()
    assert ids == sent.ids == ([chunk.id] if requeued else [])
    refreshed = db_session.get(Chunk, chunk.id)
    assert refreshed.status == ("queued" if requeued else status)
    if requeued:
        assert "worker lost" in refreshed.error and db_session.get(Recording, recording.id).status == "queued"


@pytest.mark.slow
def test_worker_on_the_database_broker_finishes_a_lost_chunk_at_start(
    make_database: Callable[[str], str], settings_env: dict[str, str], settings: Any, tmp_path: Path
) -> None:
    from app.migrate import upgrade

    url = make_database("pigwatch_recovery")
    upgrade(url)
    engine = create_engine(url, poolclass=pool.NullPool)
    with make_session_factory(engine)() as session:
        _, chunks = make_recording(session, tmp_path / "media", seconds=1.0, chunk_seconds=1.0)
        chunks[0].status, chunks[0].attempts = "running", 1
        chunks[0].started_at = datetime.now(UTC) - timedelta(seconds=30)
        session.commit()
        chunk_id = chunks[0].id
    env = {k: v for k, v in settings_env.items() if k != "REDIS_URL"} | {
        "DATABASE_URL": url, "PIGWATCH_MEDIA_DIR": str(tmp_path / "media"), "PYTHONPATH": str(REPO_ROOT),
        "PIGWATCH_PROCESSOR": "tests.workers.processors:build_square_processor",
        "PIGWATCH_TASK_VISIBILITY_TIMEOUT_S": "10",
    }  # fmt: skip
    argv = [sys.executable, "-m", "pigwatch", "worker", "--pool", "solo", "--loglevel", "warning"]
    worker = subprocess.Popen(argv, cwd=REPO_ROOT, env=env)
    try:
        deadline, status = time.monotonic() + 90, "running"
        while time.monotonic() < deadline and status != "done":
            time.sleep(0.5)
            with engine.connect() as conn:
                status = conn.execute(
                    text("SELECT status FROM chunks WHERE id = :i"), {"i": chunk_id}
                ).scalar_one()
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        engine.dispose()
    assert status == "done"
