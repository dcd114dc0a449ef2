"""Tests of the pool policy and the per-animal score aggregation."""

from __future__ import annotations

import numpy as np
import pytest

from models.reid.pool import EmbeddingPool, PoolPolicy, bytes_per_entry, vector_value_bytes
from models.reid.scores import aggregate_query_hits, top_k_mean, track_animal_scores


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


@pytest.mark.parametrize(("kind", "expected"), [("halfvec", 776), ("vector", 1544)])
def test_vector_value_bytes(kind, expected):
    assert vector_value_bytes(kind, 384) == expected


def test_halfvec_entry_is_cheaper_and_capacity_follows_budget():
    assert bytes_per_entry("halfvec") < bytes_per_entry("vector")
    policy = PoolPolicy(budget_bytes=94_000_000, bytes_per_entry=bytes_per_entry("halfvec"))
    assert policy.capacity == 94_000_000 // bytes_per_entry("halfvec")
    with pytest.raises(ValueError):
        vector_value_bytes("float8")


def test_near_duplicates_are_not_added():
    pool = EmbeddingPool(PoolPolicy(novelty_distance=0.05), dimensions=4)
    base = unit(np.array([[1.0, 0.0, 0.0, 0.0]]))[0]
    assert pool.offer(base)
    assert not pool.offer(unit(np.array([[1.0, 0.01, 0.0, 0.0]]))[0])
    assert pool.offer(unit(np.array([[0.0, 1.0, 0.0, 0.0]]))[0])
    assert len(pool) == 2


@pytest.mark.parametrize("batch", [1, 7, 64])
def test_pool_never_exceeds_capacity_and_batches_match_single_offers(batch):
    rng = np.random.default_rng(0)
    vectors = unit(rng.normal(size=(150, 8)))
    policy = PoolPolicy(budget_bytes=40 * 100, bytes_per_entry=100, novelty_distance=0.02)
    batched, single = EmbeddingPool(policy, dimensions=8), EmbeddingPool(policy, dimensions=8)
    for start in range(0, len(vectors), batch):
        batched.offer_many(vectors[start : start + batch])
    for vector in vectors:
        single.offer(vector)
    assert len(batched) == policy.capacity == 40
    np.testing.assert_array_equal(np.sort(batched.sequence), np.sort(single.sequence))


def test_eviction_drops_the_densest_views_and_keeps_the_outlier():
    rng = np.random.default_rng(1)
    cluster = unit(np.array([1.0, 0, 0, 0]) + 0.08 * rng.normal(size=(20, 4)))
    outlier = unit(np.array([[0.0, 0.0, 0.0, 1.0]]))
    pool = EmbeddingPool(PoolPolicy(budget_bytes=5, bytes_per_entry=1, novelty_distance=0.0), dimensions=4)
    pool.offer(outlier[0])
    pool.offer_many(cluster)
    assert len(pool) == 5
    assert np.any(np.all(np.isclose(pool.vectors, outlier[0]), axis=1))
    sims = pool.vectors @ pool.vectors.T
    np.fill_diagonal(sims, -1)
    assert sims.max() < 0.9999  # no duplicate left


def test_nearest_neighbour_bookkeeping_matches_brute_force_after_evictions():
    rng = np.random.default_rng(2)
    pool = EmbeddingPool(PoolPolicy(budget_bytes=30, bytes_per_entry=1, novelty_distance=0.0), dimensions=6)
    pool.offer_many(unit(rng.normal(size=(100, 6))))
    sims = pool.vectors @ pool.vectors.T
    np.fill_diagonal(sims, -np.inf)
    assert pool.most_redundant() in set(np.flatnonzero(np.isclose(sims.max(1), sims.max())))


def test_empty_offer_batch():
    pool = EmbeddingPool(dimensions=4)
    assert pool.offer_many(np.zeros((0, 4), np.float32)).shape == (0,)
    assert len(pool) == 0


@pytest.mark.parametrize(
    ("values", "k", "expected"), [([0.1, 0.9, 0.5], 2, 0.7), ([0.3], 3, 0.3), ([0.2, 0.4], 5, 0.3)]
)
def test_top_k_mean(values, k, expected):
    assert top_k_mean(np.array(values), top_k=k) == pytest.approx(expected)


def test_top_k_mean_of_nothing_is_nan():
    assert np.isnan(top_k_mean(np.array([]), top_k=3))


def test_aggregate_query_hits_per_animal():
    scores = aggregate_query_hits(np.array([0.9, 0.8, 0.7, 0.1]), np.array([1, 1, 2, 1]), [1, 2, 3], top_k=2)
    np.testing.assert_allclose(scores[:2], [0.85, 0.7], rtol=1e-6)
    assert np.isnan(scores[2])


def test_track_scores_pick_the_right_animal():
    rng = np.random.default_rng(3)
    centres = unit(rng.normal(size=(3, 16)))
    pool = unit(np.repeat(centres, 5, axis=0) + 0.1 * rng.normal(size=(15, 16)))
    track = unit(centres[[1, 1]] + 0.1 * rng.normal(size=(2, 16)))
    scores = track_animal_scores(track, pool, np.repeat([7, 8, 9], 5), [7, 8, 9, 10])
    assert int(np.nanargmax(scores)) == 1 and np.isnan(scores[3])
    assert np.all(np.isnan(track_animal_scores(track[:0], pool, np.repeat([7, 8, 9], 5), [7, 8])))


@pytest.mark.parametrize(("n", "capacity"), [(0, 3), (2, 3), (10, 3)])
def test_select_kept_respects_capacity_and_keeps_all_when_under(n, capacity):
    from models.reid.pool import select_kept

    vectors = unit(np.random.default_rng(4).normal(size=(max(n, 1), 5)))[:n]
    kept = select_kept(vectors, PoolPolicy(budget_bytes=capacity, bytes_per_entry=1))
    assert len(kept) == min(n, capacity)
    assert np.all(np.diff(kept) > 0)
