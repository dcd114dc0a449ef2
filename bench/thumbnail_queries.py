"""Thumbnail queries of the pig page and the identity review for pigs with a year of thumbnails.

Starts a throwaway embedded PostgreSQL 18 + pgvector server, migrates it with the real migrations, seeds one
pen the way `bench/pig_page_latency.py` does (its ``seed_pen``: ``--pigs`` pigs x ``--days`` days,
``--chunks-per-day`` chunks of 180 s, one track per pig per chunk), then one `track_thumbnails` row per
track (no files: only the queries are timed). Times `app.tracking.thumbnails.recent_thumbnails` (the pig
page: 12 latest up to the end of the year) and `recent_thumbnails_of_animals` (the identity review: 4 latest
of every pig of the pen) over ``--repeats`` runs each and prints p50/p99 in ms and the plan of the first.

    nice -n 10 .venv/bin/python bench/thumbnail_queries.py --pigs 8 --days 365 --chunks-per-day 24
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

THUMBNAILS_SQL = """
INSERT INTO track_thumbnails (chunk_id, track_id, captured_at, frame_index, media_path, width, height,
                              size_bytes, score, xyxy)
SELECT t.chunk_id, t.id, t.start_at + interval '30 seconds', 180, 'thumbs/bench/' || t.id || '.jpg', 128, 96,
       2850, 0.9, '[0, 0, 1, 1]'::jsonb
FROM tracks t"""


def _latency_bench() -> Any:
    """`bench/pig_page_latency.py` as a module (bench/ is not a package)."""
    path = Path(__file__).with_name("pig_page_latency.py")
    spec = importlib.util.spec_from_file_location("pig_page_latency", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def time_ms(call: Callable[[], Any], repeats: int) -> list[float]:
    """Wall milliseconds of ``repeats`` calls (after 5 warm-up calls)."""
    for _ in range(5):
        call()
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        timings.append(1000 * (time.perf_counter() - start))
    return timings


def report(label: str, timings: list[float]) -> None:
    ordered = sorted(timings)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    print(f"{label}: p50 {statistics.median(ordered):.2f} ms, p99 {p99:.2f} ms ({len(ordered)} runs)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pigs", type=int, default=8)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--chunks-per-day", type=int, default=24)
    parser.add_argument("--repeats", type=int, default=200)
    args = parser.parse_args()
    from app.db import make_engine, make_session_factory, session_scope
    from app.tracking.thumbnails import recent_thumbnails, recent_thumbnails_of_animals

    bench = _latency_bench()
    with tempfile.TemporaryDirectory(prefix="pigwatch-bench-") as tmp:
        url = bench.start_database(Path(tmp))
        engine = make_engine(url)
        factory = make_session_factory(engine)
        with session_scope(factory) as session:
            _, animal_ids = bench.seed_pen(
                session, pigs=args.pigs, days=args.days, per_day=args.chunks_per_day
            )
            session.execute(text(THUMBNAILS_SQL))
            count = session.scalar(text("SELECT count(*) FROM track_thumbnails"))
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        print(f"seeded {args.pigs} pigs x {args.days} days: {count} thumbnails")
        before = bench.T0 + timedelta(days=args.days)
        with factory() as session:
            pig_page = time_ms(lambda: recent_thumbnails(session, animal_ids[0], before=before), args.repeats)
            review = time_ms(lambda: recent_thumbnails_of_animals(session, animal_ids), args.repeats)
            newest = recent_thumbnails(session, animal_ids[0], before=before)
        report("pig page, 12 latest of one pig", pig_page)
        report(f"identity review, 4 latest of each of {args.pigs} pigs", review)
        print(
            f"latest shown: {newest[0].captured_at.isoformat()} (expected within the last day of {before:%F})"
        )
        explain_first_query(engine, animal_ids[0], before)
        engine.dispose()


def explain_first_query(engine: Any, animal_id: int, before: Any) -> None:
    """EXPLAIN ANALYZE of the pig page's query, as SQLAlchemy sends it."""
    from sqlalchemy import event

    from app.db import make_session_factory
    from app.tracking.thumbnails import recent_thumbnails

    captured: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        if "track_thumbnails" in statement and not captured:
            captured.append((statement, params))

    event.listen(engine, "before_cursor_execute", record)
    with make_session_factory(engine)() as session:
        recent_thumbnails(session, animal_id, before=before)
    event.remove(engine, "before_cursor_execute", record)
    statement, params = captured[0]
    with engine.connect() as conn:
        plan = conn.exec_driver_sql("EXPLAIN ANALYZE " + statement, params).scalars().all()
    print("\n".join(line for line in plan if "Execution Time" in line or "Index" in line))


if __name__ == "__main__":
    main()
