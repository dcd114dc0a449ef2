"""Track thumbnails: crops picked by the pipeline wrapper, JPEG files and rows written idempotently."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from sqlalchemy import select

from app.media.models import Chunk, Recording
from app.tracking.models import Track
from app.tracking.models import TrackThumbnail as ThumbnailRow
from models.pipeline.default import DefaultProcessor, PipelineConfig
from models.pipeline.processor import ChunkContext, load_processor
from models.pipeline.thumbnails import (
    ThumbnailCollector,
    ThumbnailingProcessor,
    ThumbnailPolicy,
    crop_thumbnail,
    view_quality,
)
from models.pipeline.types import (
    THUMBNAIL_MAX_SIDE,
    ChunkResult,
    Detections,
    Frame,
    TrackThumbnail,
)
from tests.workers.factories import make_recording
from tests.workers.processors import SquareProcessor
from workers.chunk_runner import run_chunk
from workers.errors import InvalidResultError
from workers.thumbnails import ORPHAN_AGE_S, chunk_folder, encode_jpeg

# --- the pipeline side: plain crops ---


def _frame(index: int, t: float, *, width: int = 320, height: int = 240) -> Frame:
    image = np.zeros((height, width, 3), np.uint8)
    image[..., 0] = np.arange(width, dtype=np.uint8)[None, :]  # red ramp: where the crop came from
    return Frame(index=index, t_seconds=t, image=image)


def test_crop_is_bounded_rgb_and_keeps_small_crops_small() -> None:
    image = _frame(0, 0.0, width=640, height=480).image
    big = crop_thumbnail(image, np.array([10, 20, 410, 220]), max_side=128, margin=0.1)
    assert big is not None and big.dtype == np.uint8 and big.shape == (68, 128, 3)
    small = crop_thumbnail(image, np.array([100, 100, 140, 120]), max_side=128, margin=0.0)
    assert small is not None and small.shape == (20, 40, 3)
    assert small[0, 0, 0] == 100 and small[0, -1, 0] == 139  # pixels of the box, not resized
    assert crop_thumbnail(image, np.array([700, 10, 800, 50]), max_side=128, margin=0.1) is None


def test_thumbnail_type_refuses_oversized_or_wrong_arrays() -> None:
    ok = np.zeros((THUMBNAIL_MAX_SIDE, 64, 3), np.uint8)
    TrackThumbnail(frame_index=0, t_seconds=0.0, image=ok, xyxy=np.zeros(4, np.float32), score=0.5)
    for bad in (
        np.zeros((129, 64, 3), np.uint8),
        np.zeros((32, 32, 3), np.float32),
        np.zeros((32, 32), np.uint8),
    ):
        with pytest.raises(ValueError, match="thumbnail"):
            TrackThumbnail(frame_index=0, t_seconds=0.0, image=bad, xyxy=np.zeros(4, np.float32), score=0.5)


def test_quality_prefers_large_confident_boxes_inside_the_frame() -> None:
    boxes = np.array([[10, 10, 50, 50], [10, 10, 90, 90], [0, 10, 80, 90], [10, 10, 90, 90]], np.float32)
    quality = view_quality(boxes, np.array([0.9, 0.9, 0.9, 0.3]), 320, 240, 2.0)
    assert quality[1] > quality[0] and quality[1] > quality[2] and quality[1] > quality[3]


def test_collector_keeps_the_best_view_per_window_and_at_most_n() -> None:
    collector = ThumbnailCollector(ThumbnailPolicy(window_s=10.0, max_per_track=2))
    sizes = {0.0: 20, 3.0: 60, 6.0: 40, 12.0: 30, 25.0: 50}  # box side per frame time; windows 0, 1, 2
    for i, (t, side) in enumerate(sizes.items()):
        box = np.array([[100, 100, 100 + side, 100 + side]], np.float32)
        collector.observe(_frame(i, t), Detections(box, [0.9], track_id=[5]))
    kept = collector.thumbnails(5)
    assert [k.t_seconds for k in kept] == [3.0, 25.0]  # window 1's 30 px view is the weakest: dropped
    assert kept[0].image.shape == (72, 72, 3) and kept[0].xyxy.tolist() == [100, 100, 160, 160]
    assert collector.thumbnails(6) == []
    collector.reset()
    assert collector.thumbnails(5) == []


class _BoxTracker:
    """Fake tracker for one unit test: one track whose box grows until frame 4, then shrinks."""

    def __init__(self) -> None:
        self.resets = 0

    def reset(self) -> None:
        self.resets += 1

    def update(self, frame: Frame) -> Detections:
        side = 40 + 10 * (4 - abs(frame.index - 4))
        return Detections(np.array([[50, 50, 50 + side, 50 + side]], np.float32), [0.8], track_id=[3])


class _UnitEmbedder:
    def embed_detections(self, image: np.ndarray, detections: Detections) -> np.ndarray:
        vectors = np.zeros((len(detections), 384), np.float32)
        vectors[:, 0] = 1.0
        return vectors


def test_wrapped_default_processor_returns_a_crop_per_track() -> None:
    tracker = _BoxTracker()
    inner = DefaultProcessor(tracker, _UnitEmbedder(), lambda tracks, ctx, size: ([], []),
                             PipelineConfig(analysis_fps=10.0, min_track_frames=1))  # fmt: skip
    processor = ThumbnailingProcessor(inner)
    context = ChunkContext(fps=10.0, width=320, height=240, start_s=0.0, end_s=1.0)
    for _ in range(2):  # a second chunk starts from nothing
        frames = [_frame(i, i / 10) for i in range(10)]
        result = processor.process(frames, context=context, on_progress=lambda f: None)
        [track] = result.tracks
        [thumb] = track.thumbnails
        assert (
            thumb.frame_index == 4 and thumb.image.shape == (96, 96, 3) and thumb.score == pytest.approx(0.8)
        )
    assert tracker.resets == 2


def test_load_processor_wraps_only_processors_with_a_tracker() -> None:
    assert isinstance(load_processor("tests.workers.processors:build_square_processor"), SquareProcessor)
    wrapped = load_processor("tests.workers.test_thumbnails:build_box_processor")
    assert isinstance(wrapped, ThumbnailingProcessor)
    plain = load_processor("tests.workers.test_thumbnails:build_box_processor", thumbnails=False)
    assert not isinstance(plain, ThumbnailingProcessor)


def build_box_processor() -> DefaultProcessor:
    """Factory for the test above (a default processor over the fake tracker)."""
    return DefaultProcessor(_BoxTracker(), _UnitEmbedder(), lambda tracks, ctx, size: ([], []))


# --- the worker side: files and rows ---


@pytest.fixture
def settings(tmp_path: Path) -> Any:
    """Only ``media_dir`` is read: a media store of the test's own (chunk ids restart in other tests)."""

    class _Media:
        media_dir = tmp_path / "media"

    return _Media()


