"""Seed a small farm for page tests: one pen, three pigs, summaries, bouts, records, a suggestion, an alert,
and (with ``media_dir``) track thumbnails, crops of a simulated pen frame: two of Rosa, three of Otto, one of
the suggested track, one of Bella (its candidate).

Used by the page tests (rolled-back session) and the browser tests (committed session).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np

SEED_DAY = date(2026, 3, 20)


@dataclass
class Seeded:
    """Ids of the seeded rows."""

    pen_id: int
    pig_id: int
    other_pig_id: int
    sick_pig_id: int
    suggested_track_id: int
    alert_id: int
    treatment_id: int
    thumbnail_ids: dict[str, list[int]] = field(default_factory=dict)


def at(day: date, hour: int = 8) -> datetime:
    """``day`` at ``hour``:00 UTC."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def _add(session: Any, row: Any) -> Any:
    session.add(row)
    session.flush()
    return row


@lru_cache(maxsize=1)
def simulated_pig_crops() -> tuple[np.ndarray, ...]:
    """Crops (HxWx3 uint8 RGB, longest side 128 px) of the visible pigs of one simulated pen frame."""
    from models.pipeline.thumbnails import crop_thumbnail
    from models.sim.render import generate
    from models.sim.scenario import Scenario, scenario_set

    scenario = Scenario.from_config(scenario_set("test")[0])
    frame = next(iter(generate(scenario, day=scenario.days[0], start_s=9 * 3600, duration_s=1.0, width=640,
                               height=360, fps=1.0)))  # fmt: skip
    crops = [crop_thumbnail(frame.image, box, max_side=128, margin=0.1) for box in frame.xyxy[frame.visible]]
    return tuple(c for c in crops if c is not None)


def pig_jpeg(seed: int) -> tuple[bytes, int, int]:
    """``(JPEG bytes, width, height)`` of one simulated pig's crop (which one depends on ``seed``)."""
    crops = simulated_pig_crops()
    crop = crops[seed % len(crops)]
    ok, data = cv2.imencode(".jpg", crop[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, 85])
    assert ok
    return bytes(data.tobytes()), int(crop.shape[1]), int(crop.shape[0])


def add_thumbnail(session: Any, media_dir: Path, track: Any, captured_at: datetime, seed: int) -> int:
    """Write a JPEG under ``media_dir/thumbs/seed/`` and record it as a thumbnail of ``track``; its id."""
    from app.tracking.models import TrackThumbnail

    relative = f"thumbs/seed/{track.id}_{seed}_{captured_at:%Y%m%d%H%M%S}.jpg"
    data, width, height = pig_jpeg(seed)
    (media_dir / relative).parent.mkdir(parents=True, exist_ok=True)
    (media_dir / relative).write_bytes(data)
    row = TrackThumbnail(
        chunk_id=track.chunk_id, track_id=track.id, captured_at=captured_at, frame_index=seed,
        media_path=relative, width=width, height=height, size_bytes=len(data), score=0.9, xyxy=[0, 0, 1, 1],
    )  # fmt: skip
    return int(_add(session, row).id)


