"""Embedding pool policy: keep diverse views of each animal within a byte budget per animal per year.

Policy (the same rules run in numpy here and on pgvector rows in `app/identity`):
1. **Add** a candidate only when it is novel: its cosine distance to the nearest entry already in the animal's
   pool is greater than ``novelty_distance`` (default 0.05, i.e. similarity < 0.95). Near-duplicates (a pig
   lying still for an hour) cost nothing.
2. **Budget**: the pool holds at most ``capacity = budget_bytes // bytes_per_entry`` entries.
3. **Drop** when over capacity: the most redundant entry, i.e. the one whose nearest neighbour in the pool is
   closest (highest similarity); ties go to the oldest. This keeps the spread of views (seasons, growth,
   soiling, lighting) and thins the densest clusters first.

Storage per entry (PostgreSQL 18 + pgvector 0.8, 8 KB pages, HNSW m=16) is estimated by `bytes_per_entry`: the
heap row, its element in the pool HNSW index and its tuple in the pool covering btree (both partial indexes
``WHERE in_pool``, migrations 0003-0004, so non-pool history rows pay only their heap row);
`bench/pgvector_query.py` measures the real figures on a filled table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

DIMENSIONS = 384
"""Embedding width of the default and DINOv3 ViT-S/16 embedders."""

DEFAULT_BUDGET_BYTES = 94_000_000
"""Default pool budget per animal per year, bytes (the research's ~94 MB)."""

TUPLE_OVERHEAD_BYTES = 24 + 4
"""Heap tuple header (23 B, aligned to 24) plus its 4 B line pointer."""

OTHER_COLUMNS_BYTES = 8 * 6 + 8
"""id, animal_id, track_id, chunk_id, camera_id, captured_at (8 B each) + in_pool and alignment."""

HNSW_NEIGHBOUR_BYTES = 2 * 16 * 6 + 8 + 24
"""HNSW layer-0 neighbour list (2m = 32 item pointers of 6 B) + element header, for m = 16."""

BTREE_TUPLE_OVERHEAD_BYTES = 8 + 8 + 4
"""Covering btree tuple: index tuple header (8 B), the ``animal_id`` key aligned (8 B), its 4 B line pointer
(the value is INCLUDEd beside it)."""


def vector_value_bytes(kind: str, dimensions: int = DIMENSIONS) -> int:
    """Bytes of one stored value: ``halfvec`` is 2 B per dimension, ``vector`` 4 B, plus an 8 B header.

    Args:
        kind: ``"halfvec"`` or ``"vector"``.
        dimensions: vector width.

    Returns:
        Bytes of the varlena value.
    """
    per_dimension = {"halfvec": 2, "vector": 4}
    if kind not in per_dimension:
        raise ValueError(f"kind must be 'halfvec' or 'vector', got {kind!r}")
    return per_dimension[kind] * dimensions + 8


def bytes_per_entry(kind: str, dimensions: int = DIMENSIONS) -> int:
    """Estimated bytes one pool entry costs: heap row + its HNSW element + its covering btree tuple (both
    indexes repeat the value).

    Args:
        kind: ``"halfvec"`` or ``"vector"``.
        dimensions: vector width.

    Returns:
        Bytes per entry (2,656 for halfvec(384), 4,960 for vector(384)).
    """
    value = vector_value_bytes(kind, dimensions)
    heap = TUPLE_OVERHEAD_BYTES + OTHER_COLUMNS_BYTES + value
    hnsw = value + HNSW_NEIGHBOUR_BYTES
    covering = value + BTREE_TUPLE_OVERHEAD_BYTES
    return heap + hnsw + covering


@dataclass(frozen=True)
class PoolPolicy:
    """Rules of one animal's pool.

    Attributes:
        budget_bytes: storage allowed per animal per year.
        bytes_per_entry: storage cost of one entry (see `bytes_per_entry`).
        novelty_distance: minimal cosine distance to the nearest pool entry for a candidate to be added.
    """

    budget_bytes: int = DEFAULT_BUDGET_BYTES
    bytes_per_entry: int = field(default_factory=lambda: bytes_per_entry("halfvec"))
    novelty_distance: float = 0.05

    @property
    def capacity(self) -> int:
        """Most entries the pool may hold."""
        return max(1, self.budget_bytes // self.bytes_per_entry)


class EmbeddingPool:
    """One animal's pool in memory, applying a `PoolPolicy` incrementally.

    Keeps, for every entry, the similarity to and index of its nearest other entry, so the most redundant
    entry is found in O(N) and an eviction only recomputes the entries that pointed at the evicted one.
    Storage grows by doubling; eviction moves the last entry into the freed slot.
    """

    def __init__(self, policy: PoolPolicy | None = None, *, dimensions: int = DIMENSIONS) -> None:
        self.policy = policy or PoolPolicy()
        self._size = 0
        self._vectors = np.zeros((16, dimensions), dtype=np.float32)
        self._nn_sim = np.full(16, -np.inf, dtype=np.float32)
        self._nn_index = np.full(16, -1, dtype=np.int64)
        self._sequence = np.zeros(16, dtype=np.int64)
        self._offered = 0

    def __len__(self) -> int:
        return self._size

    @property
    def vectors(self) -> np.ndarray:
        """NxD float32 copy of the entries."""
        return self._vectors[: self._size].copy()

    @property
    def sequence(self) -> np.ndarray:
        """N int64 order in which each entry was offered (0-based over all offers)."""
        return self._sequence[: self._size].copy()

    def offer(self, vector: np.ndarray) -> bool:
        """Offer one L2-normalised D vector; returns whether it was added (it may evict another)."""
        return bool(self.offer_many(np.asarray(vector, np.float32).reshape(1, -1))[0])

    def offer_many(self, candidates: np.ndarray) -> np.ndarray:
        """Offer candidates in order; novelty is checked against the pool and the batch's earlier additions.

        Args:
            candidates: BxD float32, L2-normalised.

        Returns:
            B bool, True where the candidate was added.
        """
        candidates = np.asarray(candidates, np.float32).reshape(-1, self._vectors.shape[1])
        nearest_in_pool = (candidates @ self._vectors[: self._size].T).max(axis=1, initial=-1.0)
        added = np.zeros(len(candidates), dtype=bool)
        evicted_any = False
        for row, vector in enumerate(candidates):
            if evicted_any:  # entries left the pool since the batch product: recheck exactly
                nearest = float((self._vectors[: self._size] @ vector).max(initial=-1.0))
            else:
                in_batch = float((candidates[added] @ vector).max(initial=-1.0))
                nearest = max(float(nearest_in_pool[row]), in_batch)
            if nearest <= 1.0 - self.policy.novelty_distance:
                evicted_any |= self._append(vector)
                added[row] = True
            self._offered += 1
        return added

    def _grow(self) -> None:
        """Double the storage arrays."""
        extra = len(self._vectors)
        self._vectors = np.concatenate([self._vectors, np.zeros_like(self._vectors)])
        self._nn_sim = np.concatenate([self._nn_sim, np.full(extra, -np.inf, np.float32)])
        self._nn_index = np.concatenate([self._nn_index, np.full(extra, -1, np.int64)])
        self._sequence = np.concatenate([self._sequence, np.zeros(extra, np.int64)])

    def _append(self, vector: np.ndarray) -> bool:
        """Add an entry, update nearest-neighbour bookkeeping, evict while over capacity.

        Returns:
            Whether an entry was evicted.
        """
        if self._size == len(self._vectors):
            self._grow()
        n = self._size
        sims = self._vectors[:n] @ vector
        closer = sims > self._nn_sim[:n]
        self._nn_sim[:n][closer] = sims[closer]
        self._nn_index[:n][closer] = n
        self._vectors[n] = vector
        self._nn_index[n] = int(np.argmax(sims)) if n else -1
        self._nn_sim[n] = sims[self._nn_index[n]] if n else -np.inf
        self._sequence[n] = self._offered
        self._size += 1
        evicted = False
        while self._size > self.policy.capacity:
            self._evict(self.most_redundant())
            evicted = True
        return evicted

    def most_redundant(self) -> int:
        """Index of the entry whose nearest neighbour is closest; the oldest among ties."""
        nn_sim = self._nn_sim[: self._size]
        tied = np.flatnonzero(nn_sim == nn_sim.max())
        return int(tied[np.argmin(self._sequence[tied])])

    def _evict(self, index: int) -> None:
        """Remove entry ``index`` (the last entry moves into its slot) and refresh affected neighbours."""
        last = self._size - 1
        for array in (self._vectors, self._nn_sim, self._nn_index, self._sequence):
            array[index] = array[last]
        self._size = last
        nn_index = self._nn_index[: self._size]
        orphans = np.flatnonzero(nn_index == index)
        nn_index[nn_index == last] = index
        for row in orphans:
            self._refresh_neighbour(int(row))

    def _refresh_neighbour(self, row: int) -> None:
        """Recompute the nearest other entry of entry ``row``."""
        sims = self._vectors[: self._size] @ self._vectors[row]
        sims[row] = -np.inf
        best = int(np.argmax(sims)) if self._size > 1 else -1
        self._nn_index[row] = best
        self._nn_sim[row] = sims[best] if best >= 0 else -np.inf


def select_kept(vectors: np.ndarray, policy: PoolPolicy) -> np.ndarray:
    """Which entries of an existing pool the policy keeps when it is rebuilt in capture order.

    Every entry is offered in order (novelty is not re-applied: they were admitted already); whenever the
    pool is over capacity the most redundant entry is dropped.

    Args:
        vectors: NxD float32, L2-normalised, oldest first.
        policy: the pool policy (its capacity is used).

    Returns:
        Sorted int64 indices into ``vectors`` of the kept entries (at most ``policy.capacity``).
    """
    if len(vectors) == 0:
        return np.zeros(0, dtype=np.int64)
    rebuild = PoolPolicy(policy.budget_bytes, policy.bytes_per_entry, novelty_distance=-1.0)
    pool = EmbeddingPool(rebuild, dimensions=vectors.shape[1])
    for start in range(0, len(vectors), 1024):
        pool.offer_many(vectors[start : start + 1024])
    return np.sort(pool.sequence)