@pytest.fixture
def recording(db_session: Any, settings: Any) -> tuple[Recording, list[Chunk]]:
    rec, chunks = make_recording(db_session, Path(settings.media_dir), seconds=3.0, chunk_seconds=1.5)
    db_session.commit()
    return rec, chunks


def _run(factory: Any, settings: Any, chunk_id: int, processor: Any = None) -> ChunkResult:
    return run_chunk(factory, processor or SquareProcessor(), chunk_id, media_dir=Path(settings.media_dir),
                     progress_interval_s=0.0)  # fmt: skip


def _thumbs(session: Any, chunk_id: int) -> list[ThumbnailRow]:
    session.expire_all()
    return list(session.scalars(select(ThumbnailRow).where(ThumbnailRow.chunk_id == chunk_id)))


def _files(settings: Any, chunk_id: int) -> list[Path]:
    return sorted(chunk_folder(Path(settings.media_dir), chunk_id).rglob("*.jpg"))


def test_a_chunk_stores_a_jpeg_per_track_and_a_rerun_replaces_it(
    db_session: Any, db_session_factory: Any, settings: Any, recording: tuple[Recording, list[Chunk]]
) -> None:
    _, chunks = recording
    _run(db_session_factory, settings, chunks[0].id)
    [first] = _thumbs(db_session, chunks[0].id)
    track = db_session.get(Track, first.track_id)
    assert track.chunk_id == chunks[0].id and track.start_at <= first.captured_at <= track.end_at
    path = Path(settings.media_dir) / first.media_path
    assert _files(settings, chunks[0].id) == [path] and path.stat().st_size == first.size_bytes
    image = cv2.imdecode(np.frombuffer(path.read_bytes(), np.uint8), cv2.IMREAD_COLOR)
    assert image.shape == (first.height, first.width, 3) and image.mean() > 60  # the bright square is in it
    facts = (first.frame_index, first.width, first.height, first.media_path)
    _run(db_session_factory, settings, chunks[0].id)
    [second] = _thumbs(db_session, chunks[0].id)
    assert second.media_path != facts[3] and not path.exists()
    assert _files(settings, chunks[0].id) == [Path(settings.media_dir) / second.media_path]
    assert (second.frame_index, second.width, second.height) == facts[:3]


