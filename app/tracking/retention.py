"""Thumbnail retention: old track thumbnails are thinned to the best few per animal and day.

A pen of 20 pigs filmed all day stores tens of thousands of small JPEGs a week (`workers.thumbnails`). Recent
ones are all kept (the pig page and identity review show the latest); once a thumbnail is older than
`RetentionPolicy.older_than_days`, only the `RetentionPolicy.keep_per_day` best of its group are kept, where
the group is (the track's animal, UTC day) for tracks assigned to an animal and (the track, UTC day)
otherwise, and "best" is the highest detection score, then the newest. Thumbnails of tracks still waiting for
a person (`assignment_band = 'suggested'`) are never pruned: identity review shows them.

Pruning deletes rows in batches, each in its own committed transaction, and removes a batch's files only
after its transaction committed; a file that is already gone is no error, so an interrupted run is simply run
again (the rows it did not delete are still there; a file already gone is no error).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Select, delete, func, literal, select
from sqlalchemy.orm import Session

from app.media.storage import remove_stored_files
from app.tracking.models import Track, TrackThumbnail

_logger = logging.getLogger(__name__)

PROTECTED_BANDS: tuple[str, ...] = ("suggested",)
"""Assignment bands whose tracks keep every thumbnail (a person still has to look at them)."""


@dataclass(frozen=True)
class RetentionPolicy:
    """What is kept.

    Attributes:
        older_than_days: thumbnails captured at least this many days before "now" are thinned (> 0).
        keep_per_day: how many of a group's thumbnails per UTC day survive thinning (>= 1).
    """

    older_than_days: float = 30.0
    keep_per_day: int = 4

    def __post_init__(self) -> None:
        if not self.older_than_days > 0:
            raise ValueError(f"older_than_days must be > 0, got {self.older_than_days}")
        if self.keep_per_day < 1:
            raise ValueError(f"keep_per_day must be >= 1, got {self.keep_per_day}")


@dataclass(frozen=True)
class PruneReport:
    """What a prune did (or, with ``dry_run``, would do).

    Attributes:
        rows: thumbnail rows deleted (or prunable).
        bytes: their JPEG sizes, summed (bytes).
        files_removed: files actually unlinked (0 on a dry run; fewer than ``rows`` when some were gone).
        cutoff: thumbnails captured before this instant (UTC) were considered.
    """

    rows: int
    bytes: int
    files_removed: int
    cutoff: datetime


def prunable_query(cutoff: datetime, keep_per_day: int) -> Select[tuple[int, str, int]]:
    """``(id, media_path, size_bytes)`` of every thumbnail the policy drops: captured before ``cutoff``, not
    of a protected band, and ranked below ``keep_per_day`` in its (animal or track, UTC day) group."""
    group = func.coalesce(Track.animal_id, -Track.id)
    day = func.date(func.timezone(literal("UTC"), TrackThumbnail.captured_at))
    order = (TrackThumbnail.score.desc(), TrackThumbnail.captured_at.desc(), TrackThumbnail.id.desc())
    ranked = (
        select(
            TrackThumbnail.id.label("id"),
            TrackThumbnail.media_path.label("media_path"),
            TrackThumbnail.size_bytes.label("size_bytes"),
            func.row_number().over(partition_by=(group, day), order_by=order).label("rank"),
        )
        .join(Track, Track.id == TrackThumbnail.track_id)
        .where(TrackThumbnail.captured_at < cutoff, Track.assignment_band.not_in(PROTECTED_BANDS))
        .subquery()
    )
    return (
        select(ranked.c.id, ranked.c.media_path, ranked.c.size_bytes)
        .where(ranked.c.rank > keep_per_day)
        .order_by(ranked.c.id)
    )


def prune_thumbnails(
    session_factory: Callable[[], Session],
    media_dir: Path,
    *,
    now: datetime,
    policy: RetentionPolicy | None = None,
    batch_size: int = 5000,
    dry_run: bool = False,
) -> PruneReport:
    """Apply ``policy`` to the thumbnails captured before ``now - policy.older_than_days``.

    Args:
        session_factory: makes a new session per batch (each batch is committed before its files go).
        media_dir: root of the media store.
        now: the current instant (timezone-aware).
        policy: what to keep (default `RetentionPolicy()`).
        batch_size: rows deleted per transaction.
        dry_run: count what would be pruned, delete nothing.

    Returns:
        A `PruneReport`.
    """
    policy = policy or RetentionPolicy()
    cutoff = now - timedelta(days=policy.older_than_days)
    rows = size = files = 0
    while True:
        with session_factory() as session:
            query = prunable_query(cutoff, policy.keep_per_day)
            batch = session.execute(query if dry_run else query.limit(batch_size)).all()
            if not batch:
                break
            rows += len(batch)
            size += sum(int(b.size_bytes) for b in batch)
            if dry_run:
                break
            session.execute(delete(TrackThumbnail).where(TrackThumbnail.id.in_([b.id for b in batch])))
            session.commit()
        files += remove_stored_files(media_dir, (b.media_path for b in batch))
    _logger.info("pruned %d thumbnails (%d bytes, %d files) captured before %s", rows, size, files, cutoff)
    return PruneReport(rows=rows, bytes=size, files_removed=files, cutoff=cutoff)
