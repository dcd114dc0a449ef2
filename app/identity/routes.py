"""REST routes of identity curation (``/identity/...``): managers and admins only."""

from __future__ import annotations

from fastapi import APIRouter, Query

from app.deps import ManagerUser, SessionDep
from app.identity import actions, repository
from app.identity.schemas import IdentityEventRead, MergeBody, ReassignBody, SplitBody, SuggestionRead
from app.tracking.thumbnails import review_images, thumbnail_url
from models.reid.pool import PoolPolicy

router = APIRouter(prefix="/identity", tags=["identity"])

POLICY = PoolPolicy()
"""Pool policy of person actions (the default budget)."""


@router.get("/suggestions")
def list_suggestions(
    session: SessionDep, _: ManagerUser, pen_id: int | None = None, limit: int = Query(100, ge=1, le=1000)
) -> list[SuggestionRead]:
    """Tracks in band ``suggested``, newest first, with the URLs of the track's thumbnails and of the
    candidate animal's most recent ones (``GET`` them with the same credentials)."""
    rows = repository.suggested_tracks(session, pen_id=pen_id, limit=limit)
    images = review_images(session, rows, per_candidate=4)
    out = []
    for track in rows:
        suggestion = SuggestionRead.model_validate(track)
        suggestion.thumbnail_urls = [thumbnail_url(t.id) for t in images.tracks.get(track.id, [])]
        candidate = images.candidates.get(track.candidate_animal_id or 0, [])
        suggestion.candidate_thumbnail_urls = [thumbnail_url(t.id) for t in candidate]
        out.append(suggestion)
    return out


@router.get("/events")
def list_events(
    session: SessionDep, _: ManagerUser, animal_id: int | None = None, limit: int = Query(100, ge=1, le=1000)
) -> list[IdentityEventRead]:
    """The identity audit trail, newest first (optionally of one animal)."""
    return [
        IdentityEventRead.model_validate(e) for e in repository.animal_events(session, animal_id, limit=limit)
    ]


@router.post("/tracks/{track_id}/confirm")
def confirm_track(track_id: int, session: SessionDep, user: ManagerUser) -> IdentityEventRead:
    """Accept a suggestion."""
    return IdentityEventRead.model_validate(
        actions.confirm(session, track_id, user_id=user.id, policy=POLICY)
    )


@router.post("/tracks/{track_id}/reject")
def reject_track(track_id: int, session: SessionDep, user: ManagerUser) -> IdentityEventRead:
    """Refuse a suggestion or assignment (the track becomes unknown)."""
    return IdentityEventRead.model_validate(actions.reject(session, track_id, user_id=user.id))


@router.post("/tracks/{track_id}/reassign")
def reassign_track(
    track_id: int, body: ReassignBody, session: SessionDep, user: ManagerUser
) -> IdentityEventRead:
    """Give a track to another animal."""
    event = actions.reassign(session, track_id, body.animal_id, user_id=user.id, policy=POLICY)
    return IdentityEventRead.model_validate(event)


@router.post("/animals/{animal_id}/merge")
def merge_animals(
    animal_id: int, body: MergeBody, session: SessionDep, user: ManagerUser
) -> IdentityEventRead:
    """Merge ``other_animal_id`` into this animal."""
    event = actions.merge(session, animal_id, body.other_animal_id, user_id=user.id, policy=POLICY)
    return IdentityEventRead.model_validate(event)


@router.post("/animals/{animal_id}/split")
def split_animal(
    animal_id: int, body: SplitBody, session: SessionDep, user: ManagerUser
) -> IdentityEventRead:
    """Move some tracks of this animal to a new animal."""
    return IdentityEventRead.model_validate(
        actions.split(session, animal_id, body.track_ids, user_id=user.id)
    )


@router.post("/events/{event_id}/revert")
def revert_event(event_id: int, session: SessionDep, user: ManagerUser) -> IdentityEventRead:
    """Undo an identity action."""
    return IdentityEventRead.model_validate(actions.revert(session, event_id, user_id=user.id))
