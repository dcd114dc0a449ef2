"""Smoke test of ``pigwatch demo --no-serve``: simulated recording, real worker, SQLAlchemy broker."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, pool, text

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_demo_processes_a_simulated_recording_end_to_end(
    make_database: Callable[[str], str], settings_env: dict[str, str], tmp_path: Path
) -> None:
    url = make_database("pigwatch_demo_smoke")  # its own database: kombu's broker tables land there
    env = {k: v for k, v in settings_env.items() if k != "REDIS_URL"}  # no Redis: SQLAlchemy transport
    env |= {
        "DATABASE_URL": url,
        "PIGWATCH_MEDIA_DIR": str(tmp_path / "media"),
        "PIGWATCH_PROCESSOR": "tests.workers.processors:build_square_processor",
        "PYTHONPATH": str(REPO_ROOT),
    }
    argv = [sys.executable, "-m", "pigwatch", "demo", "--no-serve", "--seconds", "4", "--chunk-seconds", "2"]
    result = subprocess.run(
        [*argv, "--timeout", "120"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=240
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "demo-admin@pigwatch.local" in result.stdout and "all chunks processed" in result.stdout
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as conn:
        statuses = conn.execute(text("SELECT status FROM chunks")).scalars().all()
        animals = conn.execute(text("SELECT count(*) FROM animals")).scalar_one()
        recordings = conn.execute(text("SELECT source, status FROM recordings")).all()
    engine.dispose()
    assert statuses == ["done", "done"] and animals == 8
    assert [tuple(r) for r in recordings] == [("sim", "done")]
