"""REST for farms, pens with zones, and animals: create, list, get, update; validation of zones and tags."""

from __future__ import annotations

from typing import Any

import pytest

SQUARE = [[0.1, 0.1], [0.4, 0.1], [0.4, 0.3], [0.1, 0.3]]


@pytest.fixture
def manager(client: Any, login: Any) -> Any:
    """``client`` signed in as a manager."""
    login(client, "manager")
    return client


@pytest.fixture
def farm_id(manager: Any) -> int:
    return int(manager.post("/api/farms", json={"name": "Edinburgh"}).json()["id"])


def test_pen_with_zones_roundtrip(manager: Any, farm_id: int) -> None:
    body = {
        "farm_id": farm_id,
        "name": "Pen 1",
        "capacity": 8,
        "zones": [
            {"kind": "feeder", "name": "trough", "polygon": SQUARE},
            {"kind": "drinker", "name": "nipple", "polygon": [[0.9, 0.9], [1.0, 0.9], [1.0, 1.0]]},
        ],
    }
    created = manager.post("/api/pens", json=body)
    assert created.status_code == 201
    pen = created.json()
    assert [z["kind"] for z in pen["zones"]] == ["feeder", "drinker"]
    assert pen["zones"][0]["polygon"] == SQUARE
    assert manager.get(f"/api/pens/{pen['id']}").json() == pen
    assert [p["id"] for p in manager.get("/api/pens", params={"farm_id": farm_id}).json()] == [pen["id"]]
    assert manager.get("/api/pens", params={"farm_id": 999999}).json() == []


def test_pen_update_replaces_zones(manager: Any, farm_id: int) -> None:
    zone = {"kind": "lying", "name": "bed", "polygon": SQUARE}
    pen = manager.post("/api/pens", json={"farm_id": farm_id, "name": "P", "zones": [zone]}).json()
    updated = manager.patch(f"/api/pens/{pen['id']}", json={"zones": [zone, {**zone, "name": "bed 2"}]})
    assert updated.status_code == 200
    assert [z["name"] for z in updated.json()["zones"]] == ["bed", "bed 2"]
    renamed = manager.patch(f"/api/pens/{pen['id']}", json={"name": "Q"}).json()
    assert renamed["name"] == "Q" and len(renamed["zones"]) == 2
    cleared = manager.patch(f"/api/pens/{pen['id']}", json={"zones": []}).json()
    assert cleared["zones"] == []


@pytest.mark.parametrize(
    "zone",
    [
        {"kind": "feeder", "name": "z", "polygon": [[0.1, 0.1], [0.2, 0.2]]},
        {"kind": "feeder", "name": "z", "polygon": [[0.1, 0.1], [1.2, 0.2], [0.3, 0.3]]},
        {"kind": "feeder", "name": "z", "polygon": []},
        {"kind": "toilet", "name": "z", "polygon": SQUARE},
        {"kind": "feeder", "name": "", "polygon": SQUARE},
    ],
)
def test_invalid_zone_is_422(manager: Any, farm_id: int, zone: dict[str, Any]) -> None:
    response = manager.post("/api/pens", json={"farm_id": farm_id, "name": "P", "zones": [zone]})
    assert response.status_code == 422


def test_duplicate_zone_names_conflict(manager: Any, farm_id: int) -> None:
    zone = {"kind": "feeder", "name": "same", "polygon": SQUARE}
    response = manager.post("/api/pens", json={"farm_id": farm_id, "name": "P", "zones": [zone, zone]})
    assert response.status_code == 409


def test_pen_in_unknown_farm_is_404(manager: Any) -> None:
    response = manager.post("/api/pens", json={"farm_id": 999999, "name": "P"})
    assert response.status_code == 404
    assert response.json()["error"]["details"] == {"kind": "farm", "id": 999999}


def test_animal_crud(manager: Any, farm_id: int) -> None:
    pen_id = manager.post("/api/pens", json={"farm_id": farm_id, "name": "P"}).json()["id"]
    body = {"pen_id": pen_id, "ear_tag": "UK-001", "sex": "female", "birth_date": "2026-03-01"}
    created = manager.post("/api/animals", json=body)
    assert created.status_code == 201
    animal = created.json()
    assert animal["status"] == "healthy" and animal["merged_into_id"] is None
    assert manager.get(f"/api/animals/{animal['id']}").json() == animal
    updated = manager.patch(f"/api/animals/{animal['id']}", json={"status": "in_treatment", "name": "Peppa"})
    assert updated.json()["status"] == "in_treatment" and updated.json()["name"] == "Peppa"
    assert updated.json()["ear_tag"] == "UK-001"
    listed = manager.get("/api/animals", params={"pen_id": pen_id, "status": "in_treatment"}).json()
    assert [a["id"] for a in listed] == [animal["id"]]
    assert manager.get("/api/animals", params={"status": "ill"}).json() == []


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"status": "dead"}, 422),
        ({"sex": "unknown-ish"}, 422),
        ({"birth_date": "yesterday"}, 422),
        ({"pen_id": 999999}, 404),
        ({"ear_tag": "TAKEN"}, 409),
    ],
)
def test_animal_bad_input(manager: Any, body: dict[str, Any], status: int) -> None:
    assert manager.post("/api/animals", json={"ear_tag": "TAKEN"}).status_code == 201
    assert manager.post("/api/animals", json=body).status_code == status


def test_animal_update_unknown_is_404(manager: Any) -> None:
    assert manager.patch("/api/animals/999999", json={"name": "x"}).status_code == 404


def test_empty_lists(manager: Any) -> None:
    assert manager.get("/api/animals").json() == []
    assert manager.get("/api/pens").json() == []
    assert manager.get("/api/farms").json() == []


def test_zone_cameras_must_watch_the_pen(manager: Any, farm_id: int, db_session: Any) -> None:
    from app.cameras.models import Camera

    pen = manager.post("/api/pens", json={"farm_id": farm_id, "name": "P"}).json()
    other = manager.post("/api/pens", json={"farm_id": farm_id, "name": "Q"}).json()
    own_camera = Camera(pen_id=pen["id"], name="top", stream_url="rtsp://cam/1")
    foreign_camera = Camera(pen_id=other["id"], name="top", stream_url="rtsp://cam/2")
    db_session.add_all([own_camera, foreign_camera])
    db_session.commit()

    def zones_with(camera_id: int) -> dict[str, Any]:
        return {"zones": [{"kind": "feeder", "name": "f", "polygon": SQUARE, "camera_id": camera_id}]}

    ok = manager.patch(f"/api/pens/{pen['id']}", json=zones_with(own_camera.id))
    assert ok.status_code == 200 and ok.json()["zones"][0]["camera_id"] == own_camera.id
    assert manager.patch(f"/api/pens/{pen['id']}", json=zones_with(foreign_camera.id)).status_code == 409
    assert manager.patch(f"/api/pens/{pen['id']}", json=zones_with(999999)).status_code == 404
    new_pen = {"farm_id": farm_id, "name": "R", **zones_with(own_camera.id)}
    assert manager.post("/api/pens", json=new_pen).status_code == 409
    assert manager.get(f"/api/pens/{pen['id']}").json()["zones"][0]["camera_id"] == own_camera.id