def seed_pen(session: Any, *, days: int = 10, end: date = SEED_DAY, media_dir: Path | None = None) -> Seeded:
    """Insert the seed rows with ``session`` (flushed, not committed) ending on ``end``; with ``media_dir``,
    thumbnails too (JPEG files written there)."""
    from app.animals.models import Animal
    from app.cameras.models import Camera
    from app.farms.models import Farm, Pen
    from app.health.models import HealthEvent, LamenessScore, Weight
    from app.media.models import Chunk, Recording
    from app.summaries.models import Alert, DailySummary
    from app.tracking.models import BehaviourBout, Track

    farm = _add(session, Farm(name="Hillside"))
    pen = _add(session, Pen(farm_id=farm.id, name="Pen 3", capacity=12))
    _add(session, Camera(pen_id=pen.id, name="cam north", stream_url="rtsp://cam/1", status="recording"))
    pigs = [_add(session, Animal(pen_id=pen.id, name=n, ear_tag=f"T-{n}")) for n in ("Rosa", "Bella", "Otto")]
    rec = _add(
        session,
        Recording(
            pen_id=pen.id, source="sim", media_path="sim/a.mkv", started_at=at(end), status="processing"
        ),
    )
    chunk = _add(
        session, Chunk(recording_id=rec.id, index=0, start_s=0, end_s=60, status="done", progress=1.0)
    )
    _add(session, Chunk(recording_id=rec.id, index=1, start_s=60, end_s=120, status="running", progress=0.5))
    for offset in range(days):
        day = end - timedelta(days=days - 1 - offset)
        for i, pig in enumerate(pigs):
            sick = i == 2 and offset >= days - 3
            seconds = {
                "lying": 3600.0 * (3 if sick else 2),
                "eat": 1200.0 * (0.3 if sick else 1),
                "standing": 1800.0,
            }
            _add(
                session,
                DailySummary(
                    animal_id=pig.id,
                    day=day,
                    behaviour_seconds=seconds,
                    observed_s=4 * 3600.0,
                    feeder_visits=4 if sick else 12 + i,
                    feeder_dwell_s=900.0,
                    drinker_visits=8,
                    drinker_dwell_s=300.0,
                    activity_index=0.2 if sick else 0.5 + 0.05 * i,
                ),
            )
            _add(session, Weight(animal_id=pig.id, weighed_at=at(day), kg=30 + 0.8 * offset + i))
    track = _add(
        session,
        Track(
            chunk_id=chunk.id,
            local_id=1,
            animal_id=pigs[0].id,
            assignment_confidence=0.93,
            assignment_band="assigned",
            start_at=at(end),
            end_at=at(end) + timedelta(minutes=1),
        ),
    )
    _add(
        session,
        BehaviourBout(
            chunk_id=chunk.id,
            track_id=track.id,
            animal_id=pigs[0].id,
            label="run",
            start_at=at(end + timedelta(days=1)),
            end_at=at(end + timedelta(days=1)) + timedelta(minutes=30),
            probability=0.9,
        ),
    )
    suggested = _add(
        session,
        Track(
            chunk_id=chunk.id,
            local_id=2,
            assignment_confidence=0.61,
            assignment_band="suggested",
            candidate_animal_id=pigs[1].id,
            start_at=at(end),
            end_at=at(end) + timedelta(minutes=1),
        ),
    )
    treatment = _add(
        session,
        HealthEvent(
            animal_id=pigs[0].id,
            kind="treatment",
            occurred_at=at(end - timedelta(days=4)),
            product="Penicillin",
            dose="3 ml",
            route="IM",
            withdrawal_end=end + timedelta(days=3),
        ),
    )
    _add(
        session,
        LamenessScore(animal_id=pigs[0].id, scored_at=at(end - timedelta(days=5)), scale_max=3, score=1),
    )
    _add(
        session,
        HealthEvent(
            animal_id=pigs[2].id,
            kind="diagnosis",
            occurred_at=at(end, 10),
            condition="respiratory disease (suspected)",
            severity="mild",
        ),
    )
    for offset, score in ((-20, 0), (-10, 1), (0, 2)):
        _add(
            session,
            LamenessScore(
                animal_id=pigs[2].id, scored_at=at(end + timedelta(days=offset)), scale_max=3, score=score
            ),
        )
    alert = _add(session, Alert(animal_id=pigs[2].id, kind="feeding", day=end, evidence={"drop_pct": 66}))
    seeded = Seeded(pen.id, pigs[0].id, pigs[1].id, pigs[2].id, suggested.id, alert.id, treatment.id)
    if media_dir is not None:
        bella = _add(
            session,
            Track(
                chunk_id=chunk.id, local_id=3, animal_id=pigs[1].id, assignment_confidence=0.95,
                assignment_band="assigned", start_at=at(end), end_at=at(end) + timedelta(minutes=1),
            ),
        )  # fmt: skip
        otto = _add(
            session,
            Track(
                chunk_id=chunk.id, local_id=4, animal_id=pigs[2].id, assignment_confidence=0.9,
                assignment_band="assigned", start_at=at(end), end_at=at(end) + timedelta(minutes=3),
            ),
        )  # fmt: skip
        seeded.thumbnail_ids = {
            "Otto": [
                add_thumbnail(session, media_dir, otto, at(end) + timedelta(minutes=m), 2 + m)
                for m in (0, 1, 2)
            ],
            "Rosa": [
                add_thumbnail(session, media_dir, track, at(end) + timedelta(seconds=s), s) for s in (5, 40)
            ],
            "suggested": [add_thumbnail(session, media_dir, suggested, at(end) + timedelta(seconds=20), 7)],
            "Bella": [add_thumbnail(session, media_dir, bella, at(end) + timedelta(seconds=30), 11)],
        }
    return seeded
