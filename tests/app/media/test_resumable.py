"""Resumable uploads: bytes sent in pieces with offsets, resumption after a wrong offset, limits, finish."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from app.media.queue import get_task_sender
from tests.workers.videos import write_video


class _Sent:
    def __init__(self) -> None:
        self.ids: list[int] = []

    def send_chunks(self, chunk_ids: Sequence[int]) -> None:
        self.ids.extend(chunk_ids)


@pytest.fixture
def sent(app: Any) -> _Sent:
    fake = _Sent()
    app.dependency_overrides[get_task_sender] = lambda: fake
    return fake


@pytest.fixture
def pen_id(client: Any, login: Callable[[Any, str], Any]) -> int:
    login(client, "manager")
    farm = client.post("/api/farms", json={"name": "Resumable farm"}).json()
    return int(client.post("/api/pens", json={"farm_id": farm["id"], "name": "R"}).json()["id"])


def _open(client: Any, pen_id: int, size: int) -> dict:
    response = client.post("/api/uploads", json={"pen_id": pen_id, "size_bytes": size, "filename": "r.mp4"})
    assert response.status_code == 201, response.text
    return dict(response.json())


def _patch(client: Any, token: str, offset: int, data: bytes) -> Any:
    return client.patch(f"/api/uploads/{token}", content=data, headers={"Upload-Offset": str(offset)})


@pytest.mark.parametrize("pieces", [1, 3, 7])
def test_upload_in_pieces_then_finish(
    client: Any, sent: _Sent, pen_id: int, tmp_path: Path, pieces: int
) -> None:
    data = write_video(tmp_path / "r.mp4", seconds=2.0).read_bytes()
    upload = _open(client, pen_id, len(data))
    bounds = [round(i * len(data) / pieces) for i in range(pieces + 1)]
    for start, end in zip(bounds, bounds[1:], strict=False):
        assert _patch(client, upload["token"], start, data[start:end]).json()["offset"] == end
    finished = client.post(f"/api/uploads/{upload['token']}/finish")
    assert finished.status_code == 201, finished.text
    assert finished.json()["size_bytes"] == len(data) and sent.ids == [
        c["id"] for c in finished.json()["chunks"]
    ]
    assert client.get(f"/api/uploads/{upload['token']}").status_code == 404


def test_wrong_offset_is_refused_with_the_right_one(client: Any, sent: _Sent, pen_id: int) -> None:
    upload = _open(client, pen_id, 100)
    _patch(client, upload["token"], 0, b"x" * 40)
    refused = _patch(client, upload["token"], 10, b"y" * 10)
    assert refused.status_code == 409 and refused.json()["error"]["details"] == {"offset": 40}
    assert client.get(f"/api/uploads/{upload['token']}").json()["offset"] == 40


@pytest.mark.parametrize(
    ("size", "send", "status", "offset"),
    [(10, b"z" * 11, 413, 0), (10, b"z" * 5, 409, 5)],  # too many bytes (cut back); finishing too early
)
def test_size_is_enforced(
    client: Any, sent: _Sent, pen_id: int, size: int, send: bytes, status: int, offset: int
) -> None:
    upload = _open(client, pen_id, size)
    response = _patch(client, upload["token"], 0, send)
    if response.status_code == 200:
        response = client.post(f"/api/uploads/{upload['token']}/finish")
    assert response.status_code == status and sent.ids == []
    assert client.get(f"/api/uploads/{upload['token']}").json()["offset"] == offset


def test_non_video_is_refused_at_finish_and_nothing_kept(
    client: Any, sent: _Sent, pen_id: int, settings: Any
) -> None:
    upload = _open(client, pen_id, 500)
    _patch(client, upload["token"], 0, b"not a video " * 41 + b"12345678")
    assert client.post(f"/api/uploads/{upload['token']}/finish").status_code == 415
    assert client.get(f"/api/uploads/{upload['token']}").status_code == 404 and sent.ids == []


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"pen_id": 999999, "size_bytes": 10}, 404),
        ({"size_bytes": 10}, 422),
        ({"pen_id": 1, "size_bytes": 0}, 422),
    ],
)
def test_bad_upload_requests(client: Any, pen_id: int, body: dict, status: int) -> None:
    assert client.post("/api/uploads", json=body).status_code == status


def test_unknown_token_and_cancel(client: Any, pen_id: int) -> None:
    assert client.get("/api/uploads/does-not-exist-token-123").status_code == 404
    assert client.get("/api/uploads/../../etc").status_code == 404
    upload = _open(client, pen_id, 10)
    assert client.delete(f"/api/uploads/{upload['token']}").status_code == 204
    assert client.get(f"/api/uploads/{upload['token']}").status_code == 404
