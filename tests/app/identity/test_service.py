"""Re-identification on the real embedded PostgreSQL 18 + pgvector: across chunks and days."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import func, select

from app.errors import NotFoundError
from app.identity import repository
from app.identity.models import Embedding, IdentityEvent
from app.identity.service import IdentityConfig, assign_chunk_identities
from models.reid.pool import PoolPolicy
from tests.app.identity.helpers import (
    add_track,
    identity_centres,
    make_chunk,
    make_pen,
    make_pen_chunk,
    unit,
    views,
)


def test_unknown_chunk_is_refused(db_session):
    with pytest.raises(NotFoundError):
        assign_chunk_identities(db_session, 987654)


def test_chunk_without_tracks_assigns_nothing(db_session):
    chunk = make_chunk(db_session, make_pen(db_session), day=0)
    assert assign_chunk_identities(db_session, chunk.id) == []


def test_empty_pen_creates_one_animal_per_pig_and_seeds_pools(db_session):
    pen = make_pen(db_session)
    centres = identity_centres(4)
    _, tracks = make_pen_chunk(db_session, pen, centres, day=0, seed=1)
    decisions = assign_chunk_identities(db_session, tracks[0].chunk_id)
    animals = [d.animal_id for d in decisions]
    assert None not in animals and len(set(animals)) == 4
    assert repository.pen_animal_ids(db_session, pen.id) == sorted(animals)
    creates = db_session.execute(select(func.count()).where(IdentityEvent.kind == "create")).scalar_one()
    assert creates >= 4
    assert all(repository.pool_size(db_session, a) >= 1 for a in animals)


def test_pigs_are_found_again_on_later_days_whatever_their_tracker_ids(db_session):
    pen = make_pen(db_session)
    centres = identity_centres(5, seed=2)
    _, first = make_pen_chunk(db_session, pen, centres, day=0, seed=3)
    day0 = [d.animal_id for d in assign_chunk_identities(db_session, first[0].chunk_id)]
    order = [3, 0, 4, 1, 2]  # pigs appear in another order with unrelated tracker ids
    _, later = make_pen_chunk(db_session, pen, centres[order], day=3, seed=4, local_ids=[9, 1, 7, 2, 5])
    day3 = assign_chunk_identities(db_session, later[0].chunk_id)
    assert [d.animal_id for d in day3] == [day0[i] for i in order]
    assert all(d.band == "assigned" for d in day3)
    assert len(repository.pen_animal_ids(db_session, pen.id)) == 5  # nobody created twice


def test_broken_track_fragments_rejoin_the_same_animal(db_session):
    pen = make_pen(db_session)
    centres = identity_centres(2, seed=5)
    _, first = make_pen_chunk(db_session, pen, centres, day=0, seed=6)
    known = [d.animal_id for d in assign_chunk_identities(db_session, first[0].chunk_id)]
    rng = np.random.default_rng(7)
    chunk = make_chunk(db_session, pen, day=1)
    add_track(db_session, chunk, local_id=1, start_s=0, end_s=300, vectors=views(centres[1], 5, rng), day=1)
    add_track(db_session, chunk, local_id=2, start_s=0, end_s=100, vectors=views(centres[0], 5, rng), day=1)
    add_track(db_session, chunk, local_id=3, start_s=120, end_s=300, vectors=views(centres[0], 5, rng), day=1)
    decisions = assign_chunk_identities(db_session, chunk.id)
    assert [d.animal_id for d in decisions] == [known[1], known[0], known[0]]


def test_stranger_while_a_known_pig_is_absent_is_not_made_a_new_animal(db_session):
    pen = make_pen(db_session)
    centres = identity_centres(3, seed=8)
    _, first = make_pen_chunk(db_session, pen, centres[:2], day=0, seed=9)
    assign_chunk_identities(db_session, first[0].chunk_id)
    rng = np.random.default_rng(10)
    chunk = make_chunk(db_session, pen, day=1)
    add_track(db_session, chunk, local_id=1, start_s=0, end_s=300, vectors=views(centres[0], 5, rng), day=1)
    add_track(db_session, chunk, local_id=2, start_s=0, end_s=300, vectors=views(centres[2], 5, rng), day=1)
    decisions = assign_chunk_identities(db_session, chunk.id)
    assert decisions[1].band == "unknown" and not decisions[1].new_animal
    assert len(repository.pen_animal_ids(db_session, pen.id)) == 2


def test_pool_stays_within_capacity_and_embeddings_follow_their_track(db_session):
    pen = make_pen(db_session)
    centres = identity_centres(1, seed=11)
    config = IdentityConfig(policy=PoolPolicy(budget_bytes=4, bytes_per_entry=1, novelty_distance=0.0))
    for day in range(3):
        _, tracks = make_pen_chunk(db_session, pen, centres, day=day, seed=20 + day)
        (decision,) = assign_chunk_identities(db_session, tracks[0].chunk_id, config=config)
    assert repository.pool_size(db_session, decision.animal_id) == 4
    owners = db_session.execute(
        select(Embedding.animal_id).where(Embedding.track_id == tracks[0].id)
    ).scalars()
    assert set(owners) == {decision.animal_id}


def test_duplicate_track_of_a_known_pig_does_not_leave_an_empty_animal(db_session):
    pen = make_pen(db_session)
    centres = identity_centres(1, seed=30)
    _, first = make_pen_chunk(db_session, pen, centres, day=0, seed=31)
    (known,) = [d.animal_id for d in assign_chunk_identities(db_session, first[0].chunk_id)]
    rng = np.random.default_rng(32)
    chunk = make_chunk(db_session, pen, day=1)
    add_track(db_session, chunk, local_id=1, start_s=0, end_s=300, vectors=views(centres[0], 5, rng), day=1)
    add_track(db_session, chunk, local_id=2, start_s=0, end_s=290, vectors=views(centres[0], 5, rng), day=1)
    decisions = assign_chunk_identities(db_session, chunk.id)
    animals = repository.pen_animal_ids(db_session, pen.id)
    held = {d.animal_id for d in decisions} - {None}
    assert set(animals) == {known} | held  # every animal of the pen holds a track or held one before
    assert len(animals) == 1 and known in {d.candidate_animal_id for d in decisions}
    creates = db_session.scalars(select(IdentityEvent.animal_id).where(IdentityEvent.kind == "create"))
    assert set(creates) <= set(animals)


def test_look_alike_pigs_in_an_empty_pen_each_get_an_animal(db_session):
    pen = make_pen(db_session)
    rng = np.random.default_rng(33)
    centre = identity_centres(1, seed=34)[0]
    twin = unit(centre + 0.015 * rng.normal(size=384))
    assert 0.9 < float(centre @ twin) < 0.99
    chunk = make_chunk(db_session, pen, day=0)
    add_track(db_session, chunk, local_id=1, start_s=0, end_s=300, vectors=views(centre, 5, rng), day=0)
    add_track(db_session, chunk, local_id=2, start_s=0, end_s=290, vectors=views(twin, 5, rng), day=0)
    decisions = assign_chunk_identities(db_session, chunk.id)
    assert [d.band for d in decisions] == ["assigned", "assigned"]
    assert len({d.animal_id for d in decisions}) == 2
    assert sorted(repository.pen_animal_ids(db_session, pen.id)) == sorted(d.animal_id for d in decisions)
