"""A person's identity curation: confirm, reject, reassign, merge, split, and revert of any of them.

Every action snapshots what it changes (tracks' assignment fields, pool membership of their embeddings,
animals' ``merged_into_id``) into its `IdentityEvent` payload under ``"before"``; `revert` restores that
snapshot, so an action is undone exactly.
Bouts, zone visits and embeddings always follow their track's animal.
Never commits (the request scope does).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from app.animals.models import Animal
from app.errors import ConflictError, NotFoundError
from app.identity import repository
from app.identity.models import IdentityEvent
from app.identity.service import add_track_to_pool, prune_pool
from app.tracking.models import Track
from models.reid.pool import PoolPolicy

_TRACK_FIELDS = ("animal_id", "candidate_animal_id", "assignment_band", "assignment_confidence")


def require_track(session: Session, track_id: int) -> Track:
    """The track, or `NotFoundError`."""
    track = session.get(Track, track_id)
    if track is None:
        raise NotFoundError.for_id("track", track_id)
    return track


def require_active_animal(session: Session, animal_id: int) -> Animal:
    """The animal, or `NotFoundError`; `ConflictError` when it was merged into another."""
    animal = session.get(Animal, animal_id)
    if animal is None:
        raise NotFoundError.for_id("animal", animal_id)
    if animal.merged_into_id is not None:
        raise ConflictError(f"animal {animal_id} was merged into animal {animal.merged_into_id}")
    return animal


def snapshot(session: Session, track_ids: list[int], animal_ids: list[int]) -> dict[str, Any]:
    """JSON-able state of the tracks (assignment fields, in-pool embeddings) and animals (merged_into_id)."""
    tracks = {str(t): {f: getattr(require_track(session, t), f) for f in _TRACK_FIELDS} for t in track_ids}
    rows = repository.track_embedding_rows(session, track_ids)
    animals = {str(a): session.get(Animal, a).merged_into_id for a in animal_ids}  # type: ignore[union-attr]
    pooled = [row.id for row in rows if row.in_pool]
    return {"tracks": tracks, "embeddings": [row.id for row in rows], "in_pool": pooled, "animals": animals}


def restore(session: Session, state: dict[str, Any]) -> None:
    """Put tracks, pool membership and animals back as in a `snapshot`."""
    for track_id, fields in state["tracks"].items():
        track = require_track(session, int(track_id))
        for name, value in fields.items():
            setattr(track, name, value)
    for animal_id, merged_into in state["animals"].items():
        session.get(Animal, int(animal_id)).merged_into_id = merged_into  # type: ignore[union-attr]
    session.flush()
    repository.sync_track_children(session, [int(t) for t in state["tracks"]])
    repository.set_in_pool(session, state["embeddings"], False)
    repository.set_in_pool(session, state["in_pool"], True)


def record(
    session: Session, kind: str, before: dict[str, Any], *, animal_id: int, user_id: int | None, **extra: Any
) -> IdentityEvent:
    """Add the audit event of an action (``extra``: other_animal_id, track_id, payload additions)."""
    payload = {"before": before, **extra.pop("payload", {})}
    event = IdentityEvent(kind=kind, animal_id=animal_id, user_id=user_id, payload=payload, **extra)
    session.add(event)
    session.flush()
    return event


def move_tracks(session: Session, track_ids: list[int], animal_id: int | None, *, band: str) -> None:
    """Give the tracks to ``animal_id`` (or none) in ``band``; embeddings, bouts and visits follow."""
    for track_id in track_ids:
        track = require_track(session, track_id)
        track.animal_id = animal_id
        track.candidate_animal_id = animal_id if animal_id is not None else None
        track.assignment_band = band
        if band == "assigned":
            track.assignment_confidence = 1.0
    session.flush()
    repository.sync_track_children(session, track_ids)


def confirm(session: Session, track_id: int, *, user_id: int | None, policy: PoolPolicy) -> IdentityEvent:
    """Accept a suggested track's candidate animal: assigned, confidence 1, embeddings offered to the pool."""
    track = require_track(session, track_id)
    if track.assignment_band != "suggested" or track.candidate_animal_id is None:
        raise ConflictError(f"track {track_id} has no suggestion to confirm (band {track.assignment_band!r})")
    animal = require_active_animal(session, track.candidate_animal_id)
    before = snapshot(session, [track_id], [])
    move_tracks(session, [track_id], animal.id, band="assigned")
    add_track_to_pool(session, track_id, animal.id, policy)
    return record(session, "confirm", before, animal_id=animal.id, user_id=user_id, track_id=track_id)


