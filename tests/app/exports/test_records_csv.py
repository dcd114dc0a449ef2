"""Records CSV (farmOS-style): export, all-or-nothing import with per-row errors, round trip; real app
and database."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.exports.farmos import COLUMNS
from app.health.models import HealthEvent, LamenessScore, Weight
from tests.app.summaries.seed import DAY0, make_world

HEADER = ",".join(COLUMNS)


def seed_records(db_session, user):
    world = make_world(db_session, n_animals=2)
    pig, mate = world.animals
    db_session.add_all([
        HealthEvent(animal_id=pig.id, kind="diagnosis", occurred_at=DAY0, condition="ileitis",
                    severity="mild", recorded_by_id=user.id),
        HealthEvent(animal_id=pig.id, kind="treatment", occurred_at=DAY0 + timedelta(hours=2),
                    product="tylosin", dose="2 ml", route="IM", withdrawal_end=date(2026, 3, 15),
                    notes="pen 3, left", recorded_by_id=user.id),
        HealthEvent(animal_id=mate.id, kind="observation", occurred_at=DAY0 + timedelta(days=1),
                    notes='coughing, "dry"', recorded_by_id=user.id),
        LamenessScore(animal_id=pig.id, scored_at=DAY0 + timedelta(days=2), scale_max=5, score=3,
                      scorer_id=user.id, notes="hind left"),
        Weight(animal_id=pig.id, weighed_at=DAY0 + timedelta(days=3), kg=42.35, recorded_by_id=user.id),
        Weight(animal_id=mate.id, weighed_at=DAY0 + timedelta(days=3), kg=40.0, recorded_by_id=user.id),
    ])  # fmt: skip
    db_session.commit()
    return world


def counts(db_session) -> tuple[int, int, int]:
    return tuple(
        db_session.scalar(select(func.count()).select_from(m)) for m in (HealthEvent, LamenessScore, Weight)
    )


def test_round_trip(client, db_session, login) -> None:
    vet = login(client, "vet")
    world = seed_records(db_session, vet)
    exported = client.get("/api/records/export", params={"pen_id": world.pen.id})
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [r["record_type"] for r in rows] == [
        "diagnosis",
        "treatment",
        "observation",
        "lameness",
        "weight",
        "weight",
    ]
    assert [r["log_type"] for r in rows[:4]] == ["medical", "medical", "observation", "observation"]
    assert (rows[3]["quantity"], rows[3]["unit"], rows[4]["unit"]) == ("3", "score_0_5", "kg")
    for model in (HealthEvent, LamenessScore, Weight):
        for row in db_session.scalars(select(model)):
            db_session.delete(row)
    db_session.commit()
    imported = client.post(
        "/api/records/import", content=exported.text, headers={"Content-Type": "text/csv"}
    )
    assert imported.status_code == 200, imported.text
    assert imported.json() == {"diagnosis": 1, "treatment": 1, "observation": 1, "lameness": 1, "weight": 2}
    again = client.get("/api/records/export", params={"pen_id": world.pen.id})
    assert again.text == exported.text


def good_row(tag: str) -> str:
    return f"2026-03-01T08:00:00,observation,weight,{tag},,41.5,kg,,,,,,,,"


@pytest.mark.parametrize(
    ("bad_row", "message"),
    [
        ("2026-03-01T08:00:00,,weight,{tag},,-3,kg,,,,,,,,", "quantity"),
        ("2026-03-01T08:00:00,,weight,NO-SUCH-TAG,,40,kg,,,,,,,,", "no animal with ear tag"),
        ("2026-03-01T08:00:00,,vaccination,{tag},,,,,,,,,,,", "record_type"),
        ("2026-03-01T08:00:00,medical,observation,{tag},,,,,,,,,,,", "log_type"),
        ("2026-03-01T08:00:00,,diagnosis,{tag},,,,,,,,,,,", "needs a condition"),
        ("2026-03-01T08:00:00,,lameness,{tag},,4,score_0_3,,,,,,,,", "outside the 0-3 scale"),
        ("2026-03-01T08:00:00,,lameness,{tag},,1,,,,,,,,,", "score_0_3 or score_0_5"),
        ("last tuesday,,weight,{tag},,40,kg,,,,,,,,", "timestamp"),
        (",,weight,{tag},,40,kg,,,,,,,,", "timestamp is empty"),
    ],
)
def test_import_is_all_or_nothing_with_row_errors(client, db_session, login, bad_row, message) -> None:
    vet = login(client, "vet")
    tag = seed_records(db_session, vet).animals[0].ear_tag
    before = counts(db_session)
    text = "\n".join([HEADER, good_row(tag), bad_row.format(tag=tag), good_row(tag)]) + "\n"
    response = client.post("/api/records/import", content=text, headers={"Content-Type": "text/csv"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_csv"
    assert [d["row"] for d in error["details"]] == [3]
    assert message in " ".join(error["details"][0]["errors"])
    assert counts(db_session) == before


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "lacks column"), ("timestamp,asset\n", "record_type"), (HEADER + ",colour\n", "unknown column")],
)
def test_import_header_errors(client, login, text, message) -> None:
    login(client, "vet")
    response = client.post("/api/records/import", content=text, headers={"Content-Type": "text/csv"})
    assert response.status_code == 422 and message in response.json()["error"]["message"]


def test_import_empty_file_imports_nothing(client, login) -> None:
    login(client, "vet")
    response = client.post(
        "/api/records/import", content=HEADER + "\n", headers={"Content-Type": "text/csv"}
    )
    assert response.json() == dict.fromkeys(
        ("diagnosis", "treatment", "observation", "lameness", "weight"), 0
    )


def test_viewer_cannot_import(client, login) -> None:
    login(client, "viewer")
    response = client.post(
        "/api/records/import", content=HEADER + "\n", headers={"Content-Type": "text/csv"}
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"record_type": "weight"}, 2),
        ({"record_type": ["diagnosis", "treatment"]}, 2),
        ({"from": "2026-03-02", "to": "2026-03-03"}, 2),
        ({"from": "2030-01-01"}, 0),
    ],
)
def test_export_filters(client, db_session, make_user, api_key_headers, params, expected) -> None:
    world = seed_records(db_session, make_user("vet")[0])
    response = client.get(
        "/api/records/export", params={"pen_id": world.pen.id, **params}, headers=api_key_headers("viewer")
    )
    assert len(list(csv.DictReader(io.StringIO(response.text)))) == expected


def test_export_rejects_unknown_type(client, login) -> None:
    login(client, "viewer")
    response = client.get("/api/records/export", params={"record_type": "vaccination"})
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_csv"
