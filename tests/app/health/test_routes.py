"""Health records API on the real database: roles, validation, attribution, unknown animals."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def animal_id(db_session: Any) -> int:
    from app.animals.models import Animal

    animal = Animal(ear_tag="H-1", name="Hilda")
    db_session.add(animal)
    db_session.flush()
    return int(animal.id)


TREATMENT = {
    "kind": "treatment",
    "occurred_at": "2026-03-01T08:00:00Z",
    "product": "Oxytetracycline",
    "dose": "5 ml",
    "route": "IM",
    "withdrawal_end": "2026-03-29",
}
CREATES = [
    ("health-events", TREATMENT),
    ("health-events", {"kind": "diagnosis", "condition": "lameness", "severity": "moderate"}),
    ("health-events", {"kind": "observation", "notes": "limping on the left hind leg"}),
    ("lameness-scores", {"scale_max": 5, "score": 4}),
    ("lameness-scores", {"score": 0}),
    ("weights", {"kg": 31.5, "weighed_at": "2026-03-01T08:00:00Z"}),
]


@pytest.mark.parametrize(
    ("role", "allowed"), [("viewer", False), ("vet", True), ("manager", True), ("admin", True)]
)
@pytest.mark.parametrize(("path", "body"), CREATES)
def test_create_per_role(
    client: Any, login: Any, animal_id: int, role: str, allowed: bool, path: str, body: dict
) -> None:
    user = login(client, role)
    response = client.post(f"/api/animals/{animal_id}/{path}", json=body)
    if not allowed:
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "forbidden"
        return
    assert response.status_code == 201, response.text
    created = response.json()
    user_field = "scorer_id" if path == "lameness-scores" else "recorded_by_id"
    assert created[user_field] == user.id
    listed = client.get(f"/api/animals/{animal_id}/{path}").json()
    assert [row["id"] for row in listed] == [created["id"]]


INVALID = [
    ("health-events", {"kind": "treatment"}, "needs a product"),
    ("health-events", {"kind": "diagnosis", "condition": "  "}, "needs a condition"),
    ("health-events", {"kind": "observation"}, "needs a notes"),
    ("health-events", {**TREATMENT, "withdrawal_end": "2026-02-01"}, "before the treatment date"),
    (
        "health-events",
        {"kind": "diagnosis", "condition": "x", "withdrawal_end": "2026-04-01"},
        "only a treatment",
    ),
    ("health-events", {"kind": "vaccination"}, "kind"),
    ("lameness-scores", {"scale_max": 3, "score": 4}, "outside the 0-3 scale"),
    ("lameness-scores", {"scale_max": 4, "score": 1}, "scale_max"),
    ("lameness-scores", {"score": -1}, "score"),
    ("lameness-scores", {}, "score"),
    ("weights", {"kg": 0}, "kg"),
    ("weights", {"kg": -3}, "kg"),
    ("weights", {}, "kg"),
]


@pytest.mark.parametrize(("path", "body", "message"), INVALID)
def test_invalid_records_get_422(
    client: Any, login: Any, animal_id: int, path: str, body: dict, message: str
) -> None:
    login(client, "vet")
    response = client.post(f"/api/animals/{animal_id}/{path}", json=body)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"
    assert message in response.json()["error"]["message"]


@pytest.mark.parametrize("path", ["health-events", "lameness-scores", "weights"])
def test_unknown_animal_is_404(client: Any, login: Any, path: str) -> None:
    login(client, "vet")
    body = dict(CREATES[[p for p, _ in CREATES].index(path)][1])
    assert client.post(f"/api/animals/999999/{path}", json=body).status_code == 404
    assert client.get(f"/api/animals/999999/{path}").json()["error"]["code"] == "not_found"
    assert client.get(f"/api/{path}/999999").status_code == 404


def test_edit_is_validated_and_attributed_to_the_editor(
    client: Any, login: Any, make_user: Any, animal_id: int
) -> None:
    login(client, "vet")
    event = client.post(f"/api/animals/{animal_id}/health-events", json=TREATMENT).json()
    editor = login(client, "manager")
    bad = client.patch(f"/api/health-events/{event['id']}", json={"withdrawal_end": "2026-01-01"})
    assert bad.status_code == 422
    assert "before the treatment date" in bad.json()["error"]["message"]
    good = client.patch(f"/api/health-events/{event['id']}", json={"dose": "6 ml"})
    assert good.status_code == 200, good.text
    assert (good.json()["dose"], good.json()["product"], good.json()["recorded_by_id"]) == (
        "6 ml",
        "Oxytetracycline",
        editor.id,
    )


def test_score_edit_checked_against_scale(client: Any, login: Any, animal_id: int) -> None:
    login(client, "vet")
    score = client.post(f"/api/animals/{animal_id}/lameness-scores", json={"scale_max": 5, "score": 5}).json()
    response = client.patch(f"/api/lameness-scores/{score['id']}", json={"scale_max": 3})
    assert response.status_code == 422
    assert (
        client.patch(f"/api/lameness-scores/{score['id']}", json={"score": 2, "scale_max": 3}).status_code
        == 200
    )


@pytest.mark.parametrize(("role", "status"), [("viewer", 403), ("vet", 204)])
def test_delete_per_role(client: Any, login: Any, animal_id: int, role: str, status: int) -> None:
    login(client, "vet")
    weight = client.post(f"/api/animals/{animal_id}/weights", json={"kg": 40}).json()
    login(client, role)
    assert client.delete(f"/api/weights/{weight['id']}").status_code == status
    assert client.get(f"/api/weights/{weight['id']}").status_code == (404 if status == 204 else 200)


def test_list_is_bounded_by_dates_and_empty_for_new_animal(client: Any, login: Any, animal_id: int) -> None:
    login(client, "vet")
    assert client.get(f"/api/animals/{animal_id}/weights").json() == []
    for day in ("01", "10", "20"):
        client.post(
            f"/api/animals/{animal_id}/weights", json={"kg": 30, "weighed_at": f"2026-03-{day}T00:00:00Z"}
        )
    rows = client.get(
        f"/api/animals/{animal_id}/weights",
        params={"since": "2026-03-05T00:00:00Z", "until": "2026-03-15T00:00:00Z"},
    ).json()
    assert [r["weighed_at"][:10] for r in rows] == ["2026-03-10"]


def test_anonymous_is_refused(client: Any, animal_id: int) -> None:
    assert client.get(f"/api/animals/{animal_id}/weights").status_code == 401