def reject(session: Session, track_id: int, *, user_id: int | None) -> IdentityEvent:
    """Refuse a track's suggestion or assignment: it becomes unknown and leaves every pool."""
    track = require_track(session, track_id)
    subject = track.candidate_animal_id or track.animal_id
    if subject is None:
        raise ConflictError(f"track {track_id} has no animal or suggestion to reject")
    before = snapshot(session, [track_id], [])
    move_tracks(session, [track_id], None, band="unknown")
    repository.set_in_pool(session, before["embeddings"], False)
    return record(session, "reject", before, animal_id=subject, user_id=user_id, track_id=track_id)


def reassign(
    session: Session, track_id: int, animal_id: int, *, user_id: int | None, policy: PoolPolicy
) -> IdentityEvent:
    """Give a track to another animal (assigned, confidence 1); its embeddings move pools."""
    track = require_track(session, track_id)
    animal = require_active_animal(session, animal_id)
    previous = track.animal_id
    before = snapshot(session, [track_id], [])
    repository.set_in_pool(session, before["embeddings"], False)
    move_tracks(session, [track_id], animal.id, band="assigned")
    add_track_to_pool(session, track_id, animal.id, policy)
    return record(
        session,
        "reassign",
        before,
        animal_id=animal.id,
        user_id=user_id,
        track_id=track_id,
        other_animal_id=previous,
    )


def merge(
    session: Session, animal_id: int, other_id: int, *, user_id: int | None, policy: PoolPolicy
) -> IdentityEvent:
    """Merge ``other_id`` into ``animal_id``: its tracks (and pool) move over, it points at the survivor."""
    if animal_id == other_id:
        raise ConflictError("an animal cannot be merged into itself")
    survivor = require_active_animal(session, animal_id)
    other = require_active_animal(session, other_id)
    track_ids = repository.animal_track_ids(session, other.id)
    before = snapshot(session, track_ids, [other.id])
    move_tracks(session, track_ids, survivor.id, band="assigned")
    other.merged_into_id = survivor.id
    session.flush()
    if repository.pool_size(session, survivor.id) > policy.capacity:
        prune_pool(session, survivor.id, policy)
    return record(session, "merge", before, animal_id=survivor.id, user_id=user_id, other_animal_id=other.id)


def split(session: Session, animal_id: int, track_ids: list[int], *, user_id: int | None) -> IdentityEvent:
    """Move some of an animal's tracks (with their pool entries) to a new animal in the same pen."""
    animal = require_active_animal(session, animal_id)
    if not track_ids:
        raise ConflictError("name at least one track to split off")
    foreign = [t for t in track_ids if require_track(session, t).animal_id != animal.id]
    if foreign:
        raise ConflictError(
            f"tracks {foreign} do not belong to animal {animal_id}", details={"tracks": foreign}
        )
    new_animal = Animal(pen_id=animal.pen_id)
    session.add(new_animal)
    session.flush()
    before = snapshot(session, track_ids, [])
    before["animals"] = {str(new_animal.id): animal.id}  # reverting retires the new identity into the old
    move_tracks(session, track_ids, new_animal.id, band="assigned")
    return record(
        session,
        "split",
        before,
        animal_id=animal.id,
        user_id=user_id,
        other_animal_id=new_animal.id,
        payload={"new_animal_id": new_animal.id, "track_ids": track_ids},
    )


def touched(event: IdentityEvent) -> set[str]:
    """Keys (``t<id>``/``a<id>``) of the tracks and animals an event's snapshot covers."""
    before = event.payload.get("before", {})
    return {f"t{t}" for t in before.get("tracks", {})} | {f"a{a}" for a in before.get("animals", {})}


def revert(session: Session, event_id: int, *, user_id: int | None) -> IdentityEvent:
    """Undo an action by restoring its snapshot; refused when a later live action touched the same rows.

    Returns:
        The new event (same kind, ``reverts_id`` = ``event_id``); the original gets ``reverted_at``.
    """
    event = session.get(IdentityEvent, event_id)
    if event is None:
        raise NotFoundError.for_id("identity event", event_id)
    if event.reverted_at is not None or event.reverts_id is not None or "before" not in event.payload:
        raise ConflictError(
            f"identity event {event_id} cannot be reverted (already reverted, a revert, or a create)"
        )
    later = [e for e in repository.events_after(session, event_id) if touched(e) & touched(event)]
    if later:
        raise ConflictError(
            f"revert later events first: {[e.id for e in later]}", details={"events": [e.id for e in later]}
        )
    restore(session, event.payload["before"])
    event.reverted_at = datetime.now(UTC)
    return record(
        session,
        event.kind,
        {},
        animal_id=event.animal_id,
        user_id=user_id,
        track_id=event.track_id,
        other_animal_id=event.other_animal_id,
        reverts_id=event.id,
    )
