"""The stream recorder against a local HTTP MPEG-TS stream that drops, refuses for a while, then returns."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import redis
from sqlalchemy import select

from app.cameras.models import Camera, StreamGap
from app.media.models import Chunk, Recording
from models.pipeline.decode import probe_video
from tests.workers.factories import make_pen
from tests.workers.videos import write_video
from workers.recorder import RecorderConfig, StreamRecorder, backoff_delays
from workers.recorder_events import DatabaseRecorderEvents, camera_segment_dir


class FlakyStream:
    """Serves ``payload`` (an MPEG-TS file) then closes the connection; answers 503 for ``down_s`` after each
    drop. Counts served connections and refusals."""

    def __init__(self, payload: bytes, *, down_s: float) -> None:
        self.payload, self.down_s = payload, down_s
        self.served, self.refused, self.down_until = 0, 0, 0.0

    def handler(self) -> type[BaseHTTPRequestHandler]:
        stream = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                if time.monotonic() < stream.down_until:
                    stream.refused += 1
                    self.send_error(503, "camera offline")
                    return
                self.send_response(200)
                self.send_header("Content-Type", "video/mp2t")
                self.end_headers()
                for start in range(0, len(stream.payload), 8192):
                    self.wfile.write(stream.payload[start : start + 8192])
                    time.sleep(0.005)
                stream.served += 1
                stream.down_until = time.monotonic() + stream.down_s

            def log_message(self, *args: Any) -> None:
                return

        return Handler


@pytest.fixture
def flaky_url(tmp_path: Path) -> Iterator[tuple[str, FlakyStream]]:
    payload = write_video(tmp_path / "live.ts", seconds=3.0, fps=10, gop=5).read_bytes()
    stream = FlakyStream(payload, down_s=1.0)
    server = ThreadingHTTPServer(("127.0.0.1", 0), stream.handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/live.ts", stream
    server.shutdown()
    server.server_close()


class KeptChunks:
    def __init__(self) -> None:
        self.sent: list[int] = []

    def send_chunks(self, chunk_ids: Sequence[int]) -> None:
        self.sent.extend(chunk_ids)


@pytest.mark.parametrize(
    ("initial", "cap", "expected"),
    [
        (1.0, 60.0, [1, 2, 4, 8, 16, 32, 60, 60]),
        (0.5, 1.0, [0.5, 1, 1, 1, 1, 1, 1, 1]),
        (2.0, 2.0, [2.0] * 8),
    ],
)
def test_backoff_doubles_and_is_capped(initial: float, cap: float, expected: list[float]) -> None:
    delays = backoff_delays(initial_s=initial, max_s=cap)
    assert [next(delays) for _ in expected] == expected


@pytest.mark.slow
def test_recorder_segments_a_dropping_stream_and_records_the_gap(
    committed_db: Any, settings: Any, flaky_url: tuple[str, FlakyStream]
) -> None:
    url, stream = flaky_url
    with committed_db() as session:
        pen = make_pen(session)
        camera = Camera(pen_id=pen.id, name="cam", stream_url=url, status="idle")
        session.add(camera)
        session.commit()
        camera_id = camera.id
    media_dir = Path(settings.media_dir)
    sender = KeptChunks()
    events = DatabaseRecorderEvents(
        committed_db, camera_id=camera_id, media_dir=media_dir, chunk_seconds=0.5, sender=sender
    )
    config = RecorderConfig(segment_seconds=1.0, backoff_initial_s=0.2, backoff_max_s=0.4, read_timeout_s=5)
    recorder = StreamRecorder(
        url=url, out_dir=camera_segment_dir(media_dir, camera_id), events=events, config=config
    )
    thread = threading.Thread(target=recorder.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while stream.served < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)  # let the second drop be noticed
    recorder.stop.set()
    thread.join(timeout=20)
    assert not thread.is_alive() and stream.served >= 2 and stream.refused >= 1

    with committed_db() as session:
        recordings = session.scalars(select(Recording).where(Recording.camera_id == camera_id)).all()
        gaps = session.scalars(select(StreamGap).where(StreamGap.camera_id == camera_id)).all()
        chunks = session.scalars(
            select(Chunk).where(Chunk.recording_id.in_([r.id for r in recordings]))
        ).all()
        cam = session.get_one(Camera, camera_id)
        assert {r.source for r in recordings} == {"stream"} and len(recordings) >= 4
        total_s = sum(probe_video(media_dir / r.media_path).duration_s for r in recordings)
        assert total_s == pytest.approx(3.0 * stream.served, abs=0.6)
        assert sorted(sender.sent) == sorted(c.id for c in chunks) and chunks
        closed = [g for g in gaps if g.ended_at is not None]
        assert closed and all(g.ended_at >= g.started_at and g.reason for g in closed)
        later = [r for r in recordings if r.started_at >= closed[0].ended_at]
        assert later, "segments after the gap must be recorded"
        assert cam.status == "reconnecting" and cam.last_error


@pytest.mark.slow
def test_record_command_registers_a_file_stream_and_exits_at_its_end(
    committed_db: Any, settings: Any, settings_env: dict[str, str], tmp_path: Path
) -> None:
    import subprocess
    import sys

    video = write_video(tmp_path / "cam.mkv", seconds=3.0, fps=10, gop=5)
    with committed_db() as session:
        camera = Camera(pen_id=make_pen(session).id, name="file cam", stream_url=str(video), status="idle")
        session.add(camera)
        session.commit()
        camera_id = camera.id
    argv = ["record", "--camera", str(camera_id), "--segment-seconds", "1", "--stop-at-end"]
    result = subprocess.run(
        [sys.executable, "-m", "pigwatch", *argv], cwd=Path(__file__).resolve().parents[2],
        env=settings_env | {"REDIS_URL": "redis://127.0.0.1:6379/13"}, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    redis.Redis.from_url("redis://127.0.0.1:6379/13").flushdb()  # drop the chunk tasks it queued
    assert result.returncode == 0, result.stderr[-2000:]
    with committed_db() as session:
        recordings = session.scalars(select(Recording).where(Recording.camera_id == camera_id)).all()
        assert len(recordings) == 3 and f"{len(recordings)} segment(s) registered" in result.stdout
        assert sum(r.duration_s or 0 for r in recordings) == pytest.approx(3.0, abs=0.3)
        assert session.get_one(Camera, camera_id).status == "idle"