def test_rerunning_one_chunk_keeps_other_chunks_thumbnails(
    db_session: Any, db_session_factory: Any, settings: Any, recording: tuple[Recording, list[Chunk]]
) -> None:
    _, chunks = recording
    for chunk in chunks:
        _run(db_session_factory, settings, chunk.id)
    other = [(t.id, t.media_path) for t in _thumbs(db_session, chunks[1].id)]
    _run(db_session_factory, settings, chunks[0].id)
    assert [(t.id, t.media_path) for t in _thumbs(db_session, chunks[1].id)] == other
    assert (Path(settings.media_dir) / other[0][1]).is_file()


class _BrokenProcessor(SquareProcessor):
    """A result with a thumbnail but a behaviour bout of a track that does not exist."""

    def process(self, frames: Any, *, context: Any, on_progress: Any) -> ChunkResult:
        result = super().process(frames, context=context, on_progress=on_progress)
        result.behaviours[0] = type(result.behaviours[0])(99, 0.0, 1.0, "standing", 0.5)
        return result


def test_a_failed_transaction_keeps_the_stored_thumbnails_and_drops_its_files(
    db_session: Any, db_session_factory: Any, settings: Any, recording: tuple[Recording, list[Chunk]]
) -> None:
    _, chunks = recording
    _run(db_session_factory, settings, chunks[0].id)
    before = [(t.id, t.media_path) for t in _thumbs(db_session, chunks[0].id)]
    files = _files(settings, chunks[0].id)
    with pytest.raises(InvalidResultError, match="track 99"):
        _run(db_session_factory, settings, chunks[0].id, _BrokenProcessor())
    assert [(t.id, t.media_path) for t in _thumbs(db_session, chunks[0].id)] == before
    assert _files(settings, chunks[0].id) == files
    assert len(list(chunk_folder(Path(settings.media_dir), chunks[0].id).iterdir())) == 1


def test_an_empty_result_removes_rows_files_and_old_orphans(
    db_session: Any, db_session_factory: Any, settings: Any, recording: tuple[Recording, list[Chunk]]
) -> None:
    _, chunks = recording
    _run(db_session_factory, settings, chunks[0].id)
    root = chunk_folder(Path(settings.media_dir), chunks[0].id)
    orphan, fresh = root / "killedattempt", root / "runningattempt"
    for folder in (orphan, fresh):
        folder.mkdir()
        (folder / "t1_0.jpg").write_bytes(encode_jpeg(np.zeros((8, 8, 3), np.uint8)))
    old = time.time() - ORPHAN_AGE_S - 60
    os.utime(orphan, (old, old))

    class _Empty:
        def process(self, frames: Any, *, context: Any, on_progress: Any) -> ChunkResult:
            return ChunkResult(tracks=[])

    _run(db_session_factory, settings, chunks[0].id, _Empty())
    assert _thumbs(db_session, chunks[0].id) == []
    assert sorted(p.name for p in root.iterdir()) == ["runningattempt"]  # a running attempt's batch is kept
