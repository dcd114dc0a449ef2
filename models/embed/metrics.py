"""Re-identification metrics across days: rank-1 and mAP, computed within each pen.

Each crop is a query against the gallery of every crop of the same pen taken on *other* days, so a model is
rewarded only for recognising an animal on a day it was not seen on. The retrieval itself is the evaluation
engineer's `models.eval.reid.cross_day_retrieval`, run per pen.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class ReidScores:
    """Across-day retrieval scores.

    Attributes:
        rank1: fraction of queries whose nearest other-day gallery crop is the same animal, in [0, 1].
        mean_ap: mean average precision over queries, in [0, 1].
        queries: number of queries that had at least one true match in their gallery.
    """

    rank1: float
    mean_ap: float
    queries: int

    def as_dict(self) -> dict[str, float]:
        """The scores as a JSON-ready dict."""
        return {k: float(v) for k, v in asdict(self).items()}


def reid_across_days(vectors: np.ndarray, ids: np.ndarray, days: np.ndarray, pens: np.ndarray) -> ReidScores:
    """Rank-1 and mAP of cross-day retrieval within each pen (`models.eval.reid.cross_day_retrieval` per pen).

    Args:
        vectors: NxD float32 embeddings (L2-normalised before cosine similarity).
        ids: N int animal identities (unique within a pen).
        days: N int day index of each crop.
        pens: N int pen (scenario) of each crop; queries only search their own pen.

    Returns:
        `ReidScores`, query-weighted over pens; all zeros when no query has a true match on another day.
    """
    from models.eval.reid import cross_day_retrieval

    rank1_sum = ap_sum = queries = 0.0
    for pen in np.unique(pens):
        keep = np.asarray(pens) == pen
        scores = cross_day_retrieval(
            np.asarray(vectors)[keep], np.asarray(ids)[keep].tolist(), np.asarray(days)[keep].tolist()
        )
        if scores["queries"]:
            rank1_sum += scores["rank1"] * scores["queries"]
            ap_sum += scores["map"] * scores["queries"]
            queries += scores["queries"]
    if not queries:
        return ReidScores(rank1=0.0, mean_ap=0.0, queries=0)
    return ReidScores(rank1=rank1_sum / queries, mean_ap=ap_sum / queries, queries=int(queries))
