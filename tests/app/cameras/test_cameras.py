"""Cameras REST and the stream-gap rules, on the real app and database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.cameras import service
from tests.workers.factories import make_pen

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def pen_id(db_session: Any) -> int:
    pen = make_pen(db_session)
    db_session.commit()
    return int(pen.id)


def test_manager_adds_a_camera_and_viewer_reads_it_with_gaps(
    client: Any, db_session: Any, api_key_headers: Callable[[str], dict], pen_id: int
) -> None:
    body = {"pen_id": pen_id, "name": "north", "stream_url": "rtsp://10.0.0.5/stream1"}
    created = client.post("/api/cameras", json=body, headers=api_key_headers("manager"))
    assert created.status_code == 201, created.text
    camera_id = created.json()["id"]
    service.open_gap(db_session, camera_id, started_at=T0, reason="timeout")
    db_session.commit()
    viewer = api_key_headers("viewer")
    detail = client.get(f"/api/cameras/{camera_id}", headers=viewer).json()
    assert detail["status"] == "idle" and [g["reason"] for g in detail["gaps"]] == ["timeout"]
    listed = client.get("/api/cameras", params={"pen_id": pen_id}, headers=viewer).json()
    assert [c["id"] for c in listed] == [camera_id]


@pytest.mark.parametrize(
    ("role", "body", "status"),
    [
        ("viewer", {"name": "a", "stream_url": "x"}, 403),
        ("vet", {"name": "a", "stream_url": "x"}, 403),
        ("manager", {"name": "", "stream_url": "x"}, 422),
        ("manager", {"name": "a"}, 422),
        ("manager", {"name": "a", "stream_url": "x", "extra": 1}, 422),
        ("manager", {"name": "a", "stream_url": "x", "pen_id": 999999}, 404),
    ],
)
def test_bad_camera_requests_get_4xx(
    client: Any, api_key_headers: Callable[[str], dict], pen_id: int, role: str, body: dict, status: int
) -> None:
    payload = {"pen_id": pen_id, **body}
    response = client.post("/api/cameras", json=payload, headers=api_key_headers(role))
    assert response.status_code == status, response.text
    assert response.json()["error"]["message"]


def test_duplicate_camera_name_in_a_pen_is_a_conflict(
    client: Any, api_key_headers: Callable[[str], dict], pen_id: int
) -> None:
    headers = api_key_headers("manager")
    body = {"pen_id": pen_id, "name": "same", "stream_url": "file.mp4"}
    assert client.post("/api/cameras", json=body, headers=headers).status_code == 201
    assert client.post("/api/cameras", json=body, headers=headers).status_code == 409


def test_unknown_camera_is_404(client: Any, api_key_headers: Callable[[str], dict]) -> None:
    assert client.get("/api/cameras/424242", headers=api_key_headers("viewer")).status_code == 404


def test_gaps_open_once_and_close_at_reconnection(db_session: Any, pen_id: int) -> None:
    camera = service.create_camera(db_session, pen_id=pen_id, name="c", stream_url="http://x/live.ts")
    first = service.open_gap(db_session, camera.id, started_at=T0, reason="dropped")
    again = service.open_gap(db_session, camera.id, started_at=T0 + timedelta(seconds=5), reason="refused")
    assert again.id == first.id and again.started_at == T0
    assert service.close_gaps(db_session, camera.id, ended_at=T0 + timedelta(seconds=30)) == 1
    assert service.close_gaps(db_session, camera.id, ended_at=T0 + timedelta(seconds=40)) == 0
    assert first.ended_at == T0 + timedelta(seconds=30)


@pytest.mark.parametrize(("status", "ok"), [("recording", True), ("reconnecting", True), ("sleeping", False)])
def test_camera_state_vocabulary(db_session: Any, pen_id: int, status: str, ok: bool) -> None:
    camera = service.create_camera(db_session, pen_id=pen_id, name="s", stream_url="x")
    if not ok:
        with pytest.raises(ValueError, match="unknown camera status"):
            service.set_camera_state(db_session, camera.id, status=status)
        return
    updated = service.set_camera_state(db_session, camera.id, status=status, error="e", seen_at=T0)
    assert (updated.status, updated.last_error, updated.last_seen_at) == (status, "e", T0)
