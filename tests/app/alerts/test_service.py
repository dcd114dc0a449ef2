"""Alerts from real daily summaries built by the summaries task from real bout and visit rows."""

from __future__ import annotations

from sqlalchemy import select

from app.summaries.models import Alert
from tests.app.summaries.seed import DAY0, add_observed_day, make_chunk, make_world
from workers.tasks.summaries import recompute_chunk_summaries

DAYS = 18
DROP_FROM = 15


def seed_pen(db_session, *, drop_for: set[int]) -> tuple[list, list[int]]:
    """Three pigs seen in one chunk a day, eating 1,200 s per observed day; pigs in ``drop_for`` eat 200 s
    from `DROP_FROM` on."""
    world = make_world(db_session, n_animals=3)
    chunk_ids = []
    for day in range(DAYS):
        chunk = make_chunk(db_session, world)
        for i, pig in enumerate(world.animals):
            eat = 200.0 if i in drop_for and day >= DROP_FROM else 1200.0
            add_observed_day(db_session, world, pig, day, eat_s=eat, chunk=chunk)
        chunk_ids.append(chunk.id)
    return world.animals, chunk_ids


def alerts(db_session) -> list[Alert]:
    return list(db_session.scalars(select(Alert).order_by(Alert.id)))


def run_tasks(db_session_factory, chunk_ids) -> int:
    return sum(recompute_chunk_summaries(db_session_factory, c)["alerts"] for c in chunk_ids)


def test_eating_drop_raises_one_feeding_alert_and_stable_pigs_none(db_session, db_session_factory) -> None:
    pigs, chunk_ids = seed_pen(db_session, drop_for={0})
    assert run_tasks(db_session_factory, chunk_ids) > 0
    [alert] = alerts(db_session)
    assert (alert.animal_id, alert.kind, alert.status) == (pigs[0].id, "feeding", "open")
    assert alert.day == (DAY0.date().replace(day=1 + DROP_FROM))
    assert alert.evidence["last_day"] == DAY0.date().replace(day=DAYS).isoformat()
    assert alert.evidence["window"]["pen_median"] > alert.evidence["window"]["value"]


def test_rerunning_keeps_one_alert_per_episode(db_session, db_session_factory) -> None:
    _, chunk_ids = seed_pen(db_session, drop_for={0})
    run_tasks(db_session_factory, chunk_ids)
    run_tasks(db_session_factory, list(reversed(chunk_ids)))
    assert len(alerts(db_session)) == 1


def test_pen_wide_drop_raises_nothing(db_session, db_session_factory) -> None:
    _, chunk_ids = seed_pen(db_session, drop_for={0, 1, 2})
    assert run_tasks(db_session_factory, chunk_ids) == 0
    assert alerts(db_session) == []


def test_stable_pen_raises_nothing(db_session, db_session_factory) -> None:
    _, chunk_ids = seed_pen(db_session, drop_for=set())
    assert run_tasks(db_session_factory, chunk_ids) == 0


SAMPLED_EATING = [
    [700, 700, 700, 700, 0, 0],  # stops eating on days 4-5: alert
    [700, 700, 700, 700, 400, 400],  # dips inside the pen's sampling noise: no alert
    [550, 850, 700, 700, 850, 550],
    [850, 550, 700, 700, 550, 850],
    [700, 850, 550, 700, 850, 550],
    [700, 550, 850, 700, 550, 850],
    [850, 700, 550, 700, 700, 700],
]
"""Seconds eating per sampled day of seven pigs: short samples catch a meal or miss part of it, so healthy
pen-mates stray +-150 s from their own baselines from day to day."""


def test_a_dip_inside_the_pens_sampling_noise_raises_nothing(db_session, db_session_factory) -> None:
    world = make_world(db_session, n_animals=len(SAMPLED_EATING))
    chunk_ids = []
    for day in range(6):
        chunk = make_chunk(db_session, world)
        for pig, series in zip(world.animals, SAMPLED_EATING, strict=True):
            add_observed_day(db_session, world, pig, day, eat_s=float(series[day]), chunk=chunk)
        chunk_ids.append(chunk.id)
    run_tasks(db_session_factory, chunk_ids)
    [alert] = alerts(db_session)
    assert (alert.animal_id, alert.kind) == (world.animals[0].id, "feeding")
    assert alert.evidence["window"]["dispersion_s"] > 0 and alert.evidence["window"]["n_mates"] == 6
