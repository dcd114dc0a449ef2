"""Alert routes on the real app: list with filters, get, confirm (new or linked health event), dismiss,
roles."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.health.models import HealthEvent
from app.summaries.models import Alert
from tests.app.summaries.seed import DAY0, make_world


def seeded_alerts(db_session):
    world = make_world(db_session, n_animals=2)
    pig, mate = world.animals
    alerts = [
        Alert(animal_id=pig.id, kind="feeding", day=DAY0.date(), evidence={"last_day": "2026-03-02"}),
        Alert(animal_id=mate.id, kind="activity", day=DAY0.date(), status="dismissed"),
    ]
    db_session.add_all(alerts)
    db_session.commit()
    return world, alerts


@pytest.mark.parametrize(
    ("params", "expected"),
    [({}, 2), ({"status": "open"}, 1), ({"kind": "activity"}, 1), ({"pen_id": 0}, 0), ({"limit": 1}, 2)],
)
def test_list_filters(client, db_session, login, params, expected) -> None:
    world, _ = seeded_alerts(db_session)
    login(client, "viewer")
    params = {"pen_id": world.pen.id, **params} if params.get("pen_id") != 0 else params
    body = client.get("/api/alerts", params=params).json()
    assert body["total"] == expected
    assert len(body["items"]) == min(expected, params.get("limit", 100))


def test_get_alert_with_animal(client, db_session, api_key_headers) -> None:
    world, (alert, _) = seeded_alerts(db_session)
    body = client.get(f"/api/alerts/{alert.id}", headers=api_key_headers("viewer")).json()
    got = (body["ear_tag"], body["pen_id"], body["status"])
    assert got == (world.animals[0].ear_tag, world.pen.id, "open")


def test_confirm_creates_observation(client, db_session, login) -> None:
    _, (alert, _) = seeded_alerts(db_session)
    vet = login(client, "vet")
    body = client.post(f"/api/alerts/{alert.id}/confirm", json={"notes": "off feed"}).json()
    assert (body["status"], body["decided_by_id"]) == ("confirmed", vet.id)
    event = db_session.get(HealthEvent, body["health_event_id"])
    assert event.kind == "observation" and "off feed" in event.notes and event.recorded_by_id == vet.id


@pytest.mark.parametrize(("own", "status"), [(True, 200), (False, 409)])
def test_confirm_links_event_of_same_animal_only(client, db_session, login, own, status) -> None:
    world, (alert, _) = seeded_alerts(db_session)
    animal = world.animals[0 if own else 1]
    event = HealthEvent(
        animal_id=animal.id, kind="diagnosis", occurred_at=datetime.now(UTC), condition="ileitis"
    )
    db_session.add(event)
    db_session.commit()
    login(client, "manager")
    response = client.post(f"/api/alerts/{alert.id}/confirm", json={"health_event_id": event.id})
    assert response.status_code == status
    if own:
        assert response.json()["health_event_id"] == event.id


def test_dismiss_once(client, db_session, login) -> None:
    _, (alert, _) = seeded_alerts(db_session)
    login(client, "vet")
    first = client.post(f"/api/alerts/{alert.id}/dismiss", json={"notes": "feeder was blocked"})
    assert first.json()["status"] == "dismissed"
    assert first.json()["evidence"]["decision_notes"] == "feeder was blocked"
    again = client.post(f"/api/alerts/{alert.id}/dismiss", json={})
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"


@pytest.mark.parametrize(
    ("role", "path", "status"),
    [("viewer", "confirm", 403), ("viewer", "dismiss", 403), ("vet", "missing", 404)],
)
def test_decisions_need_vet_and_existing_alert(client, db_session, login, role, path, status) -> None:
    _, (alert, _) = seeded_alerts(db_session)
    login(client, role)
    alert_id = 999999 if path == "missing" else alert.id
    response = client.post(f"/api/alerts/{alert_id}/{'dismiss' if path == 'missing' else path}", json={})
    assert response.status_code == status
    assert "error" in response.json()
