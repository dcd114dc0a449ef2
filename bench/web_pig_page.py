"""Latency of the server-rendered pig page (``GET /pigs/{id}``: HTML + the Plotly timeline figure) for a pig
with a year of data, through the real app on a real (throwaway, embedded) PostgreSQL database.

Seeds exactly like ``bench/pig_page_latency.py`` (its ``start_database``, ``seed_pen`` and
``summarise_year`` are reused: recordings, chunks, tracks,
behaviour bouts, zone visits, weights, lameness, health events; daily summaries and alerts by the real
services), signs a viewer in through the login form, then times the page for the whole year and for the
default range and prints p50/p99 in ms (target p99 < 150 ms). Run niced:
``nice -n 10 .venv/bin/python bench/web_pig_page.py --chunks-per-day 6``.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

from sqlalchemy import text


def api_bench() -> ModuleType:
    """``bench/pig_page_latency.py`` loaded as a module (bench/ is not a package)."""
    spec = importlib.util.spec_from_file_location(
        "pig_page_latency", Path(__file__).with_name("pig_page_latency.py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def time_page(client: Any, path: str, *, repeats: int) -> list[float]:
    """Wall-clock milliseconds of ``repeats`` GETs of ``path`` (after 5 warm-up requests)."""
    for _ in range(5):
        client.get(path).raise_for_status()
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        client.get(path).raise_for_status()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def report(label: str, timings: list[float], size: int) -> None:
    """Print p50/p99 (inclusive quantiles), the body size and the machine's load average."""
    cuts = statistics.quantiles(timings, n=100, method="inclusive")
    p50, p99 = cuts[49], cuts[98]
    verdict = "meets" if p99 < 150 else "MISSES"
    print(f"{label}: n={len(timings)} p50={p50:.1f} ms p99={p99:.1f} ms ({verdict} p99 < 150 ms); "
          f"body {size} B; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")  # fmt: skip


def signed_in_client(url: str, workdir: Path) -> Any:
    """A TestClient on ``create_app`` (pages mounted) signed in as a viewer through the login form."""
    from fastapi.testclient import TestClient

    from app.auth.schemas import UserCreate
    from app.auth.service import create_user
    from app.config import Settings
    from app.main import create_app
    from app.web.routes import mount_pages

    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        PIGWATCH_ENV="test",
        DATABASE_URL=url,
        PIGWATCH_DATA_DIR=workdir,
        PIGWATCH_MEDIA_DIR=workdir / "media",
    )
    app = create_app(settings)
    mount_pages(app)
    with app.state.session_factory() as session:
        create_user(session, UserCreate(email="bench@example.test", role="viewer", password="x" * 16))
        session.commit()
    client = TestClient(app)
    response = client.post(
        "/login", data={"email": "bench@example.test", "password": "x" * 16}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    return client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pigs", type=int, default=8)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--chunks-per-day", type=int, default=24)
    parser.add_argument("--repeats", type=int, default=100)
    args = parser.parse_args()
    bench = api_bench()
    from app.db import make_engine, make_session_factory, session_scope

    with tempfile.TemporaryDirectory(prefix="pigwatch-bench-") as tmp:
        workdir = Path(tmp)
        url = bench.start_database(workdir)
        started = time.perf_counter()
        with session_scope(make_session_factory(make_engine(url))) as session:
            _, animal_ids = bench.seed_pen(
                session, pigs=args.pigs, days=args.days, per_day=args.chunks_per_day
            )
            bench.summarise_year(session, animal_ids, args.days)
        with make_engine(url).begin() as conn:
            conn.execute(text("ANALYZE"))
        print(f"seeded {args.pigs} pigs x {args.days} days in {time.perf_counter() - started:.0f} s")
        client = signed_in_client(url, workdir)
        first = bench.T0.date()
        last = first + timedelta(days=args.days - 1)
        pig = animal_ids[0]
        for label, path in (
            ("pig page, 1 year", f"/pigs/{pig}?from={first}&to={last}"),
            ("pig page, default 90 days", f"/pigs/{pig}"),
        ):
            size = len(client.get(path).content)
            report(label, time_page(client, path, repeats=args.repeats), size)


if __name__ == "__main__":
    main()
