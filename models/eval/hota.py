"""HOTA (Higher Order Tracking Accuracy), from Luiten et al., IJCV 2021, as TrackEval computes it.

For each localisation threshold alpha in 0.05, 0.10, ..., 0.95:
- per frame, ground-truth and predicted boxes are matched one-to-one (Hungarian) maximising
  ``global_alignment(gt_id, pred_id) * similarity``, and a matched pair counts only if its similarity
  is >= alpha. The global alignment of an id pair is ``Σ_t s_t / (n_gt + n_pred - Σ_t s_t)`` where
  ``s_t = sim / (row sum + column sum - sim)`` of that frame's similarity matrix;
- DetA = TP / (TP + FN + FP);
- AssA = (1/TP) Σ over TPs c of A(c), A(c) = TPA / (TPA + FNA + FPA) of the (gt id, pred id) pair of c,
  i.e. ``matches / (gt id's detections + pred id's detections - matches)``;
- HOTA_alpha = sqrt(DetA * AssA); LocA = mean similarity of TPs.
Reported HOTA, DetA, AssA and LocA are means over the 19 alphas.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

ALPHAS = np.arange(1, 20) * 0.05
_EPS = np.finfo(float).eps


@dataclass(frozen=True)
class FramePairs:
    """One frame's ids and similarity matrix.

    Attributes:
        gt_ids: G int64 ground-truth ids.
        pred_ids: P int64 predicted ids.
        similarity: GxP float64 in [0, 1] (box or mask IoU).
    """

    gt_ids: np.ndarray
    pred_ids: np.ndarray
    similarity: np.ndarray


def _alignment_scores(frames: Sequence[FramePairs], gt_index: dict, pred_index: dict) -> np.ndarray:
    """Global alignment score per (gt id, pred id), GidsxPids float64."""
    potential = np.zeros((len(gt_index), len(pred_index)))
    gt_count = np.zeros(len(gt_index))
    pred_count = np.zeros(len(pred_index))
    for fr in frames:
        g = np.asarray([gt_index[i] for i in fr.gt_ids], dtype=np.int64)
        p = np.asarray([pred_index[i] for i in fr.pred_ids], dtype=np.int64)
        sim = fr.similarity
        if len(g) and len(p):
            denom = sim.sum(0)[None, :] + sim.sum(1)[:, None] - sim
            potential[g[:, None], p[None, :]] += np.where(denom > _EPS, sim / np.maximum(denom, _EPS), 0.0)
        gt_count[g] += 1
        pred_count[p] += 1
    return potential / np.maximum(gt_count[:, None] + pred_count[None, :] - potential, _EPS)


def _index(ids: list[np.ndarray]) -> dict[int, int]:
    values = np.unique(np.concatenate(ids)) if ids else np.zeros(0, np.int64)
    return {int(v): k for k, v in enumerate(values)}


@dataclass
class _Counts:
    """Per-alpha accumulators: TP/FN/FP (A,), summed TP similarity (A,), matches (A x Gids x Pids)."""

    tp: np.ndarray
    fn: np.ndarray
    fp: np.ndarray
    loc: np.ndarray
    matches: np.ndarray

    @classmethod
    def zeros(cls, n_gt: int, n_pred: int) -> _Counts:
        n = len(ALPHAS)
        return cls(np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n), np.zeros((n, n_gt, n_pred)))

    def add_frame(self, g: np.ndarray, p: np.ndarray, sim: np.ndarray, align: np.ndarray) -> None:
        """Match one frame (G gt, P pred id indices, GxP similarity) and count at every alpha."""
        rows, cols = linear_sum_assignment(-(align[g[:, None], p[None, :]] * sim))
        sims = sim[rows, cols]
        for a, alpha in enumerate(ALPHAS):
            ok = sims >= alpha - _EPS
            self.tp[a] += ok.sum()
            self.fn[a] += len(g) - ok.sum()
            self.fp[a] += len(p) - ok.sum()
            self.loc[a] += sims[ok].sum()
            self.matches[a, g[rows[ok]], p[cols[ok]]] += 1


def hota(frames: Sequence[FramePairs]) -> dict[str, float]:
    """HOTA, DetA, AssA and LocA (fractions in [0, 1]; NaN when there is nothing on either side).

    Args:
        frames: one `FramePairs` per evaluated frame.

    Returns:
        {"hota", "deta", "assa", "loca"} averaged over `ALPHAS`, plus "hota_alpha05" (alpha = 0.5).
    """
    gt_index = _index([f.gt_ids for f in frames])
    pred_index = _index([f.pred_ids for f in frames])
    if not gt_index and not pred_index:
        return {key: float("nan") for key in ("hota", "deta", "assa", "loca", "hota_alpha05")}
    align = _alignment_scores(frames, gt_index, pred_index)
    counts = _Counts.zeros(len(gt_index), len(pred_index))
    gt_count, pred_count = np.zeros(len(gt_index)), np.zeros(len(pred_index))
    for fr in frames:
        g = np.asarray([gt_index[i] for i in fr.gt_ids], dtype=np.int64)
        p = np.asarray([pred_index[i] for i in fr.pred_ids], dtype=np.int64)
        gt_count[g] += 1
        pred_count[p] += 1
        counts.add_frame(g, p, fr.similarity, align)
    return _summarise(counts, gt_count, pred_count)


def _summarise(c: _Counts, gt_count: np.ndarray, pred_count: np.ndarray) -> dict[str, float]:
    """Per-alpha DetA, AssA, LocA and HOTA from the counts, averaged over alphas."""
    union = gt_count[None, :, None] + pred_count[None, None, :] - c.matches
    assa = (c.matches * c.matches / np.maximum(union, 1)).sum(axis=(1, 2)) / np.maximum(c.tp, 1)
    deta = c.tp / np.maximum(c.tp + c.fn + c.fp, 1)
    loca = np.where(c.tp > 0, c.loc / np.maximum(c.tp, 1), 1.0)
    per_alpha = np.sqrt(deta * assa)
    return {
        "hota": float(per_alpha.mean()),
        "deta": float(deta.mean()),
        "assa": float(assa.mean()),
        "loca": float(loca.mean()),
        "hota_alpha05": float(per_alpha[9]),
    }
