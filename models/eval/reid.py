"""Re-identification metrics: rank-1 accuracy, mAP, and false-merge rates.

Retrieval is by cosine similarity between L2-normalised embeddings. The across-days protocol takes each
day in turn as the query set and every other day as the gallery, so a pig is only ever matched against
views of itself from other days.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence

import numpy as np


def _normalise(vectors: np.ndarray) -> np.ndarray:
    v = np.asarray(vectors, dtype=np.float64)
    return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)


def average_precision(relevant_in_rank_order: np.ndarray) -> float:
    """AP of one ranked list: mean of precision@k over the ranks k of the relevant items.

    Args:
        relevant_in_rank_order: G bool, gallery items sorted by decreasing similarity, True where the
            item has the query's identity.

    Returns:
        AP in [0, 1]; NaN when nothing is relevant.
    """
    hits = np.flatnonzero(relevant_in_rank_order)
    if len(hits) == 0:
        return float("nan")
    return float(np.mean(np.arange(1, len(hits) + 1) / (hits + 1)))


def retrieval_metrics(
    query_vectors: np.ndarray, query_ids: Sequence[Hashable], gallery_vectors: np.ndarray,
    gallery_ids: Sequence[Hashable],
) -> dict[str, float]:  # fmt: skip
    """Rank-1 accuracy and mAP of queries against a gallery.

    Args:
        query_vectors: QxD float embeddings (normalised here).
        query_ids: Q true identities.
        gallery_vectors: GxD float embeddings.
        gallery_ids: G true identities.

    Returns:
        "rank1" (fraction of queries whose most similar gallery item has their identity), "map" (mean
        AP), "queries" (queries evaluated: those whose identity is in the gallery; the others are skipped
        because no answer could be right), "skipped". Rates are NaN when no query is evaluated.
    """
    q_ids, g_ids = np.asarray(query_ids, dtype=object), np.asarray(gallery_ids, dtype=object)
    in_gallery = set(g_ids.tolist())
    keep = np.asarray([q in in_gallery for q in q_ids.tolist()], dtype=bool)
    if not keep.any():
        return {"rank1": float("nan"), "map": float("nan"), "queries": 0.0, "skipped": float(len(q_ids))}
    sims = _normalise(np.asarray(query_vectors)[keep]) @ _normalise(gallery_vectors).T
    order = np.argsort(-sims, axis=1, kind="stable")
    relevant = g_ids[order] == q_ids[keep][:, None]
    aps = [average_precision(row) for row in relevant]
    return {
        "rank1": float(relevant[:, 0].mean()),
        "map": float(np.mean(aps)),
        "queries": float(keep.sum()),
        "skipped": float((~keep).sum()),
    }


def cross_day_retrieval(
    vectors: np.ndarray, pig_ids: Sequence[Hashable], days: Sequence[Hashable]
) -> dict[str, float]:
    """Rank-1 and mAP with each day's embeddings queried against all other days'.

    Args:
        vectors: NxD float embeddings (one per track or per sampled crop).
        pig_ids: N true pig identities.
        days: N day labels.

    Returns:
        "rank1" and "map" averaged over all evaluated queries of all days, "queries", "skipped", "days".
    """
    vectors = np.asarray(vectors, dtype=np.float64)
    ids, day_arr = np.asarray(pig_ids, dtype=object), np.asarray(days, dtype=object)
    rank1_sum = ap_sum = queries = skipped = 0.0
    unique_days = list(dict.fromkeys(day_arr.tolist()))
    for day in unique_days:
        q = day_arr == day
        r = retrieval_metrics(vectors[q], ids[q].tolist(), vectors[~q], ids[~q].tolist())
        skipped += r["skipped"]
        if r["queries"]:
            rank1_sum += r["rank1"] * r["queries"]
            ap_sum += r["map"] * r["queries"]
            queries += r["queries"]
    nan = float("nan")
    return {
        "rank1": rank1_sum / queries if queries else nan,
        "map": ap_sum / queries if queries else nan,
        "queries": queries,
        "skipped": skipped,
        "days": float(len(unique_days)),
    }


def false_merge_rates(
    predicted_identity: Sequence[Hashable], true_pig: Sequence[Hashable]
) -> dict[str, float]:
    """How often re-identification gave two different pigs one identity.

    Args:
        predicted_identity: T predicted identity of each track.
        true_pig: T true pig of each track.

    Returns:
        "identity_false_merge_rate": (predicted identities whose tracks belong to two or more true pigs)
        / (predicted identities); "pairwise_false_merge_rate": (pairs of tracks sharing a predicted
        identity but not a true pig) / (pairs of tracks sharing a predicted identity), i.e. 1 - pairwise
        precision; "identities", "merged_identities", "same_identity_pairs". Rates are NaN when their
        denominator is 0.
    """
    if len(predicted_identity) != len(true_pig):
        raise ValueError(f"{len(predicted_identity)} predicted identities for {len(true_pig)} tracks")
    members: dict[Hashable, list[Hashable]] = defaultdict(list)
    for pred, true in zip(predicted_identity, true_pig, strict=True):
        members[pred].append(true)
    merged = sum(len(set(pigs)) >= 2 for pigs in members.values())
    pairs = wrong = 0
    for pigs in members.values():
        same_pig_pairs = sum(c * (c - 1) // 2 for c in Counter(pigs).values())
        pairs += len(pigs) * (len(pigs) - 1) // 2
        wrong += len(pigs) * (len(pigs) - 1) // 2 - same_pig_pairs
    nan = float("nan")
    return {
        "identity_false_merge_rate": merged / len(members) if members else nan,
        "pairwise_false_merge_rate": wrong / pairs if pairs else nan,
        "identities": float(len(members)),
        "merged_identities": float(merged),
        "same_identity_pairs": float(pairs),
    }
