"""Upload, list, detail, jobs and reprocess routes against the real app and database (tasks recorded)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import func, select

from app.media.models import Chunk, Recording
from app.media.queue import get_task_sender
from tests.workers.videos import write_video


class RecordingSender:
    """Keeps the chunk ids the route sends (a fake task sender for this unit)."""

    def __init__(self) -> None:
        self.sent: list[int] = []

    def send_chunks(self, chunk_ids: Sequence[int]) -> None:
        self.sent.extend(chunk_ids)


@pytest.fixture
def sender(app: Any) -> RecordingSender:
    fake = RecordingSender()
    app.dependency_overrides[get_task_sender] = lambda: fake
    return fake


@pytest.fixture
def pen_id(client: Any, login: Callable[[Any, str], Any]) -> int:
    login(client, "manager")
    farm = client.post("/api/farms", json={"name": "Upload farm"}).json()
    pen = client.post("/api/pens", json={"farm_id": farm["id"], "name": "Pen U"}).json()
    return int(pen["id"])


def _media_files(settings: Any) -> list[Path]:
    return (
        [p for p in Path(settings.media_dir).rglob("*") if p.is_file()]
        if Path(settings.media_dir).exists()
        else []
    )


def _count(db_session: Any, model: Any) -> int:
    return int(db_session.scalar(select(func.count()).select_from(model)))


@pytest.mark.parametrize(("seconds", "n_chunks"), [(2.0, 1), (4.0, 2), (5.0, 3)])
def test_upload_creates_recording_chunks_and_sends_tasks(
    client: Any, db_session: Any, settings: Any, sender: RecordingSender, pen_id: int, tmp_path: Path,
    seconds: float, n_chunks: int,
) -> None:  # fmt: skip
    video = write_video(tmp_path / "clip.mp4", seconds=seconds, fps=10)
    client.app.state.settings = settings.model_copy(update={"chunk_seconds": 2.0})
    response = client.post(
        "/api/recordings", params={"pen_id": pen_id, "filename": "clip.mp4"}, content=video.read_bytes()
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["codec"] == "mpeg4" and (body["width"], body["height"]) == (96, 64)
    assert [c["index"] for c in body["chunks"]] == list(range(n_chunks))
    assert body["chunks"][-1]["end_s"] == pytest.approx(seconds, abs=0.15)
    assert sender.sent == [c["id"] for c in body["chunks"]]
    assert body["status"] == "queued" and body["progress"] == 0.0
    recording = db_session.get(Recording, body["id"])
    assert (Path(settings.media_dir) / recording.media_path).read_bytes() == video.read_bytes()
    assert client.get(f"/api/recordings/{body['id']}").json()["chunk_counts"] == {"queued": n_chunks}


def _corrupt_frames(tmp_path: Path) -> bytes:
    """A Matroska file whose header is intact and whose frame data is random bytes."""
    data = bytearray(write_video(tmp_path / "c.mkv", seconds=1.0, codec="libx264").read_bytes())
    rng = np.random.default_rng(0)
    data[600:] = rng.integers(0, 256, len(data) - 600, dtype=np.uint8).tobytes()
    return bytes(data)


def _truncated(tmp_path: Path) -> bytes:
    return write_video(tmp_path / "t.mp4", seconds=1.0).read_bytes()[:300]


@pytest.mark.parametrize(
    ("make_body", "statuses"),
    [
        (lambda p: b"this is a text file, not a video\n" * 40, {415}),
        (lambda p: bytes(range(256)) * 40, {415}),
        (_truncated, {415, 422}),  # FFmpeg calls a cut-off MP4 header invalid data
        (_corrupt_frames, {422}),
        (lambda p: b"", {400}),
    ],
)
def test_bad_uploads_get_a_clear_4xx_and_leave_nothing(
    client: Any, db_session: Any, settings: Any, sender: RecordingSender, pen_id: int, tmp_path: Path,
    make_body: Callable[[Path], bytes], statuses: set[int],
) -> None:  # fmt: skip
    before_files, before_rows = set(_media_files(settings)), _count(db_session, Recording)
    response = client.post("/api/recordings", params={"pen_id": pen_id}, content=make_body(tmp_path))
    assert response.status_code in statuses, response.text
    assert response.json()["error"]["message"]
    assert "/tmp" not in response.json()["error"]["message"]
    assert set(_media_files(settings)) == before_files
    assert _count(db_session, Recording) == before_rows and sender.sent == []


@pytest.mark.parametrize("declared", [True, False])
def test_oversize_upload_is_refused_with_413_and_no_partial_file(
    client: Any, settings: Any, sender: RecordingSender, pen_id: int, tmp_path: Path, declared: bool
) -> None:
    client.app.state.settings = settings.model_copy(update={"max_upload_bytes": 1000})
    video = write_video(tmp_path / "big.mp4", seconds=2.0).read_bytes()
    before = set(_media_files(settings))
    body: Any = video if declared else iter([video[i : i + 500] for i in range(0, len(video), 500)])
    response = client.post("/api/recordings", params={"pen_id": pen_id}, content=body)
    assert response.status_code == 413
    assert "limit of 1000 bytes" in response.json()["error"]["message"]
    assert set(_media_files(settings)) == before and sender.sent == []


@pytest.mark.parametrize(("params", "status"), [({"pen_id": 999999}, 404), ({}, 422), ({"pen_id": "x"}, 422)])
def test_unknown_or_missing_pen_is_refused_and_file_removed(
    client: Any,
    settings: Any,
    sender: RecordingSender,
    pen_id: int,
    tmp_path: Path,
    params: dict,
    status: int,
) -> None:
    before = set(_media_files(settings))
    video = write_video(tmp_path / "v.mp4", seconds=1.0).read_bytes()
    response = client.post("/api/recordings", params=params, content=video)
    assert response.status_code == status, response.text
    assert set(_media_files(settings)) == before and sender.sent == []


@pytest.mark.parametrize(
    ("role", "status"), [("viewer", 403), ("vet", 403), ("manager", 201), ("admin", 201)]
)
def test_upload_needs_manager(
    client: Any, api_key_headers: Callable[[str], dict], sender: RecordingSender, pen_id: int,
    tmp_path: Path, role: str, status: int,
) -> None:  # fmt: skip
    video = write_video(tmp_path / "v.mp4", seconds=1.0).read_bytes()
    response = client.post(
        "/api/recordings", params={"pen_id": pen_id}, content=video, headers=api_key_headers(role)
    )
    assert response.status_code == status, response.text


def test_list_jobs_and_reprocess(
    client: Any, db_session: Any, sender: RecordingSender, pen_id: int, tmp_path: Path
) -> None:
    video = write_video(tmp_path / "v.mp4", seconds=1.0).read_bytes()
    rec = client.post("/api/recordings", params={"pen_id": pen_id}, content=video).json()
    assert [r["id"] for r in client.get("/api/recordings").json()][0] == rec["id"]
    chunk = db_session.get(Chunk, rec["chunks"][0]["id"])
    chunk.status, chunk.progress, chunk.error = "failed", 0.4, "boom"
    db_session.commit()
    jobs = client.get("/api/jobs", params={"status": "failed"}).json()
    assert [c["id"] for c in jobs["chunks"]] == [chunk.id] and jobs["counts"]["failed"] >= 1
    again = client.post(f"/api/recordings/{rec['id']}/reprocess")
    assert again.status_code == 202 and again.json()["chunks"][0]["status"] == "queued"
    assert sender.sent == [chunk.id, chunk.id]
    assert client.get("/api/recordings/424242").status_code == 404
    assert client.post("/api/recordings/424242/reprocess").status_code == 404


def test_upload_sends_chunk_ids_by_task_name_to_the_real_broker(
    client: Any, settings: Any, redis_url: str, pen_id: int, tmp_path: Path
) -> None:
    import base64
    import json

    import redis

    broker_url = "redis://127.0.0.1:6379/12"
    redis.Redis.from_url(broker_url).flushdb()
    client.app.state.settings = settings.model_copy(update={"redis_url": broker_url, "chunk_seconds": 1.0})
    video = write_video(tmp_path / "v.mp4", seconds=2.0).read_bytes()
    body = client.post("/api/recordings", params={"pen_id": pen_id}, content=video).json()
    queued = redis.Redis.from_url(broker_url).lrange("cpu", 0, -1)
    redis.Redis.from_url(broker_url).flushdb()
    messages = [json.loads(m) for m in queued]
    assert {m["headers"]["task"] for m in messages} == {"pigwatch.chunks.process"}
    args = sorted(json.loads(base64.b64decode(m["body"]))[0][0] for m in messages)
    assert args == sorted(c["id"] for c in body["chunks"]) and len(args) == 2
