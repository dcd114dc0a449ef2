"""Queries of the identity domain: pools in pgvector (cosine, halfvec), tracks, animals, events.

Every query lives here; `app.identity.service` holds the rules and never commits.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pgvector import HalfVector
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from app.animals.models import Animal
from app.identity.models import Embedding, IdentityEvent
from app.media.models import Chunk, Recording
from app.tracking.models import BehaviourBout, Track, ZoneVisit

NEAREST_HITS = 64
"""Pool entries fetched per query embedding (then aggregated top-k per animal)."""

POOL_INDEX = "ix_embeddings_pool_animal_id"
"""Partial covering btree ``embeddings (animal_id) INCLUDE (vector) WHERE in_pool`` (migration 0003): the
pools of a pen's animals are read by one index-only scan, each animal's vectors stored together."""

_NEAREST_SQL = text(
    "SELECT animal_id, vector <#> CAST(:q AS halfvec) AS negative_dot FROM embeddings "
    "WHERE in_pool AND animal_id = ANY(:animals) ORDER BY negative_dot LIMIT :limit"
)
"""Exact search of the pools of ``animals`` by inner product (``<#>`` is its negative), through ``POOL_INDEX``
then a top-N sort. Stored embeddings and queries are L2-normalised, so the inner product is their cosine
similarity (halfvec rounding moves norms by ~1e-4); pgvector computes it faster than ``<=>`` (server CPU
per query 4.8 ms against 6.0 ms for a pen of 10,000 entries). No HNSW: the cosine HNSW index cannot serve an
inner-product order, and its per-pen filtered scan measured p99 549 ms for a newcomer. Cost grows with the
pen's pool size, not the table's; measured in docs/reid.md "Measured" (``bench/pgvector_query.py``)."""


def as_array(value: object) -> np.ndarray:
    """A stored vector (pgvector `HalfVector`, list or array, as drivers return it) as D float32."""
    to_numpy = getattr(value, "to_numpy", None)
    return np.asarray(to_numpy() if to_numpy is not None else value, dtype=np.float32)


def chunk_pen_id(session: Session, chunk_id: int) -> int | None:
    """Pen of the chunk's recording, or None when the chunk does not exist."""
    query = (
        select(Recording.pen_id).join(Chunk, Chunk.recording_id == Recording.id).where(Chunk.id == chunk_id)
    )
    return session.execute(query).scalar_one_or_none()


def pen_animal_ids(session: Session, pen_id: int) -> list[int]:
    """Ids of the pen's animals that are not merged into another, ascending."""
    query = (
        select(Animal.id).where(Animal.pen_id == pen_id, Animal.merged_into_id.is_(None)).order_by(Animal.id)
    )
    return list(session.execute(query).scalars())


def chunk_tracks(session: Session, chunk_id: int) -> list[Track]:
    """The chunk's tracks, by id."""
    return list(session.execute(select(Track).where(Track.chunk_id == chunk_id).order_by(Track.id)).scalars())


def track_vectors(session: Session, track_ids: Sequence[int]) -> dict[int, np.ndarray]:
    """Embeddings of the given tracks: track id -> MxD float32 (capture order; 0xD-free tracks omitted)."""
    query = (
        select(Embedding.track_id, Embedding.vector)
        .where(Embedding.track_id.in_(list(track_ids)))
        .order_by(Embedding.track_id, Embedding.captured_at, Embedding.id)
    )
    grouped: dict[int, list[np.ndarray]] = {}
    for track_id, vector in session.execute(query):
        grouped.setdefault(track_id, []).append(as_array(vector))
    return {track_id: np.stack(rows) for track_id, rows in grouped.items()}


def nearest_pool_hits(
    session: Session, vector: np.ndarray, animal_ids: Sequence[int], *, limit: int = NEAREST_HITS
) -> tuple[np.ndarray, np.ndarray]:
    """The ``limit`` pool entries nearest to ``vector`` among ``animal_ids`` (exact, one SQL statement).

    Args:
        vector: D float32 query (normalised here; stored pool vectors are L2-normalised).
        animal_ids: candidate animals (the pen's, or one animal).
        limit: number of hits.

    Returns:
        (H int64 animal ids, H float32 cosine similarities), nearest first; H = min(limit, pool entries).
    """
    if not animal_ids:
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    unit = np.asarray(vector, np.float32) / max(float(np.linalg.norm(vector)), 1e-12)
    params = {"q": HalfVector(unit).to_text(), "animals": list(animal_ids), "limit": limit}
    rows = session.execute(_NEAREST_SQL, params).all()
    return np.array([r[0] for r in rows], np.int64), -np.array([r[1] for r in rows], np.float32)


def nearest_in_animal_pool(session: Session, vector: np.ndarray, animal_id: int) -> float | None:
    """Cosine similarity of ``vector`` to the nearest entry of the animal's pool; None for an empty pool."""
    animals, sims = nearest_pool_hits(session, vector, [animal_id], limit=1)
    return float(sims[0]) if len(sims) else None


def pool_size(session: Session, animal_id: int) -> int:
    """Number of in-pool embeddings of the animal."""
    query = (
        select(func.count()).select_from(Embedding).where(Embedding.animal_id == animal_id, Embedding.in_pool)
    )
    return int(session.execute(query).scalar_one())


def pool_entries(session: Session, animal_id: int) -> tuple[list[int], np.ndarray]:
    """The animal's pool: (embedding ids in capture order, NxD float32 vectors)."""
    query = (
        select(Embedding.id, Embedding.vector)
        .where(Embedding.animal_id == animal_id, Embedding.in_pool)
        .order_by(Embedding.captured_at, Embedding.id)
    )
    rows = session.execute(query).all()
    vectors = np.stack([as_array(r[1]) for r in rows]) if rows else np.zeros((0, 0))
    return [r[0] for r in rows], vectors


def track_embedding_rows(session: Session, track_ids: Sequence[int]) -> list[Embedding]:
    """Embedding rows of the given tracks (capture order)."""
    query = select(Embedding).where(Embedding.track_id.in_(list(track_ids)))
    return list(session.execute(query.order_by(Embedding.captured_at, Embedding.id)).scalars())


def set_in_pool(session: Session, embedding_ids: Sequence[int], in_pool: bool) -> None:
    """Set ``in_pool`` on the given embeddings."""
    if embedding_ids:
        session.execute(
            update(Embedding).where(Embedding.id.in_(list(embedding_ids))).values(in_pool=in_pool)
        )


def sync_track_children(session: Session, track_ids: Sequence[int]) -> None:
    """Copy each track's ``animal_id`` onto its embeddings, behaviour bouts and zone visits."""
    ids = list(track_ids)
    if not ids:
        return
    for model in (Embedding, BehaviourBout, ZoneVisit):
        owner = select(Track.animal_id).where(Track.id == model.track_id).scalar_subquery()
        statement = update(model).where(model.track_id.in_(ids)).values(animal_id=owner)
        session.execute(statement.execution_options(synchronize_session=False))
    session.expire_all()


def animal_track_ids(session: Session, animal_id: int) -> list[int]:
    """Ids of the tracks assigned to the animal."""
    return list(
        session.execute(select(Track.id).where(Track.animal_id == animal_id).order_by(Track.id)).scalars()
    )


def suggested_tracks(session: Session, *, pen_id: int | None, limit: int) -> list[Track]:
    """Tracks in band ``suggested`` (optionally of one pen), newest first."""
    query = select(Track).where(Track.assignment_band == "suggested")
    if pen_id is not None:
        query = (
            query.join(Chunk, Chunk.id == Track.chunk_id).join(Recording).where(Recording.pen_id == pen_id)
        )
    return list(session.execute(query.order_by(Track.start_at.desc()).limit(limit)).scalars())


def animal_events(session: Session, animal_id: int | None, *, limit: int) -> list[IdentityEvent]:
    """Identity events (of one animal, as subject or other), newest first."""
    query = select(IdentityEvent)
    if animal_id is not None:
        query = query.where(
            (IdentityEvent.animal_id == animal_id) | (IdentityEvent.other_animal_id == animal_id)
        )
    return list(session.execute(query.order_by(IdentityEvent.id.desc()).limit(limit)).scalars())


def events_after(session: Session, event_id: int) -> list[IdentityEvent]:
    """Live (not reverted, not reverting) events newer than ``event_id``."""
    query = select(IdentityEvent).where(
        IdentityEvent.id > event_id, IdentityEvent.reverted_at.is_(None), IdentityEvent.reverts_id.is_(None)
    )
    return list(session.execute(query.order_by(IdentityEvent.id)).scalars())
