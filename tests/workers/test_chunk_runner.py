"""Running chunks in-process against the real database: idempotent reruns, isolation, failures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.identity.models import Embedding
from app.media.models import Chunk, Recording
from app.tracking.models import BehaviourBout, Track, ZoneVisit
from models.pipeline.types import ChunkResult, TrackSummary
from tests.workers.factories import make_recording
from tests.workers.processors import SquareProcessor
from workers.chunk_runner import run_chunk
from workers.errors import ChunkNotFoundError, InvalidResultError, MediaMissingError


def _rows(session: Any, chunk_id: int) -> dict[str, list[tuple]]:
    """Every result row of a chunk, without row ids (comparable across reruns)."""
    tracks = session.scalars(select(Track).where(Track.chunk_id == chunk_id)).all()
    local = {t.id: t.local_id for t in tracks}
    return {
        "tracks": sorted((t.local_id, t.start_at, t.end_at, t.n_frames) for t in tracks),
        "bouts": sorted(
            (local[b.track_id], b.label, b.start_at, b.end_at)
            for b in session.scalars(select(BehaviourBout).where(BehaviourBout.chunk_id == chunk_id))
        ),
        "visits": sorted(
            (local[v.track_id], v.zone_id, v.start_at, v.end_at)
            for v in session.scalars(select(ZoneVisit).where(ZoneVisit.chunk_id == chunk_id))
        ),
        "embeddings": sorted(
            (local[e.track_id or 0], e.captured_at, _head(e.vector))
            for e in session.scalars(select(Embedding).where(Embedding.chunk_id == chunk_id))
        ),
    }


def _head(vector: Any) -> tuple[float, ...]:
    values = vector.to_list() if hasattr(vector, "to_list") else list(vector)
    return tuple(round(float(x), 3) for x in values[:4])


@pytest.fixture
def recording(db_session: Any, settings: Any) -> tuple[Recording, list[Chunk]]:
    rec, chunks = make_recording(db_session, Path(settings.media_dir), seconds=3.0, chunk_seconds=1.5)
    db_session.commit()
    return rec, chunks


def _run(db_session_factory: Any, settings: Any, chunk_id: int, processor: Any = None) -> ChunkResult:
    return run_chunk(
        db_session_factory, processor or SquareProcessor(), chunk_id, media_dir=Path(settings.media_dir),
        progress_interval_s=0.0,
    )  # fmt: skip


def test_running_a_chunk_twice_gives_the_same_rows(
    db_session: Any, db_session_factory: Any, settings: Any, recording: tuple[Recording, list[Chunk]]
) -> None:
    rec, chunks = recording
    _run(db_session_factory, settings, chunks[0].id)
    first = _rows(db_session, chunks[0].id)
    _run(db_session_factory, settings, chunks[0].id)
    db_session.expire_all()
    assert _rows(db_session, chunks[0].id) == first
    assert len(first["tracks"]) == 1 and len(first["embeddings"]) == 2
    assert len(first["bouts"]) == 1 and len(first["visits"]) == 1
    assert first["tracks"][0][3] == 15  # frames 0..14 of the 1.5 s chunk at 10 fps
    chunk = db_session.get(Chunk, chunks[0].id)
    assert (chunk.status, chunk.attempts, chunk.progress) == ("done", 2, 1.0)
    assert db_session.get(Recording, rec.id).status == "processing"


def test_rerunning_one_chunk_leaves_other_chunks_rows_alone(
    db_session: Any, db_session_factory: Any, settings: Any, recording: tuple[Recording, list[Chunk]]
) -> None:
    rec, chunks = recording
    for chunk in chunks:
        _run(db_session_factory, settings, chunk.id)
    other = _rows(db_session, chunks[1].id)
    _run(db_session_factory, settings, chunks[0].id)
    db_session.expire_all()
    assert _rows(db_session, chunks[1].id) == other and other["tracks"]
    assert db_session.get(Recording, rec.id).status == "done"


class _BrokenProcessor:
    """Returns a behaviour bout for a track that does not exist."""

    def process(self, frames: Any, *, context: Any, on_progress: Any) -> ChunkResult:
        result = SquareProcessor().process(frames, context=context, on_progress=on_progress)
        result.tracks = [TrackSummary(7, result.tracks[0].frame_indices, result.tracks[0].xyxy,
                                      result.tracks[0].embeddings, 0.0, 1.0)]  # fmt: skip
        return result


def test_an_invalid_result_keeps_the_previous_rows(
    db_session: Any, db_session_factory: Any, settings: Any, recording: tuple[Recording, list[Chunk]]
) -> None:
    _, chunks = recording
    _run(db_session_factory, settings, chunks[0].id)
    before = _rows(db_session, chunks[0].id)
    with pytest.raises(InvalidResultError, match="track 1"):
        _run(db_session_factory, settings, chunks[0].id, _BrokenProcessor())
    db_session.expire_all()
    assert _rows(db_session, chunks[0].id) == before


@pytest.mark.parametrize("case", ["unknown chunk", "missing media"])
def test_missing_chunk_or_media_raise_typed_errors(
    db_session: Any,
    db_session_factory: Any,
    settings: Any,
    recording: tuple[Recording, list[Chunk]],
    case: str,
) -> None:
    rec, chunks = recording
    if case == "unknown chunk":
        with pytest.raises(ChunkNotFoundError):
            _run(db_session_factory, settings, 987654)
        return
    (Path(settings.media_dir) / rec.media_path).unlink()
    with pytest.raises(MediaMissingError, match="missing"):
        _run(db_session_factory, settings, chunks[0].id)


def test_empty_result_clears_previous_rows(
    db_session: Any, db_session_factory: Any, settings: Any, recording: tuple[Recording, list[Chunk]]
) -> None:
    _, chunks = recording
    _run(db_session_factory, settings, chunks[0].id)

    class _Empty:
        def process(self, frames: Any, *, context: Any, on_progress: Any) -> ChunkResult:
            return ChunkResult(tracks=[])

    _run(db_session_factory, settings, chunks[0].id, _Empty())
    db_session.expire_all()
    assert _rows(db_session, chunks[0].id) == {"tracks": [], "bouts": [], "visits": [], "embeddings": []}


class _ContextKeeper(SquareProcessor):
    """Keeps the context it was given."""

    def process(self, frames: Any, *, context: Any, on_progress: Any) -> ChunkResult:
        self.context = context
        return super().process(frames, context=context, on_progress=on_progress)


@pytest.mark.parametrize(("index", "clock_s"), [(0, 8 * 3600.0), (1, 8 * 3600.0 + 1.5)])
def test_processor_gets_recording_facts_zones_and_clock(
    db_session_factory: Any,
    settings: Any,
    recording: tuple[Recording, list[Chunk]],
    index: int,
    clock_s: float,
) -> None:
    _, chunks = recording
    keeper = _ContextKeeper()
    _run(db_session_factory, settings, chunks[index].id, keeper)
    context = keeper.context
    assert (context.fps, context.width, context.height) == (10.0, 96, 64)
    assert (context.start_s, context.end_s) == (chunks[index].start_s, chunks[index].end_s)
    assert list(context.zones) == ["feeder"] and context.zones["feeder"].shape == (4, 2)
    assert context.clock_start_s == pytest.approx(clock_s)
