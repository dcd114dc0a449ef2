"""REST summaries (JSON, CSV, pagination, filters, errors, API keys) and the pig-page timeline, against the
real app and database."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest

from app.summaries.service import recompute_for_chunk
from tests.app.summaries.seed import DAY0, add_observed_day, make_chunk, make_track, make_world

DAY = DAY0.date()


def seeded(db_session, days: int = 3, animals: int = 2):
    """A pen whose animals are observed ``days`` days; pig 0 eats 600 s a day, pig 1 1,200 s."""
    world = make_world(db_session, n_animals=animals)
    for day in range(days):
        chunk = make_chunk(db_session, world)
        for i, pig in enumerate(world.animals):
            add_observed_day(db_session, world, pig, day, eat_s=600.0 * (i + 1), chunk=chunk)
        recompute_for_chunk(db_session, chunk.id)
    db_session.commit()
    return world


def test_animal_summaries_json_page_and_range(client, db_session, login) -> None:
    world = seeded(db_session)
    login(client, "viewer")
    pig = world.animals[0]
    url = f"/api/summaries/animals/{pig.id}"
    body = client.get(url, params={"from": str(DAY + timedelta(days=1)), "limit": 1, "offset": 1}).json()
    assert (body["total"], body["limit"], body["offset"]) == (2, 1, 1)
    [item] = body["items"]
    assert item["day"] == str(DAY + timedelta(days=2)) and item["ear_tag"] == pig.ear_tag
    assert item["behaviour_seconds"]["eat"] == 600.0
    assert item["coverage"] == pytest.approx(item["observed_s"] / 86400)
    assert "UTC" in body["sampling"]


@pytest.mark.parametrize(
    ("params", "headers"), [({"format": "csv"}, {}), ({}, {"Accept": "text/csv"})]
)
def test_pen_summaries_csv_with_api_key(client, db_session, api_key_headers, params, headers) -> None:
    world = seeded(db_session)
    response = client.get(
        f"/api/summaries/pens/{world.pen.id}",
        params=params,
        headers={**api_key_headers("viewer"), **headers},
    )
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert response.headers["x-total-count"] == "6"
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 6
    assert {r["eat_s"] for r in rows} == {"600.0", "1200.0"}
    assert "nose-to-nose_s" in rows[0] and rows[0]["day"] == str(DAY)


@pytest.mark.parametrize(
    ("extra", "expected"), [({}, 6), ({"min_observed_s": 6500}, 3), ({"min_observed_s": 99999}, 0)]
)
def test_pen_summaries_filters(client, db_session, login, extra, expected) -> None:
    world = seeded(db_session)
    login(client, "viewer")
    body = client.get(f"/api/summaries/pens/{world.pen.id}", params=extra).json()
    assert body["total"] == expected


def test_pen_summaries_one_animal(client, db_session, login) -> None:
    world = seeded(db_session)
    login(client, "viewer")
    pig = world.animals[1]
    body = client.get(f"/api/summaries/pens/{world.pen.id}", params={"animal_id": pig.id}).json()
    assert {i["animal_id"] for i in body["items"]} == {pig.id} and body["total"] == 3


@pytest.mark.parametrize(
    ("path", "params", "status", "code"),
    [
        ("/api/summaries/animals/999999", {}, 404, "not_found"),
        ("/api/summaries/pens/999999", {}, 404, "not_found"),
        ("/api/summaries/animals/{pig}", {"from": "2026-03-05", "to": "2026-03-01"}, 422, "validation_error"),  # noqa: E501
        ("/api/summaries/animals/{pig}", {"from": "yesterday"}, 422, "validation_error"),
        ("/api/summaries/animals/{pig}", {"format": "xml"}, 422, "validation_error"),
        ("/api/animals/{pig}/timeline", {"from": "2024-01-01", "to": "2026-03-01"}, 422, "validation_error"),  # noqa: E501
        ("/api/animals/999999/timeline", {}, 404, "not_found"),
    ],
)
def test_errors_have_one_body_shape(client, db_session, login, path, params, status, code) -> None:
    world = seeded(db_session, days=1, animals=1)
    login(client, "viewer")
    response = client.get(path.format(pig=world.animals[0].id), params=params)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code


def test_needs_credentials(client, db_session) -> None:
    world = seeded(db_session, days=1, animals=1)
    response = client.get(f"/api/summaries/animals/{world.animals[0].id}")
    assert response.status_code == 401 and response.json()["error"]["code"] == "not_authenticated"


def add_records(db_session, world) -> None:
    from app.health.models import HealthEvent, LamenessScore, Weight
    from app.summaries.models import Alert

    pig, mate = world.animals
    for animal, gain in ((pig, 0.5), (mate, 1.0)):
        for day in (0, 2):
            at = DAY0 + timedelta(days=day)
            db_session.add(Weight(animal_id=animal.id, weighed_at=at, kg=30 + gain * day))
    db_session.add(LamenessScore(animal_id=pig.id, scored_at=DAY0 + timedelta(hours=9), scale_max=3, score=2))
    db_session.add(HealthEvent(animal_id=pig.id, kind="treatment", occurred_at=DAY0 + timedelta(days=1),
                               product="amoxicillin", withdrawal_end=DAY + timedelta(days=15)))  # fmt: skip
    db_session.add(Alert(animal_id=pig.id, kind="feeding", day=DAY + timedelta(days=1)))
    chunk = make_chunk(db_session, world)
    start = DAY0 + timedelta(days=1, hours=12)
    for conf in (0.5, 0.9):
        make_track(db_session, chunk, pig, start, start + timedelta(minutes=5), assignment_confidence=conf)
    db_session.commit()


def test_timeline_has_everything_the_pig_page_draws(client, db_session, api_key_headers) -> None:
    world = seeded(db_session)
    add_records(db_session, world)
    pig = world.animals[0]
    params = {"from": str(DAY), "to": str(DAY + timedelta(days=2))}
    url = f"/api/animals/{pig.id}/timeline"
    body = client.get(url, params=params, headers=api_key_headers("viewer")).json()
    assert [d["day"] for d in body["days"]] == [str(DAY + timedelta(days=i)) for i in range(3)]
    day1 = body["days"][1]
    assert day1["identity_tracks"] == 3  # two scored tracks + the seeded observation track
    assert day1["identity_confidence"] == pytest.approx(0.7)
    assert day1["behaviour_hours"]["eat"] == pytest.approx(600 / 3600)
    assert body["growth"] == {"adg_kg_per_day": 0.5, "pen_adg_kg_per_day": 0.75, "pen_animals_with_adg": 2}
    assert [w["kg"] for w in body["weights"]] == [30.0, 31.0]
    assert body["lameness"][0]["lame"] is True
    assert body["health_events"][0]["withdrawal_end"] == str(DAY + timedelta(days=15))
    assert [a["kind"] for a in body["alerts"]] == ["feeding"]


def test_timeline_default_range_is_recent(client, db_session, login) -> None:
    world = seeded(db_session, days=1, animals=1)
    login(client, "viewer")
    body = client.get(f"/api/animals/{world.animals[0].id}/timeline").json()
    assert body["days"] == []
    assert (date.fromisoformat(body["to_day"]) - date.fromisoformat(body["from_day"])).days == 89


def test_recompute_endpoint_writes_pen_summaries(client, db_session, login) -> None:
    world = make_world(db_session, n_animals=2)
    chunk = make_chunk(db_session, world)
    for pig in world.animals:
        add_observed_day(db_session, world, pig, 1, eat_s=600.0, chunk=chunk)
    db_session.commit()
    login(client, "manager")
    body = {"pen_id": world.pen.id, "from_day": str(DAY), "to_day": str(DAY + timedelta(days=2))}
    response = client.post("/api/summaries/recompute", json=body)
    assert response.status_code == 200, response.text
    assert response.json() == {"animals": 2, "days": 3, "summaries": 2, "alerts": 0}
    page = client.get(f"/api/summaries/pens/{world.pen.id}").json()
    assert {i["day"] for i in page["items"]} == {str(DAY + timedelta(days=1))}


@pytest.mark.parametrize(
    ("role", "body", "status"),
    [
        ("vet", {"from_day": "2026-03-01", "to_day": "2026-03-02"}, 403),
        ("manager", {"pen_id": 999999, "from_day": "2026-03-01", "to_day": "2026-03-02"}, 404),
        ("manager", {"animal_ids": [999999], "from_day": "2026-03-01", "to_day": "2026-03-02"}, 404),
        ("manager", {"from_day": "2025-01-01", "to_day": "2026-03-02"}, 422),
        ("manager", {"from_day": "2026-03-02", "to_day": "2026-03-01"}, 422),
        ("manager", {"from_day": "2026-03-01"}, 422),
    ],
)
def test_recompute_endpoint_errors(client, login, role, body, status) -> None:
    login(client, role)
    response = client.post("/api/summaries/recompute", json=body)
    assert response.status_code == status and "error" in response.json()
