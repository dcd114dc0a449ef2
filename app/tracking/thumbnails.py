"""Reading track thumbnails: an animal's latest ones, those of given tracks, and their URLs.

Thumbnails reach an animal through its tracks (``tracks.animal_id``), so merges, splits and confirmations
are reflected at once. The JPEG files are served by ``GET /media/thumbnails/{id}.jpg`` (`app.web.media`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.tracking.models import Track, TrackThumbnail


def thumbnail_url(thumbnail_id: int) -> str:
    """The URL path of a thumbnail's JPEG."""
    return f"/media/thumbnails/{int(thumbnail_id)}.jpg"


def recent_thumbnails(
    session: Session, animal_id: int, *, before: datetime | None = None, limit: int = 12
) -> list[TrackThumbnail]:
    """The animal's most recent thumbnails (at most ``limit``, newest first), captured before ``before``.

    Bounded by the index ``tracks (animal_id, start_at)``: only the animal's ``limit`` latest tracks that have
    thumbnails (started before ``before``) are read, so the cost does not grow with the animal's history.
    Tracks span one chunk (minutes), so these are the latest thumbnails up to chunk-length overlaps.
    """
    has_thumbnail = select(TrackThumbnail.id).where(TrackThumbnail.track_id == Track.id).exists()
    tracks = select(Track.id).where(Track.animal_id == animal_id, has_thumbnail)
    thumbnails = select(TrackThumbnail)
    if before is not None:
        tracks = tracks.where(Track.start_at < before)
        thumbnails = thumbnails.where(TrackThumbnail.captured_at < before)
    latest = tracks.order_by(Track.start_at.desc()).limit(limit).scalar_subquery()
    return list(
        session.scalars(
            thumbnails.where(TrackThumbnail.track_id.in_(latest))
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
    """``{animal id: up to per_animal most recent thumbnails, newest first}`` (`recent_thumbnails` each)."""
    return {int(a): recent_thumbnails(session, int(a), limit=per_animal) for a in dict.fromkeys(animal_ids)}


@dataclass(frozen=True)
class ReviewImages:
    """Thumbnails for identity review: each suggested track's own, and its candidate animal's latest.

    Attributes:
        tracks: track id -> its thumbnails in time order.
        candidates: candidate animal id -> its most recent thumbnails, newest first.
    """

    tracks: dict[int, list[TrackThumbnail]]
    candidates: dict[int, list[TrackThumbnail]]


def review_images(session: Session, tracks: Sequence[Track], *, per_candidate: int = 4) -> ReviewImages:
    """The `ReviewImages` of suggested ``tracks`` (the REST suggestions and the review page show the same)."""
    candidates = sorted({t.candidate_animal_id for t in tracks if t.candidate_animal_id is not None})
    return ReviewImages(
        tracks=thumbnails_of_tracks(session, [t.id for t in tracks]),
        candidates=recent_thumbnails_of_animals(session, candidates, per_animal=per_candidate),
    )
