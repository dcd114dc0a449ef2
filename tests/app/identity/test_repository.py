"""`app.identity.repository.nearest_pool_hits` on the real embedded PostgreSQL + pgvector (HNSW scan)."""

from __future__ import annotations

import numpy as np
from sqlalchemy import text

from app.animals.models import Animal
from app.identity import repository
from app.identity.models import Embedding
from tests.app.identity.helpers import add_track, identity_centres, make_chunk, make_pen, views


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
    settings = db_session.execute(
        text("SELECT current_setting('hnsw.iterative_scan'), current_setting('hnsw.ef_search')")
    ).one()
    assert tuple(settings) == ("relaxed_order", str(repository.HNSW_EF_SEARCH))


def test_nearest_pool_hits_without_animals_is_empty(db_session):
    animals, sims = repository.nearest_pool_hits(db_session, np.ones(384, np.float32) / np.sqrt(384), [])
    assert animals.shape == (0,) and sims.shape == (0,)
