"""Per-animal similarity of a track, from the nearest entries of each animal's embedding pool.

The same aggregation runs in numpy here (tests, evaluation) and over pgvector results in `app/identity`:
for every query embedding of the track, the mean of the ``top_k`` highest cosine similarities among an
animal's pool entries; then the mean over the track's query embeddings.
"""

from __future__ import annotations

import warnings

import numpy as np

DEFAULT_TOP_K = 3
"""Pool entries per animal averaged for one query embedding (tuned on sim ``val`` with ``pigwatch eval
reid-days`` for the retrained default embedder: after the one-to-one assignment more val tracks get the
right animal with 3 than with 1; see docs/reid.md)."""


def top_k_mean(similarities: np.ndarray, *, top_k: int) -> float:
    """Mean of the ``top_k`` largest values (all of them when fewer).

    Args:
        similarities: 1-D float array of cosine similarities.
        top_k: how many of the largest to average, >= 1.

    Returns:
        The mean, or NaN for an empty array.
    """
    if similarities.size == 0:
        return float("nan")
    k = min(top_k, similarities.size)
    best = np.partition(similarities, similarities.size - k)[similarities.size - k :]
    return float(best.mean())


def aggregate_query_hits(
    similarities: np.ndarray, hit_animals: np.ndarray, animal_ids: list[int], *, top_k: int = DEFAULT_TOP_K
) -> np.ndarray:
    """Per-animal score of one query embedding from its nearest pool hits.

    Args:
        similarities: H float cosine similarities of the hits (1 - cosine distance).
        hit_animals: H int animal id of each hit.
        animal_ids: the A candidate animals, in output order.
        top_k: hits per animal averaged.

    Returns:
        A float32 scores; NaN for an animal with no hit among the H.
    """
    scores = np.full(len(animal_ids), np.nan, dtype=np.float32)
    for column, animal in enumerate(animal_ids):
        scores[column] = top_k_mean(similarities[hit_animals == animal], top_k=top_k)
    return scores


def track_animal_scores(
    track_vectors: np.ndarray,
    pool_vectors: np.ndarray,
    pool_animals: np.ndarray,
    animal_ids: list[int],
    *,
    top_k: int = DEFAULT_TOP_K,
) -> np.ndarray:
    """Exact (brute-force) per-animal similarity of one track.

    Args:
        track_vectors: MxD float, L2-normalised embeddings of the track.
        pool_vectors: PxD float, L2-normalised pool entries of the pen.
        pool_animals: P int animal id of each pool entry.
        animal_ids: the A animals to score, in output order.
        top_k: pool entries per animal averaged per query.

    Returns:
        A float32 scores in [-1, 1]; NaN where the animal has no pool entry or the track no vector.
    """
    if len(track_vectors) == 0:
        return np.full(len(animal_ids), np.nan, dtype=np.float32)
    sims = np.asarray(track_vectors, np.float32) @ np.asarray(pool_vectors, np.float32).T
    per_query = np.stack([aggregate_query_hits(row, pool_animals, animal_ids, top_k=top_k) for row in sims])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN column: animal without pool entries
        return np.nanmean(per_query, axis=0).astype(np.float32)
