"""Re-identification of a chunk's tracks against the pen's pgvector pools, and pool maintenance.

`assign_chunk_identities` is what the chunk task calls after it stored the chunk's tracks and embeddings.
Nothing here depends on tracker ids: tracks are matched by their embeddings and time spans only.
Never commits (the task or request scope does).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from sqlalchemy import delete
from sqlalchemy.orm import Session

from app.animals.models import Animal
from app.errors import NotFoundError
from app.identity import repository
from app.identity.models import IdentityEvent
from app.tracking.models import Track
from models.reid.assign import Assignment, BandThresholds, TrackSpan, assign_tracks
from models.reid.pool import PoolPolicy, select_kept
from models.reid.scores import DEFAULT_TOP_K, aggregate_query_hits, track_animal_scores


@dataclass(frozen=True)
class IdentityConfig:
    """Tunable parts of re-identification.

    Attributes:
        thresholds: band thresholds of the assignment.
        policy: pool policy (budget, novelty).
        queries_per_track: embeddings of a track (evenly spread) used as pool queries.
        top_k: pool hits per animal averaged per query.
    """

    thresholds: BandThresholds = field(default_factory=BandThresholds)
    policy: PoolPolicy = field(default_factory=PoolPolicy)
    queries_per_track: int = 8
    top_k: int = DEFAULT_TOP_K


def spread_rows(vectors: np.ndarray, count: int) -> np.ndarray:
    """At most ``count`` rows of ``vectors`` evenly spread over it (MxD -> min(M, count)xD)."""
    if len(vectors) <= count:
        return vectors
    return vectors[np.linspace(0, len(vectors) - 1, count).round().astype(int)]


def pool_scores(
    session: Session, vectors: np.ndarray | None, animal_ids: Sequence[int], config: IdentityConfig
) -> np.ndarray:
    """A float32 per-animal similarity of one track from pgvector hits (NaN: no evidence)."""
    if vectors is None or not animal_ids:
        return np.full(len(animal_ids), np.nan, np.float32)
    per_query = []
    for query in spread_rows(vectors, config.queries_per_track):
        hit_animals, sims = repository.nearest_pool_hits(session, query, animal_ids)
        per_query.append(aggregate_query_hits(sims, hit_animals, list(animal_ids), top_k=config.top_k))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN column: animal never hit
        return np.nanmean(np.stack(per_query), axis=0).astype(np.float32)


def spans_of(tracks: Sequence[Track]) -> list[TrackSpan]:
    """`TrackSpan`s in POSIX seconds (end made strictly after start for single-frame tracks)."""
    spans = []
    for track in tracks:
        start, end = track.start_at.timestamp(), track.end_at.timestamp()
        spans.append(TrackSpan(key=track.id, start_s=start, end_s=max(end, start + 1e-3)))
    return spans


def create_animal_for_track(session: Session, pen_id: int, track: Track) -> Animal:
    """A new animal in the pen, recorded as a ``create`` identity event for ``track``."""
    animal = Animal(pen_id=pen_id)
    session.add(animal)
    session.flush()
    payload = {"reason": "unknown track while every known animal of the pen was accounted for"}
    session.add(IdentityEvent(kind="create", animal_id=animal.id, track_id=track.id, payload=payload))
    return animal


def seed_column(
    tracks: Sequence[Track], vectors: dict[int, np.ndarray], seed_vectors: np.ndarray, animal_id: int
) -> np.ndarray:
    """Tx1 float32 similarity of every track to a new animal whose pool is ``seed_vectors`` (exact)."""
    owners = np.full(len(seed_vectors), animal_id)
    rows = [
        track_animal_scores(vectors[t.id], seed_vectors, owners, [animal_id])
        if t.id in vectors
        else np.full(1, np.nan, np.float32)
        for t in tracks
    ]
    return np.stack(rows)


def resolve(
    session: Session,
    pen_id: int,
    tracks: Sequence[Track],
    vectors: dict[int, np.ndarray],
    config: IdentityConfig,
) -> list[Assignment]:
    """Assign tracks; create one animal at a time for the longest track flagged new, then re-assign.

    An animal created here must end up holding a track, or the creation is undone (the animal and its event
    deleted, its seed not used again in this call, the tracks assigned without it), so re-ID never leaves an
    animal without data. A pen that had animals before this chunk gets a new one only when its seed track is
    *assigned* to it: when the re-assignment finds the seed only ``suggested`` for it (the new animal looks
    like a known one: often a duplicate track of a known pig) a person decides. A pen without animals
    (bootstrap) assigns each seed to the animal made from it even when it is only ``suggested`` (look-alike
    pen-mates keep margins small, and otherwise such a pen would never get its animals; `promote_seeds`).

    Args:
        session: database session.
        pen_id: the chunk's pen.
        tracks: the chunk's tracks.
        vectors: track id -> MxD embeddings.
        config: identity configuration.

    Returns:
        One assignment per track (same order).
    """
    animal_ids = repository.pen_animal_ids(session, pen_id)
    known = len(animal_ids)
    scores = np.stack([pool_scores(session, vectors.get(t.id), animal_ids, config) for t in tracks])
    scores = scores.reshape(len(tracks), -1)
    spans = spans_of(tracks)
    created: dict[int, Animal] = {}
    rejected: set[int] = set()
    for _ in range(2 * len(tracks) + 1):
        decisions = assign_tracks(spans, scores, animal_ids, thresholds=config.thresholds)
        if known == 0:
            decisions = promote_seeds(decisions, {seed: animal.id for seed, animal in created.items()})
        held = {d.animal_id for d in decisions if d.animal_id is not None}
        empty = [column for column, animal in enumerate(animal_ids) if column >= known and animal not in held]
        if empty:
            column = empty[-1]
            seed = next(i for i, a in created.items() if a.id == animal_ids[column])
            undo_created_animal(session, created.pop(seed))
            rejected.add(seed)
            scores = np.delete(scores, column, axis=1)
            animal_ids = animal_ids[:column] + animal_ids[column + 1 :]
            continue
        new = [i for i, d in enumerate(decisions) if d.new_animal and tracks[i].id in vectors]
        new = [i for i in new if i not in rejected and i not in created]
        if not new:
            return decisions
        seed = max(new, key=lambda i: spans[i].end_s - spans[i].start_s)
        animal = create_animal_for_track(session, pen_id, tracks[seed])
        created[seed] = animal
        column_scores = seed_column(tracks, vectors, vectors[tracks[seed].id], animal.id)
        scores = np.concatenate([scores, column_scores], axis=1)
        animal_ids = [*animal_ids, animal.id]
    return decisions


def promote_seeds(decisions: list[Assignment], seeds: dict[int, int]) -> list[Assignment]:
    """``decisions`` with each seed track (index -> the animal created from it) that the assignment chose
    for its animal only as ``suggested`` made ``assigned`` to it (confidence kept). One-to-one still holds:
    the assignment chose that animal for this track and no other."""
    out = list(decisions)
    for index, animal_id in seeds.items():
        decision = out[index]
        if decision.band == "suggested" and decision.candidate_animal_id == animal_id:
            out[index] = replace(decision, animal_id=animal_id, band="assigned")
    return out


def undo_created_animal(session: Session, animal: Animal) -> None:
    """Delete an animal `create_animal_for_track` made in this transaction, with its ``create`` event (nothing
    else refers to it yet: tracks and pools are written after `resolve`)."""
    session.execute(delete(IdentityEvent).where(IdentityEvent.animal_id == animal.id))
    session.delete(animal)
    session.flush()


def write_decision(track: Track, decision: Assignment) -> None:
    """Store one assignment on its track row."""
    track.animal_id = decision.animal_id
    track.candidate_animal_id = decision.candidate_animal_id
    track.assignment_band = decision.band
    track.assignment_confidence = decision.confidence


def add_track_to_pool(session: Session, track_id: int, animal_id: int, policy: PoolPolicy) -> int:
    """Admit the track's novel embeddings to the animal's pool, then prune it back under budget.

    Args:
        session: database session.
        track_id: the track whose embeddings are offered (they must already carry ``animal_id``).
        animal_id: the pool's animal.
        policy: pool policy.

    Returns:
        Number of embeddings admitted.
    """
    admitted = 0
    for row in repository.track_embedding_rows(session, [track_id]):
        nearest = repository.nearest_in_animal_pool(session, repository.as_array(row.vector), animal_id)
        if nearest is None or nearest <= 1.0 - policy.novelty_distance:
            repository.set_in_pool(session, [row.id], True)
            admitted += 1
    if repository.pool_size(session, animal_id) > policy.capacity:
        prune_pool(session, animal_id, policy)
    return admitted


def prune_pool(session: Session, animal_id: int, policy: PoolPolicy) -> int:
    """Drop the most redundant entries of an animal's pool to fit ``policy.capacity``; returns the count."""
    ids, vectors = repository.pool_entries(session, animal_id)
    kept = set(select_kept(vectors, policy).tolist())
    dropped = [embedding_id for index, embedding_id in enumerate(ids) if index not in kept]
    repository.set_in_pool(session, dropped, False)
    return len(dropped)


