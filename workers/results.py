"""Writing a chunk's `ChunkResult` to the database: replace the chunk's previous rows, insert the new ones.

Everything here runs inside the caller's transaction (one per chunk), so a retried or duplicated chunk
replaces its own rows and nothing else, and a worker that dies mid-way leaves no half-written result.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.farms.models import Zone
from app.identity.models import EMBEDDING_DIM, Embedding
from app.media.models import Chunk, Recording
from app.tracking.models import BehaviourBout, Track, TrackThumbnail, ZoneVisit
from models.pipeline.types import ChunkResult, TrackSummary
from workers.errors import InvalidResultError
from workers.thumbnails import StoredThumbnail

IdentityAssigner = Callable[[Session, Chunk, list[Track]], None]
"""Hook called after a chunk's tracks and embeddings are inserted, in the same transaction: re-identification
sets ``Track.animal_id`` / ``assignment_*`` (and embeddings' ``animal_id``) for ``tracks``."""


def delete_chunk_results(session: Session, chunk_id: int) -> None:
    """Delete every result row of one chunk (embeddings, bouts, zone visits, thumbnails, tracks)."""
    for model in (Embedding, BehaviourBout, ZoneVisit, TrackThumbnail, Track):
        session.execute(delete(model).where(model.chunk_id == chunk_id))  # type: ignore[attr-defined]


def chunk_thumbnail_paths(session: Session, chunk_id: int) -> list[str]:
    """Media paths (relative to the media directory) of the chunk's stored thumbnails."""
    return list(session.scalars(select(TrackThumbnail.media_path).where(TrackThumbnail.chunk_id == chunk_id)))


def _at(origin: datetime, seconds: float) -> datetime:
    return origin + timedelta(seconds=float(seconds))


def _insert_tracks(session: Session, chunk: Chunk, origin: datetime, result: ChunkResult) -> dict[int, Track]:
    """One `Track` row per `TrackSummary`; returns ``{local track id: row}``."""
    rows: dict[int, Track] = {}
    for summary in result.tracks:
        if summary.track_id in rows:
            raise InvalidResultError(f"track id {summary.track_id} appears twice in the chunk result")
        row = Track(
            chunk_id=chunk.id, local_id=int(summary.track_id), start_at=_at(origin, summary.t_start_s),
            end_at=_at(origin, max(summary.t_start_s, summary.t_end_s)), n_frames=len(summary.frame_indices),
            assignment_band="unknown",
        )  # fmt: skip
        session.add(row)
        rows[summary.track_id] = row
    session.flush()
    return rows


def _embedding_times(summary: TrackSummary) -> list[float]:
    """Capture time (seconds) of each of the track's M embeddings, spread evenly over its span."""
    m = len(summary.embeddings)
    return [float(t) for t in np.linspace(summary.t_start_s, max(summary.t_start_s, summary.t_end_s), m)]


def _insert_embeddings(
    session: Session, chunk: Chunk, recording: Recording, origin: datetime, result: ChunkResult,
    tracks: dict[int, Track],
) -> None:  # fmt: skip
    """Each track's MxD vectors as `Embedding` rows (D must be `EMBEDDING_DIM`)."""
    for summary in result.tracks:
        vectors = np.asarray(summary.embeddings, dtype=np.float32).reshape(len(summary.embeddings), -1)
        if len(vectors) and vectors.shape[1] != EMBEDDING_DIM:
            dims = vectors.shape[1]
            raise InvalidResultError(f"embeddings have {dims} dims; the database stores {EMBEDDING_DIM}")
        for vector, t in zip(vectors, _embedding_times(summary), strict=True):
            session.add(
                Embedding(
                    chunk_id=chunk.id, track_id=tracks[summary.track_id].id, camera_id=recording.camera_id,
                    captured_at=_at(origin, t), vector=vector,
                )
            )  # fmt: skip


def _track_row(tracks: dict[int, Track], track_id: int, what: str) -> Track:
    if track_id not in tracks:
        raise InvalidResultError(f"{what} refers to track {track_id}, which is not in the chunk's tracks")
    return tracks[track_id]


def _insert_bouts_and_visits(
    session: Session, chunk: Chunk, recording: Recording, origin: datetime, result: ChunkResult,
    tracks: dict[int, Track],
) -> None:  # fmt: skip
    """Behaviour bouts and zone visits (zones by name in the recording's pen; unknown names skipped)."""
    zones = {z.name: z.id for z in session.scalars(select(Zone).where(Zone.pen_id == recording.pen_id))}
    for bout in result.behaviours:
        track = _track_row(tracks, bout.track_id, "a behaviour bout")
        session.add(
            BehaviourBout(
                chunk_id=chunk.id, track_id=track.id, animal_id=track.animal_id, label=bout.label,
                start_at=_at(origin, bout.start_s), end_at=_at(origin, max(bout.start_s, bout.end_s)),
                probability=float(np.clip(bout.probability, 0.0, 1.0)),
            )
        )  # fmt: skip
    for visit in result.zone_visits:
        track = _track_row(tracks, visit.track_id, "a zone visit")
        if visit.zone in zones:
            session.add(
                ZoneVisit(
                    chunk_id=chunk.id, track_id=track.id, animal_id=track.animal_id,
                    zone_id=zones[visit.zone], start_at=_at(origin, visit.start_s),
                    end_at=_at(origin, max(visit.start_s, visit.end_s)),
                )
            )  # fmt: skip


def _insert_thumbnails(
    session: Session, chunk: Chunk, origin: datetime, thumbnails: Sequence[StoredThumbnail],
    tracks: dict[int, Track],
) -> None:  # fmt: skip
    """One `TrackThumbnail` row per JPEG already written to the media store."""
    for stored in thumbnails:
        track = _track_row(tracks, stored.track_id, "a thumbnail")
        thumb = stored.thumbnail
        height, width = thumb.image.shape[:2]
        session.add(
            TrackThumbnail(
                chunk_id=chunk.id, track_id=track.id, captured_at=_at(origin, thumb.t_seconds),
                frame_index=int(thumb.frame_index), media_path=stored.media_path, width=int(width),
                height=int(height), size_bytes=int(stored.size_bytes), score=float(thumb.score),
                xyxy=[round(float(v), 1) for v in np.asarray(thumb.xyxy).reshape(4)],
            )
        )  # fmt: skip


def replace_chunk_results(
    session: Session,
    chunk: Chunk,
    recording: Recording,
    result: ChunkResult,
    *,
    assign_identities: IdentityAssigner | None = None,
    thumbnails: Sequence[StoredThumbnail] = (),
) -> list[Track]:
    """Delete the chunk's previous result rows and insert ``result``'s; flushes, never commits.

    Args:
        chunk, recording: the chunk being finished and its recording (``started_at`` anchors all times).
        result: what the processor returned; times are seconds from the recording's start.
        assign_identities: the re-identification hook, called after tracks and embeddings are inserted and
            before bouts and zone visits (which copy each track's ``animal_id``).
        thumbnails: the crops of ``result`` already written to the media store (`workers.thumbnails`).

    Returns:
        The inserted `Track` rows.

    Raises:
        InvalidResultError: duplicate track ids, dangling track references, wrong embedding size.
    """
    delete_chunk_results(session, chunk.id)
    origin = recording.started_at
    tracks = _insert_tracks(session, chunk, origin, result)
    _insert_embeddings(session, chunk, recording, origin, result, tracks)
    session.flush()
    if assign_identities is not None:
        assign_identities(session, chunk, list(tracks.values()))
        session.flush()
    _insert_bouts_and_visits(session, chunk, recording, origin, result, tracks)
    _insert_thumbnails(session, chunk, origin, thumbnails, tracks)
    session.flush()
    return list(tracks.values())
