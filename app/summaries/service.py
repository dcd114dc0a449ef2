"""Daily summaries: recompute per animal per UTC day from behaviour bouts and zone visits (idempotent).

Definitions (also in docs/rest-api.md):

- day: a UTC calendar day (the schema holds no farm time zone); spans are clipped at 00:00 UTC.
- ``behaviour_seconds``: seconds per behaviour class from the day's bouts of the animal.
- ``observed_s``: seconds covered by at least one bout (overlapping bouts counted once). The pipeline may
  sample video, so a day is rarely fully observed: coverage = ``observed_s / 86,400``; compare days by rates
  per observed hour, never by raw seconds.
- feeder/drinker ``visits``: zone visits *starting* that day; ``dwell_s``: seconds in the zone that day.
- ``activity_index``: share of observed time not lying or sleeping (null when nothing was observed).

Services only flush; the caller's transaction (request or task scope) commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from app.summaries import repository
from app.summaries.compute import DAY_S, DayFigures, days_touched, summarise


def _row(animal_id: int, day: date, fig: DayFigures) -> dict[str, Any]:
    """DailySummary column values of one animal-day."""
    return {
        "animal_id": animal_id,
        "day": day,
        "behaviour_seconds": {k: round(v, 3) for k, v in fig.behaviour_seconds.items()},
        "observed_s": min(DAY_S, fig.observed_s),
        "feeder_visits": fig.visits["feeder"],
        "feeder_dwell_s": fig.dwell_s["feeder"],
        "drinker_visits": fig.visits["drinker"],
        "drinker_dwell_s": fig.dwell_s["drinker"],
        "activity_index": fig.activity_index,
    }


def recompute(session: Session, animal_ids: Iterable[int], days: Iterable[date]) -> int:
    """Recompute the summaries of every ``(animal, day)`` pair from the stored bouts and visits.

    Pairs left with no data (e.g. after a chunk's rows were replaced) lose their summary row. Takes the
    animals' pens' summary locks for the rest of the transaction (`repository.lock_pens_of`), so concurrent
    recomputes of one pen, and the alert evaluation that follows them, run one after the other.

    Args:
        session: open session (flushed, not committed).
        animal_ids: animals to recompute.
        days: UTC days to recompute.

    Returns:
        The number of summary rows written (inserted or updated).
    """
    animals, day_set = sorted(set(animal_ids)), set(days)
    if not animals or not day_set:
        return 0
    repository.lock_pens_of(session, animals)
    first, last = min(day_set), max(day_set)
    figures = summarise(
        repository.bouts_between(session, animals, first, last),
        repository.visits_between(session, animals, first, last),
        days=day_set,
    )
    rows = [_row(a, d, fig) for (a, d), fig in sorted(figures.items()) if not fig.is_empty]
    kept = {(r["animal_id"], r["day"]) for r in rows}
    emptied = [(a, d) for a in animals for d in sorted(day_set) if (a, d) not in kept]
    repository.delete_summaries(session, emptied)
    repository.upsert_summaries(session, rows)
    session.flush()
    return len(rows)


def chunk_animal_days(session: Session, chunk_id: int) -> dict[int, set[date]]:
    """``{animal_id: UTC days}`` touched by the chunk's bouts and zone visits (animals assigned only)."""
    touched: dict[int, set[date]] = {}
    for animal_id, start, end in repository.chunk_spans(session, chunk_id):
        touched.setdefault(animal_id, set()).update(days_touched(start, end))
    return touched


def recompute_for_chunk(session: Session, chunk_id: int) -> dict[int, set[date]]:
    """Recompute the summaries of the days touched by chunk ``chunk_id``'s rows.

    Each animal is recomputed for its own touched days only.

    Returns:
        ``{animal_id: days recomputed}`` (empty when the chunk has no assigned rows).
    """
    touched = chunk_animal_days(session, chunk_id)
    for animal_id, days in touched.items():
        recompute(session, [animal_id], days)
    return touched


def recompute_range(session: Session, animal_ids: Iterable[int], first: date, last: date) -> int:
    """Recompute ``animal_ids``' summaries for every UTC day ``first..last`` (e.g. after identity curation
    moved bouts between animals); returns the number of summary rows written."""
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return recompute(session, animal_ids, days)
