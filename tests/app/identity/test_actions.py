"""A person's identity actions through the REST API, on the real database, with reverts and audit trail."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import select

from app.animals.models import Animal
from app.identity import repository
from app.identity.service import assign_chunk_identities
from app.tracking.models import Track
from tests.app.identity.helpers import (
    add_track,
    identity_centres,
    make_chunk,
    make_pen,
    make_pen_chunk,
    views,
)


@pytest.fixture
def pen_with_two_pigs(db_session):
    """A pen whose two pigs were identified on day 0; returns (pen, centres, [animal ids])."""
    pen = make_pen(db_session)
    centres = identity_centres(3, seed=30)
    _, tracks = make_pen_chunk(db_session, pen, centres[:2], day=0, seed=31)
    animals = [d.animal_id for d in assign_chunk_identities(db_session, tracks[0].chunk_id)]
    db_session.commit()
    return pen, centres, animals


def suggested_track(db_session, pen, centre):
    """A day-1 track that looks halfway like ``centre``: suggested, not assigned."""
    rng = np.random.default_rng(32)
    chunk = make_chunk(db_session, pen, day=1)
    vectors = (views(centre, 4, rng) + views(np.roll(centre, 7), 4, rng)) / 2
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    track = add_track(db_session, chunk, local_id=1, start_s=0, end_s=60, vectors=vectors, day=1)
    (decision,) = assign_chunk_identities(db_session, chunk.id)
    db_session.commit()
    return track, decision


def state(db_session, track_id):
    db_session.expire_all()
    track = db_session.get(Track, track_id)
    return track.animal_id, track.assignment_band, track.candidate_animal_id


@pytest.mark.parametrize("role,expected", [("viewer", 403), ("vet", 403), ("manager", 200), ("admin", 200)])
def test_suggestions_need_a_manager(client, login, role, expected):
    login(client, role)
    assert client.get("/api/identity/suggestions").status_code == expected


def test_empty_suggestions_and_events(client, login):
    login(client, "manager")
    assert client.get("/api/identity/suggestions", params={"pen_id": 999999}).json() == []
    assert client.get("/api/identity/events", params={"animal_id": 999999}).json() == []


def test_confirm_a_suggestion_then_revert_it(client, login, db_session, pen_with_two_pigs):
    pen, centres, animals = pen_with_two_pigs
    track, decision = suggested_track(db_session, pen, centres[0])
    assert decision.band == "suggested" and decision.candidate_animal_id == animals[0]
    user = login(client, "manager")
    listed = client.get("/api/identity/suggestions", params={"pen_id": pen.id}).json()
    assert [s["id"] for s in listed] == [track.id]
    event = client.post(f"/api/identity/tracks/{track.id}/confirm").json()
    assert event["kind"] == "confirm" and event["user_id"] == user.id
    assert state(db_session, track.id) == (animals[0], "assigned", animals[0])
    assert client.post(f"/api/identity/tracks/{track.id}/confirm").status_code == 409
    reverted = client.post(f"/api/identity/events/{event['id']}/revert").json()
    assert reverted["reverts_id"] == event["id"]
    assert state(db_session, track.id) == (None, "suggested", animals[0])
    assert client.post(f"/api/identity/events/{event['id']}/revert").status_code == 409


def test_reject_and_reassign_move_the_track_and_its_pool_entries(
    client, login, db_session, pen_with_two_pigs
):
    pen, centres, animals = pen_with_two_pigs
    track, _ = suggested_track(db_session, pen, centres[0])
    login(client, "manager")
    assert client.post(f"/api/identity/tracks/{track.id}/reject").status_code == 200
    assert state(db_session, track.id) == (None, "unknown", None)
    response = client.post(f"/api/identity/tracks/{track.id}/reassign", json={"animal_id": animals[1]})
    assert response.status_code == 200 and response.json()["kind"] == "reassign"
    assert state(db_session, track.id)[:2] == (animals[1], "assigned")
    pooled = [row.animal_id for row in repository.track_embedding_rows(db_session, [track.id]) if row.in_pool]
    assert pooled and set(pooled) == {animals[1]}
    missing = client.post(f"/api/identity/tracks/{track.id}/reassign", json={"animal_id": 999999})
    assert missing.status_code == 404


def test_merge_then_split_then_revert_both(client, login, db_session, pen_with_two_pigs):
    pen, _, animals = pen_with_two_pigs
    login(client, "manager")
    assert (
        client.post(
            f"/api/identity/animals/{animals[0]}/merge", json={"other_animal_id": animals[0]}
        ).status_code
        == 409
    )
    merged = client.post(
        f"/api/identity/animals/{animals[0]}/merge", json={"other_animal_id": animals[1]}
    ).json()
    moved = repository.animal_track_ids(db_session, animals[0])
    assert len(moved) == 2 and db_session.get(Animal, animals[1]).merged_into_id == animals[0]
    split = client.post(f"/api/identity/animals/{animals[0]}/split", json={"track_ids": moved[1:]}).json()
    new_animal = split["other_animal_id"]
    assert repository.animal_track_ids(db_session, new_animal) == moved[1:]
    blocked = client.post(f"/api/identity/events/{merged['id']}/revert")
    assert blocked.status_code == 409  # the later split touched the same tracks
    assert client.post(f"/api/identity/events/{split['id']}/revert").status_code == 200
    assert client.post(f"/api/identity/events/{merged['id']}/revert").status_code == 200
    db_session.expire_all()
    assert repository.animal_track_ids(db_session, animals[1]) == moved[1:]
    assert db_session.get(Animal, animals[1]).merged_into_id is None
    assert db_session.get(Animal, new_animal).merged_into_id == animals[0]
    kinds = [e["kind"] for e in client.get("/api/identity/events", params={"animal_id": animals[0]}).json()]
    assert kinds[:4] == ["merge", "split", "split", "merge"]


def test_split_refuses_foreign_tracks(client, login, db_session, pen_with_two_pigs):
    _, _, animals = pen_with_two_pigs
    login(client, "manager")
    foreign = repository.animal_track_ids(db_session, animals[1])
    response = client.post(f"/api/identity/animals/{animals[0]}/split", json={"track_ids": foreign})
    assert response.status_code == 409
    assert client.post(f"/api/identity/animals/{animals[0]}/split", json={"track_ids": []}).status_code == 422
    assert (
        db_session.execute(select(Track.animal_id).where(Track.id == foreign[0])).scalar_one() == animals[1]
    )
