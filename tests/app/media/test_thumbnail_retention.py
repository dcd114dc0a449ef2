"""Thumbnail retention against the real database: old thumbnails thinned to the best few per animal and day,
review tracks untouched, files removed only for deleted rows, reruns harmless."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.animals.models import Animal
from app.media.models import Chunk, Recording
from app.media.storage import remove_stored_files
from app.tracking.models import Track, TrackThumbnail
from app.tracking.retention import RetentionPolicy, prune_thumbnails
from tests.workers.factories import make_pen
from workers.celery_app import BEAT_SCHEDULE, TASK_MODULES
from workers.tasks.maintenance import PRUNE_THUMBNAILS_TASK

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
OLD_DAY = NOW - timedelta(days=40)
OLDER_DAY = NOW - timedelta(days=41)
RECENT_DAY = NOW - timedelta(days=5)


def _track(session: Any, chunk: Chunk, local_id: int, *, animal: Animal | None, band: str) -> Track:
    track = Track(chunk_id=chunk.id, local_id=local_id, animal_id=animal.id if animal else None,
                  assignment_band=band, start_at=OLD_DAY, end_at=OLD_DAY + timedelta(minutes=1))  # fmt: skip
    session.add(track)
    session.flush()
    return track


def _thumbs(session: Any, media_dir: Path, track: Track, when: datetime, scores: list[float]) -> list[int]:
    """One thumbnail per score, a second apart, with a file under ``media_dir``; their ids."""
    ids = []
    for n, score in enumerate(scores):
        relative = f"thumbs/c{track.chunk_id}/b/t{track.id}_{when:%Y%m%d}_{n}.jpg"
        (media_dir / relative).parent.mkdir(parents=True, exist_ok=True)
        (media_dir / relative).write_bytes(b"\xff\xd8jpeg")
        row = TrackThumbnail(chunk_id=track.chunk_id, track_id=track.id, frame_index=n, media_path=relative,
                             captured_at=when + timedelta(seconds=n), width=8, height=8, size_bytes=6,
                             score=score, xyxy=[0, 0, 1, 1])  # fmt: skip
        session.add(row)
        session.flush()
        ids.append(row.id)
    return ids


@pytest.fixture()
def seeded(db_session: Any, tmp_path: Path) -> dict[str, list[int]]:
    pen = make_pen(db_session)
    pig = Animal(pen_id=pen.id, name="Rosa")
    db_session.add(pig)
    rec = Recording(pen_id=pen.id, source="upload", media_path="x.mp4", started_at=OLDER_DAY, status="done")
    db_session.add(rec)
    db_session.flush()
    chunk = Chunk(recording_id=rec.id, index=0, start_s=0, end_s=60, status="done", progress=1.0)
    db_session.add(chunk)
    db_session.flush()
    assigned = _track(db_session, chunk, 1, animal=pig, band="assigned")
    second = _track(db_session, chunk, 2, animal=pig, band="assigned")
    suggested = _track(db_session, chunk, 3, animal=None, band="suggested")
    unknown = _track(db_session, chunk, 4, animal=None, band="unknown")
    return {
        # one animal, one old day, two tracks: 6 + 2 thumbnails, the 4 best of the 8 survive
        "old_a": _thumbs(db_session, tmp_path, assigned, OLD_DAY, [0.1, 0.9, 0.3, 0.8, 0.2, 0.5]),
        "old_b": _thumbs(db_session, tmp_path, second, OLD_DAY + timedelta(hours=1), [0.95, 0.4]),
        "older": _thumbs(db_session, tmp_path, assigned, OLDER_DAY, [0.1, 0.2, 0.3]),  # <= 4 that day: kept
        "recent": _thumbs(db_session, tmp_path, assigned, RECENT_DAY, [0.1] * 6),  # recent: all kept
        "suggested": _thumbs(db_session, tmp_path, suggested, OLD_DAY, [0.1] * 6),  # under review: kept
        "unknown": _thumbs(db_session, tmp_path, unknown, OLD_DAY, [0.6, 0.1, 0.7, 0.2, 0.3, 0.4]),
    }


def _remaining(db_session: Any) -> set[int]:
    return set(db_session.scalars(select(TrackThumbnail.id)))


def test_old_thumbnails_thinned_to_best_per_animal_day(
    db_session: Any, db_session_factory: Any, seeded: dict[str, list[int]], tmp_path: Path
) -> None:
    all_ids = {i for ids in seeded.values() for i in ids}
    policy = RetentionPolicy(older_than_days=30, keep_per_day=4)

    dry = prune_thumbnails(db_session_factory, tmp_path, now=NOW, policy=policy, dry_run=True)
    assert (dry.rows, dry.bytes, dry.files_removed) == (6, 36, 0)
    assert _remaining(db_session) == all_ids

    report = prune_thumbnails(db_session_factory, tmp_path, now=NOW, policy=policy, batch_size=3)
    # animal-day (two tracks pooled): scores 0.1, 0.2, 0.3, 0.4 go; the unknown track: 0.1 and 0.2 go
    a, b, u = seeded["old_a"], seeded["old_b"], seeded["unknown"]
    dropped = {a[0], a[2], a[4], b[1], u[1], u[3]}
    assert (report.rows, report.bytes, report.files_removed) == (6, 36, 6)
    assert report.cutoff == NOW - timedelta(days=30)
    db_session.expire_all()
    assert _remaining(db_session) == all_ids - dropped
    paths = {row.id: tmp_path / row.media_path for row in db_session.scalars(select(TrackThumbnail))}
    assert all(path.is_file() for path in paths.values())
    assert sum(1 for _ in (tmp_path / "thumbs").rglob("*.jpg")) == len(all_ids) - len(dropped)

    again = prune_thumbnails(db_session_factory, tmp_path, now=NOW, policy=policy)
    assert again.rows == 0 and _remaining(db_session) == all_ids - dropped


def test_a_shorter_retention_reaches_recent_days(
    db_session: Any, db_session_factory: Any, seeded: dict[str, list[int]], tmp_path: Path
) -> None:
    report = prune_thumbnails(db_session_factory, tmp_path, now=NOW, policy=RetentionPolicy(1, 1))
    # old animal-day keeps 1 of 8, older day 1 of 3, recent day 1 of 6, unknown track 1 of 6; review kept
    assert report.rows == 7 + 2 + 5 + 5
    db_session.expire_all()
    assert set(seeded["suggested"]) <= _remaining(db_session)


def test_remove_files_ignores_paths_outside_the_media_store(tmp_path: Path) -> None:
    media, outside = tmp_path / "media", tmp_path / "keep.jpg"
    (media / "thumbs" / "c1" / "b").mkdir(parents=True)
    (media / "thumbs" / "c1" / "b" / "t1.jpg").write_bytes(b"x")
    outside.write_bytes(b"x")
    assert remove_stored_files(media, ["thumbs/c1/b/t1.jpg", "../keep.jpg", "thumbs/c1/b/gone.jpg"]) == 1
    assert outside.is_file() and not (media / "thumbs" / "c1").exists() and media.is_dir()
    (media / "thumbs" / "c2" / "b").mkdir(parents=True)
    (media / "thumbs" / "c2" / "b" / "t1.jpg").write_bytes(b"x")
    within = media / "thumbs" / "c2"
    assert remove_stored_files(media, ["thumbs/c2/b/t1.jpg"], within=within) == 1
    assert within.is_dir() and not (within / "b").exists()  # climbs no higher than `within`


@pytest.mark.parametrize(("days", "keep"), [(0, 4), (-1, 4), (30, 0)])
def test_policy_refuses_nonsense(days: float, keep: int) -> None:
    with pytest.raises(ValueError, match="must be"):
        RetentionPolicy(days, keep)


def test_daily_prune_is_scheduled_and_registered() -> None:
    assert "workers.tasks.maintenance" in TASK_MODULES
    assert [entry["task"] for entry in BEAT_SCHEDULE.values()] == [PRUNE_THUMBNAILS_TASK]


def test_worker_beat_flag_embeds_the_scheduler() -> None:
    from pigwatch.commands.worker import worker_argv

    common = {"queues": "cpu", "concurrency": 1, "pool": "solo", "loglevel": "info", "hostname": None}
    assert "--beat" in worker_argv(**common, beat=True)
    assert "--beat" not in worker_argv(**common)
