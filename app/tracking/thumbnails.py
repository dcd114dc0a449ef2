"""Reading track thumbnails: an animal's latest ones, those of given tracks, and their URLs.

Thumbnails reach an animal through its tracks (``tracks.animal_id``), so merges, splits and confirmations
are reflected at once. The JPEG files are served by ``GET /media/thumbnails/{id}.jpg`` (`app.web.media`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.tracking.models import Track, TrackThumbnail


def thumbnail_url(thumbnail_id: int) -> str:
    """The URL path of a thumbnail's JPEG."""
    return f"/media/thumbnails/{int(thumbnail_id)}.jpg"


def recent_thumbnails(
    session: Session, animal_id: int, *, before: datetime, limit: int = 12
) -> list[TrackThumbnail]:
    """The animal's ``limit`` most recent thumbnails captured before ``before`` (newest first), through the
    tracks currently assigned to it."""
    return list(
        session.scalars(
            select(TrackThumbnail)
            .join(Track, Track.id == TrackThumbnail.track_id)
            .where(Track.animal_id == animal_id, TrackThumbnail.captured_at < before)
            .order_by(TrackThumbnail.captured_at.desc(), TrackThumbnail.id.desc())
            .limit(limit)
        )
    )


def thumbnails_of_tracks(session: Session, track_ids: Sequence[int]) -> dict[int, list[TrackThumbnail]]:
    """``{track id: its thumbnails in time order}`` for the given tracks (tracks without any are absent)."""
    out: dict[int, list[TrackThumbnail]] = defaultdict(list)
    if not track_ids:
        return out
    rows = session.scalars(
        select(TrackThumbnail)
        .where(TrackThumbnail.track_id.in_(list(track_ids)))
        .order_by(TrackThumbnail.track_id, TrackThumbnail.captured_at)
    )
    for row in rows:
        out[row.track_id].append(row)
    return out


def recent_thumbnails_of_animals(
    session: Session, animal_ids: Sequence[int], *, per_animal: int = 4
) -> dict[int, list[TrackThumbnail]]:
    """``{animal id: up to per_animal most recent thumbnails, newest first}`` in one query."""
    out: dict[int, list[TrackThumbnail]] = defaultdict(list)
    if not animal_ids:
        return out
    rank = (
        func.row_number()
        .over(
            partition_by=Track.animal_id,
            order_by=(TrackThumbnail.captured_at.desc(), TrackThumbnail.id.desc()),
        )
        .label("rank")
    )
    ranked = (
        select(TrackThumbnail.id.label("id"), Track.animal_id.label("animal_id"), rank)
        .join(Track, Track.id == TrackThumbnail.track_id)
        .where(Track.animal_id.in_(list(animal_ids)))
        .subquery()
    )
    rows = session.execute(
        select(TrackThumbnail, ranked.c.animal_id)
        .join(ranked, ranked.c.id == TrackThumbnail.id)
        .where(ranked.c.rank <= per_animal)
        .order_by(ranked.c.animal_id, ranked.c.rank)
    ).all()
    for row, animal_id in rows:
        out[int(animal_id)].append(row)
    return out
