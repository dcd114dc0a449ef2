"""Daily summaries recomputed from real bout and visit rows (real PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.summaries.models import DailySummary
from app.summaries.service import chunk_animal_days, recompute, recompute_for_chunk
from tests.app.summaries.seed import DAY0, add_bout, add_observed_day, make_chunk, make_track, make_world


def summaries_of(session, animal_id):
    query = select(DailySummary).where(DailySummary.animal_id == animal_id).order_by(DailySummary.day)
    return list(session.scalars(query))


def test_recompute_for_chunk_writes_one_row_per_day_and_is_idempotent(db_session) -> None:
    world = make_world(db_session)
    pig = world.animals[0]
    chunk = add_observed_day(db_session, world, pig, 0, eat_s=900, drink_s=120)
    for _ in range(2):
        touched = recompute_for_chunk(db_session, chunk.id)
    assert touched == {pig.id: {DAY0.date()}}
    [row] = summaries_of(db_session, pig.id)
    assert row.behaviour_seconds["eat"] == 900 and row.behaviour_seconds["lying"] == 3600
    assert row.observed_s == 3600 + 1800 + 900 + 120
    visits = (row.feeder_visits, row.feeder_dwell_s, row.drinker_visits, row.drinker_dwell_s)
    assert visits == (1, 900, 1, 120)
    assert row.activity_index == pytest.approx((6420 - 3600) / 6420)


def test_bout_across_midnight_splits_between_days(db_session) -> None:
    world = make_world(db_session)
    pig = world.animals[0]
    chunk = make_chunk(db_session, world)
    start = DAY0 + timedelta(hours=23, minutes=30)
    track = make_track(db_session, chunk, pig, start, start + timedelta(hours=1))
    add_bout(db_session, track, "sleep", start, 3600)
    db_session.flush()
    assert chunk_animal_days(db_session, chunk.id) == {pig.id: {DAY0.date(), DAY0.date() + timedelta(days=1)}}
    recompute_for_chunk(db_session, chunk.id)
    rows = summaries_of(db_session, pig.id)
    assert [(r.day, r.observed_s, r.activity_index) for r in rows] == [
        (DAY0.date(), 1800, 0.0),
        (DAY0.date() + timedelta(days=1), 1800, 0.0),
    ]


def test_recompute_removes_summary_when_rows_are_gone(db_session) -> None:
    world = make_world(db_session)
    pig = world.animals[0]
    chunk = add_observed_day(db_session, world, pig, 0, eat_s=600)
    recompute_for_chunk(db_session, chunk.id)
    db_session.delete(chunk)
    db_session.flush()
    assert recompute(db_session, [pig.id], [DAY0.date()]) == 0
    assert summaries_of(db_session, pig.id) == []


@pytest.mark.parametrize(("animals", "days"), [([], [DAY0.date()]), ([1], [])])
def test_recompute_nothing_to_do(db_session, animals, days) -> None:
    assert recompute(db_session, animals, days) == 0


def test_chunk_without_assigned_rows_touches_nothing(db_session) -> None:
    world = make_world(db_session)
    chunk = make_chunk(db_session, world)
    assert recompute_for_chunk(db_session, chunk.id) == {}


def test_recomputes_of_one_pen_wait_for_each_other_but_not_for_other_pens(committed_db) -> None:
    """Two transactions recomputing one pen's summaries (two workers, or the demo and a worker) are
    serialised by the pen's advisory lock; another pen is not held up."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    with committed_db() as setup:
        here, there = make_world(setup, n_animals=2), make_world(setup)
        pig, mate, elsewhere = here.animals[0].id, here.animals[1].id, there.animals[0].id
        add_observed_day(setup, here, here.animals[0], 0, eat_s=600)
        setup.commit()
    day = [DAY0.date()]
    with committed_db() as first, committed_db() as second:
        assert recompute(first, [pig], day) == 1  # holds pen `here` until it commits
        second.execute(text("SET lock_timeout = '300ms'"))
        assert recompute(second, [elsewhere], day) == 0  # another pen: not blocked
        with pytest.raises(OperationalError, match="lock timeout"):
            recompute(second, [mate], day)  # same pen, other animal: waits for `first`
        second.rollback()
        first.commit()
        second.execute(text("SET lock_timeout = '300ms'"))
        assert recompute(second, [pig, mate], day) == 1
        second.commit()
