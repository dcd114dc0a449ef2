"""`pigwatch serve` as a real process against the test database, and the shared process-level fixtures."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

from app.farms.models import Farm

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(url: str, process: subprocess.Popen[bytes], timeout_s: float = 90) -> httpx.Response:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert process.poll() is None, "pigwatch serve exited early"
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            time.sleep(0.5)
    raise AssertionError(f"{url} did not answer within {timeout_s} s")


def test_serve_answers_health_and_api(settings_env: dict[str, str], committed_db: Any) -> None:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "pigwatch", "serve", "--port", str(port), "--log-level", "warning"],
        cwd=ROOT, env=settings_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        health = _wait_healthy(f"http://127.0.0.1:{port}/healthz", process)
        assert health.json() == {"status": "ok", "database": "ok"}
        assert httpx.get(f"http://127.0.0.1:{port}/api/farms", timeout=5).status_code == 401
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert process.returncode in (0, -15)  # uvicorn re-raises SIGTERM after a graceful shutdown


def test_committed_db_writes_are_visible_to_other_connections(committed_db: Any, db_engine: Any) -> None:
    with committed_db() as session:
        session.add(Farm(name="committed"))
        session.commit()
    with db_engine.connect() as other:
        assert other.scalar(text("SELECT count(*) FROM farms WHERE name = 'committed'")) == 1


def test_redis_fixture_gives_a_reachable_database(redis_url: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    client.set("pigwatch:test", "1", ex=5)
    assert client.get("pigwatch:test") == b"1"
