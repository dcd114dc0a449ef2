"""Storage one animal's re-ID pool takes after a year of sightings under the pool policy (halfvec vs vector).

Simulates one pig's appearance embeddings over ``--days`` (default 365): an identity centre, six pose
prototypes (standing/lying/sitting, both sides), a continuous heading, slow growth drift, a daily
soiling offset and view noise; each chunk (``--chunks-per-day``, 288 = every 5 minutes) offers
``--per-chunk`` embeddings of the pig to `models.reid.pool.EmbeddingPool`. Prints entries kept, bytes per
animal per year for ``halfvec(384)`` and ``vector(384)`` (estimated per-entry bytes from `bytes_per_entry`;
`bench/pgvector_query.py` measures the real per-row figure), and the budget's capacity.

    nice -n 10 .venv/bin/python bench/pool_storage.py
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from models.reid.pool import DIMENSIONS, EmbeddingPool, PoolPolicy, bytes_per_entry


def unit(rows: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (float32)."""
    return (rows / np.linalg.norm(rows, axis=-1, keepdims=True)).astype(np.float32)


class PigAppearance:
    """A synthetic pig whose embeddings vary with pose, heading, growth, soiling and noise."""

    def __init__(self, rng: np.random.Generator, *, days: int) -> None:
        self.rng = rng
        self.centre = unit(rng.normal(size=DIMENSIONS))
        self.poses = 0.5 * unit(rng.normal(size=(6, DIMENSIONS)))
        self.heading_basis = 0.3 * unit(rng.normal(size=(2, DIMENSIONS)))
        steps = rng.normal(size=(days, DIMENSIONS)) * (0.6 / np.sqrt(days * DIMENSIONS))
        self.growth = np.cumsum(steps, axis=0).astype(np.float32)
        self.soiling = 0.15 * unit(rng.normal(size=(days, DIMENSIONS)))

    def views(self, day: int, count: int) -> np.ndarray:
        """``count`` L2-normalised views on ``day`` (countx384 float32)."""
        pose = self.poses[self.rng.integers(0, len(self.poses), count)]
        angle = self.rng.uniform(0, 2 * np.pi, count)[:, None]
        heading = np.cos(angle) * self.heading_basis[0] + np.sin(angle) * self.heading_basis[1]
        noise = 0.1 * self.rng.normal(size=(count, DIMENSIONS)) / np.sqrt(DIMENSIONS)
        return unit(self.centre + pose + heading + self.growth[day] + self.soiling[day] + noise)


def simulate(kind: str, args: argparse.Namespace) -> tuple[EmbeddingPool, int, float]:
    """Run the year for one storage kind; returns (pool, candidates offered, seconds)."""
    policy = PoolPolicy(int(args.budget_mb * 1e6), bytes_per_entry(kind), novelty_distance=args.novelty)
    pig = PigAppearance(np.random.default_rng(args.seed), days=args.days)
    pool, offered, started = EmbeddingPool(policy), 0, time.perf_counter()
    for day in range(args.days):
        candidates = pig.views(day, args.chunks_per_day * args.per_chunk)
        for start in range(0, len(candidates), 1024):
            pool.offer_many(candidates[start : start + 1024])
        offered += len(candidates)
    return pool, offered, time.perf_counter() - started


def main() -> None:
    """Parse flags, simulate for halfvec and vector, print the figures."""
    parser = argparse.ArgumentParser(description="Pool storage per animal per year under the pool policy.")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--chunks-per-day", type=int, default=288)
    parser.add_argument("--per-chunk", type=int, default=4)
    parser.add_argument("--budget-mb", type=float, default=94.0)
    parser.add_argument("--novelty", type=float, default=PoolPolicy().novelty_distance)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    for kind in ("halfvec", "vector"):
        pool, offered, seconds = simulate(kind, args)
        per_entry = bytes_per_entry(kind)
        capacity = pool.policy.capacity
        megabytes = len(pool) * per_entry / 1e6
        print(f"{kind:7s}: {offered:,} embeddings offered over {args.days} days, {len(pool):,} kept "
              f"(capacity {capacity:,} at {args.budget_mb:g} MB, {per_entry} B/entry) -> "
              f"{megabytes:.2f} MB per animal for {args.days} days  [{seconds:.0f} s]")  # fmt: skip


if __name__ == "__main__":
    main()
