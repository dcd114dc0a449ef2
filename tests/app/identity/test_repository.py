"""`app.identity.repository.nearest_pool_hits` on the real embedded PostgreSQL + pgvector (exact search)."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import text

from app.animals.models import Animal
from app.identity import repository
from app.identity.models import Embedding
from tests.app.identity.helpers import add_track, identity_centres, make_chunk, make_pen, unit, views


def pooled_animal(session, pen, chunk, vectors: np.ndarray, *, in_pool: bool = True) -> int:
    """An animal of ``pen`` whose embeddings (one track of ``chunk``) are ``vectors``, in its pool or not."""
    animal = Animal(pen_id=pen.id)
    session.add(animal)
    session.flush()
    track = add_track(session, chunk, local_id=animal.id, start_s=0, end_s=10, vectors=vectors, day=0)
    for row in session.query(Embedding).filter(Embedding.track_id == track.id):
        row.animal_id, row.in_pool = animal.id, in_pool
    session.flush()
    return animal.id


def test_nearest_pool_hits_only_pool_rows_of_the_given_animals_nearest_first(db_session):
    rng = np.random.default_rng(0)
    centres = identity_centres(3, seed=4)
    pen = make_pen(db_session)
    chunk = make_chunk(db_session, pen, day=0)
    mine = pooled_animal(db_session, pen, chunk, views(centres[0], 5, rng))
    other = pooled_animal(db_session, pen, chunk, views(centres[1], 5, rng))
    not_pooled = pooled_animal(db_session, pen, chunk, views(centres[0], 5, rng), in_pool=False)
    outsider = pooled_animal(db_session, pen, chunk, views(centres[0], 5, rng))  # not queried
    query = views(centres[0], 1, rng)[0]

    animals, sims = repository.nearest_pool_hits(db_session, query, [mine, other, not_pooled], limit=7)

    assert len(animals) == 7 and outsider not in animals and not_pooled not in animals
    assert animals[:5].tolist() == [mine] * 5 and set(animals[5:].tolist()) == {other}
    assert np.all(np.diff(sims) <= 1e-6)  # nearest first
    assert sims[0] > 0.8 > sims[-1]


def test_nearest_pool_hits_equal_exact_cosine_in_numpy(db_session):
    """Exact: the hits and similarities of a brute-force cosine search over the same halfvec pools."""
    rng = np.random.default_rng(1)
    centres = identity_centres(4, seed=5)
    pen = make_pen(db_session)
    chunk = make_chunk(db_session, pen, day=0)
    pools = {pooled_animal(db_session, pen, chunk, views(c, 12, rng, noise=0.06)): c for c in centres}
    pooled_animal(db_session, pen, chunk, views(centres[0], 12, rng), in_pool=False)  # history, never a hit
    rows = db_session.query(Embedding).filter(Embedding.in_pool, Embedding.animal_id.in_(list(pools))).all()
    stored = np.stack([repository.as_array(r.vector) for r in rows])
    owners = np.array([r.animal_id for r in rows])
    cosine = (stored / np.linalg.norm(stored, axis=1, keepdims=True)) @ unit(centres[2] + 0.03)
    expected = np.argsort(-cosine)[:10]

    animals, sims = repository.nearest_pool_hits(db_session, 3.0 * (centres[2] + 0.03), list(pools), limit=10)

    assert animals.tolist() == owners[expected].tolist()
    np.testing.assert_allclose(sims, cosine[expected], atol=2e-3)


@pytest.mark.parametrize("limit", [1, 48, 64])
def test_nearest_pool_hits_returns_the_whole_pool_when_smaller_than_limit(db_session, limit):
    rng = np.random.default_rng(2)
    pen = make_pen(db_session)
    chunk = make_chunk(db_session, pen, day=0)
    animal = pooled_animal(db_session, pen, chunk, views(identity_centres(1, seed=6)[0], 48, rng))
    animals, sims = repository.nearest_pool_hits(
        db_session, views(identity_centres(1, seed=6)[0], 1, rng)[0], [animal], limit=limit
    )
    assert len(animals) == min(limit, 48) and set(animals.tolist()) == {animal}
    assert animals.dtype == np.int64 and sims.dtype == np.float32


def test_nearest_pool_hits_reads_the_pool_covering_index_only(db_session):
    """The query's plan can be an index-only scan of ``ix_embeddings_pool_animal_id`` (no heap, no HNSW)."""
    db_session.execute(text("SET LOCAL enable_seqscan = off"))
    db_session.execute(text("SET LOCAL enable_bitmapscan = off"))
    query = "[" + ",".join(["0.05"] * 384) + "]"
    plan = db_session.execute(
        text("EXPLAIN " + str(repository._NEAREST_SQL)), {"q": query, "animals": [1, 2], "limit": 64}
    ).scalars()
    plan_text = "\n".join(plan)
    assert f"Index Only Scan using {repository.POOL_INDEX}" in plan_text
    assert "hnsw" not in plan_text


def test_nearest_pool_hits_without_animals_is_empty(db_session):
    animals, sims = repository.nearest_pool_hits(db_session, np.ones(384, np.float32) / np.sqrt(384), [])
    assert animals.shape == (0,) and sims.shape == (0,)
