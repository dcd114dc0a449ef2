"""Builders of real rows (farm, pen with feeder/drinker zones, animals, chunks, tracks, bouts, visits) shared
by the summaries, alerts and exports tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

_names = count(1)
DAY0 = datetime(2026, 3, 1, tzinfo=UTC)
SQUARE = [[0, 0], [0.2, 0], [0.2, 0.2], [0, 0.2]]


@dataclass
class PenWorld:
    """A pen with a feeder and a drinker zone, its animals and one recording to hang chunks on."""

    pen: Any
    feeder: Any
    drinker: Any
    animals: list[Any]
    recording: Any


def make_world(session: Any, *, n_animals: int = 1) -> PenWorld:
    from app.animals.models import Animal
    from app.farms.models import Farm, Pen, Zone
    from app.media.models import Recording

    n = next(_names)
    farm = Farm(name=f"summaries farm {n}")
    session.add(farm)
    session.flush()
    pen = Pen(farm_id=farm.id, name="pen S")
    session.add(pen)
    session.flush()
    feeder = Zone(pen_id=pen.id, kind="feeder", name="feeder", polygon=SQUARE)
    drinker = Zone(pen_id=pen.id, kind="drinker", name="drinker", polygon=SQUARE)
    animals = [Animal(pen_id=pen.id, ear_tag=f"S{n}-{i}") for i in range(n_animals)]
    session.add_all([feeder, drinker, *animals])
    recording = Recording(pen_id=pen.id, source="sim", media_path=f"/tmp/s{n}.mp4", started_at=DAY0)
    session.add(recording)
    session.flush()
    return PenWorld(pen, feeder, drinker, animals, recording)


_chunk_index = count(0)


def make_chunk(session: Any, world: PenWorld) -> Any:
    from app.media.models import Chunk

    chunk = Chunk(recording_id=world.recording.id, index=next(_chunk_index), start_s=0.0, end_s=300.0)
    session.add(chunk)
    session.flush()
    return chunk


def make_track(session: Any, chunk: Any, animal: Any, start: datetime, end: datetime, **kw: Any) -> Any:
    from app.tracking.models import Track

    track = Track(
        chunk_id=chunk.id, local_id=next(_names), animal_id=animal.id, start_at=start, end_at=end, **kw
    )
    session.add(track)
    session.flush()
    return track


def add_bout(session: Any, track: Any, label: str, start: datetime, seconds: float) -> Any:
    from app.tracking.models import BehaviourBout

    bout = BehaviourBout(
        chunk_id=track.chunk_id, track_id=track.id, animal_id=track.animal_id, label=label,
        start_at=start, end_at=start + timedelta(seconds=seconds), probability=0.9,
    )  # fmt: skip
    session.add(bout)
    return bout


def add_visit(session: Any, track: Any, zone: Any, start: datetime, seconds: float) -> Any:
    from app.tracking.models import ZoneVisit

    visit = ZoneVisit(
        chunk_id=track.chunk_id, track_id=track.id, animal_id=track.animal_id, zone_id=zone.id,
        start_at=start, end_at=start + timedelta(seconds=seconds),
    )  # fmt: skip
    session.add(visit)
    return visit


def add_observed_day(
    session: Any, world: PenWorld, animal: Any, day: int, *, eat_s: float, drink_s: float = 300.0,
    lying_s: float = 3600.0, standing_s: float = 1800.0, chunk: Any = None,
) -> Any:  # fmt: skip
    """A chunk (new unless given) on ``DAY0 + day`` (from 08:00 UTC) with one track of ``animal``:
    consecutive bouts of lying, standing, eating and drinking, a feeder visit per eating bout and a drinker
    visit per drinking bout."""
    chunk = chunk if chunk is not None else make_chunk(session, world)
    start = DAY0 + timedelta(days=day, hours=8)
    total = lying_s + standing_s + eat_s + drink_s
    track = make_track(session, chunk, animal, start, start + timedelta(seconds=total))
    cursor = start
    for label, seconds in (("lying", lying_s), ("standing", standing_s), ("eat", eat_s), ("drink", drink_s)):
        if seconds > 0:
            add_bout(session, track, label, cursor, seconds)
            zone = {"eat": world.feeder, "drink": world.drinker}.get(label)
            if zone is not None:
                add_visit(session, track, zone, cursor, seconds)
        cursor += timedelta(seconds=seconds)
    session.flush()
    return chunk
