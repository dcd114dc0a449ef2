"""Loading processors by spec, the chunk task's retry policy, Celery configuration, CLI errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from app.config import Settings
from models.pipeline.processor import ChunkContext, ChunkProcessor, ProcessorSpecError, load_processor
from tests.workers.processors import SquareProcessor
from workers.celery_app import broker_urls, celery_config
from workers.errors import MediaMissingError, TransientChunkError
from workers.tasks.chunks import _is_transient, retry_delay_s

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_load_processor_builds_from_a_spec() -> None:
    processor = load_processor("tests.workers.processors:build_square_processor")
    assert isinstance(processor, SquareProcessor) and isinstance(processor, ChunkProcessor)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "must look like"),
        ("no_colon", "must look like"),
        ("module:", "must look like"),
        ("no.such.module_xyz:build", "cannot be imported"),
        ("tests.workers.processors:missing", "no callable"),
        ("tests.workers.processors:EMBEDDING_DIM", "no callable"),
        ("builtins:object", "has no process"),
    ],
)
def test_load_processor_refuses_bad_specs(spec: str, message: str) -> None:
    with pytest.raises(ProcessorSpecError, match=message):
        load_processor(spec)


@pytest.mark.parametrize(
    ("start", "end", "fps", "frames"), [(0, 60, 6, 360), (0, 0.1, 6, 1), (10, 12.5, 10, 25)]
)
def test_chunk_context_expected_frames(start: float, end: float, fps: float, frames: int) -> None:
    assert ChunkContext(fps=fps, width=1, height=1, start_s=start, end_s=end).expected_frames == frames


@pytest.mark.parametrize(("retries", "delay"), [(0, 5.0), (1, 10.0), (3, 40.0), (6, 300.0), (20, 300.0)])
def test_retry_back_off_doubles_and_is_capped(retries: int, delay: float) -> None:
    assert retry_delay_s(retries) == delay


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (TransientChunkError("x"), True),
        (OperationalError("SELECT 1", {}, Exception("server closed the connection")), True),
        (ConnectionError("refused"), True),
        (MediaMissingError("gone"), False),
        (ValueError("bad result"), False),
    ],
)
def test_transient_errors_are_told_apart(error: BaseException, transient: bool) -> None:
    assert _is_transient(error) is transient


def _settings(**values: Any) -> Settings:
    return Settings(_env_file=None, PIGWATCH_ENV="test", **values)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("redis", "broker", "backend"),
    [
        ("redis://h:6379/0", "redis://h:6379/0", "redis://h:6379/0"),
        (None, "sqla+postgresql+psycopg://u@/db", "db+postgresql+psycopg://u@/db"),
    ],
)
def test_broker_is_redis_or_the_database(redis: str | None, broker: str, backend: str) -> None:
    settings = _settings(REDIS_URL=redis)
    assert broker_urls(settings, "postgresql+psycopg://u@/db") == (broker, backend)
    config = celery_config(settings, "postgresql+psycopg://u@/db")
    assert config["task_acks_late"] and config["task_reject_on_worker_lost"]
    assert config["worker_prefetch_multiplier"] == 1
    assert config["task_routes"]["pigwatch.chunks.*"] == {"queue": "cpu"}
    assert bool(config["broker_transport_options"]) is (redis is not None)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["worker", "--queues", "cpu,tpu"], "unknown queue"),
        (["worker", "--pool", "eventlet"], "unknown pool"),
        (["jobs", "--status", "sleeping"], "unknown status"),
    ],
)
def test_cli_refuses_bad_options_without_traceback(argv: list[str], message: str) -> None:
    from typer.testing import CliRunner

    from pigwatch.cli import app

    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 2 and message in result.stderr and "Traceback" not in result.stderr


def _pigwatch(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "pigwatch", *argv]
    return subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_jobs_lists_chunks_and_record_refuses_an_unknown_camera(
    committed_db: Any, settings: Any, settings_env: dict[str, str]
) -> None:
    from tests.workers.factories import make_recording

    with committed_db() as session:
        _, chunks = make_recording(session, Path(settings.media_dir), seconds=2.0, chunk_seconds=1.0)
        chunks[1].status, chunks[1].progress = "running", 0.5
        session.commit()
    env = settings_env | {"COLUMNS": "200"}
    listed = _pigwatch(["jobs"], env)
    assert listed.returncode == 0, listed.stderr
    assert "queued: 1, running: 1, done: 0, failed: 0" in listed.stdout and "50%" in listed.stdout
    recorded = _pigwatch(["record", "--camera", "424242"], env)
    assert recorded.returncode == 1 and "camera 424242 not found" in recorded.stderr
    assert "Traceback" not in recorded.stderr