def assign_chunk_identities(
    session: Session, chunk_id: int, *, config: IdentityConfig | None = None
) -> list[Assignment]:
    """Match a chunk's tracks to its pen's animals, store the assignments and grow the pools.

    Args:
        session: database session (the caller commits).
        chunk_id: the chunk whose tracks and embeddings are already stored.
        config: identity configuration (defaults: `IdentityConfig()`).

    Returns:
        One assignment per track of the chunk, ordered by track id.

    Raises:
        NotFoundError: no such chunk.
    """
    config = config or IdentityConfig()
    pen_id = repository.chunk_pen_id(session, chunk_id)
    if pen_id is None:
        raise NotFoundError.for_id("chunk", chunk_id)
    tracks = repository.chunk_tracks(session, chunk_id)
    if not tracks:
        return []
    vectors = repository.track_vectors(session, [t.id for t in tracks])
    decisions = resolve(session, pen_id, tracks, vectors, config)
    for track, decision in zip(tracks, decisions, strict=True):
        write_decision(track, decision)
    session.flush()
    repository.sync_track_children(session, [t.id for t in tracks])
    for track, decision in zip(tracks, decisions, strict=True):
        if decision.animal_id is not None:
            add_track_to_pool(session, track.id, decision.animal_id, config.policy)
    return decisions


def chunk_identity_hook(session: Session, chunk: Any, tracks: Sequence[Track]) -> None:
    """The worker's `IdentityAssigner` hook ``(session, chunk, tracks)``: re-identifies the chunk."""
    assign_chunk_identities(session, chunk.id)
