"""ByteTrack-style association of per-frame detections into tracks.

Two-stage matching (ByteTrack, Zhang et al. 2022): confident detections are matched first against every
track (active and lost) with a cost mixing IoU and appearance cosine distance; the leftover active tracks
then take low-score detections by IoU alone, which keeps occluded or half-visible animals. Motion is a
constant-velocity model with exponentially smoothed velocity. A track that stops moving becomes *static*
and is kept far longer when lost (a lying pig that the detector misses for a while keeps its id); lost
tracks do not drift: extrapolation stops after a few frames.

State is bounded: at most ``max_tracks`` tracks, lost ones dropped after ``max_lost_age`` frames (or
``static_lost_age`` for static tracks). Ids come from a per-instance counter.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

from models.pipeline.types import Detections

_INF_COST = 1e6


@dataclass(frozen=True)
class AssociationConfig:
    """Thresholds of the association (scores in [0, 1], distances in pixels, ages in frames).

    Attributes:
        high_score: detections at or above this go to the first matching stage.
        low_score: detections below this are ignored; between low and high go to the second stage.
        new_track_score: an unmatched detection starts a track only at or above this score.
        min_iou: first-stage gate: a pair needs at least this IoU (unless re-identified by appearance).
        low_min_iou: second-stage IoU gate for low-score detections.
        appearance_weight: weight of cosine distance in the first-stage cost (0 = IoU only).
        reid_cosine: a lost track may match a detection without overlap when appearance cosine >= this.
        max_tracks: hard cap on live tracks; the oldest lost one is evicted to make room.
        max_lost_age: frames a moving track survives unmatched.
        static_lost_age: frames a static (lying) track survives unmatched.
        static_speed: a track slower than this (px per frame, smoothed) counts as static.
        max_extrapolation: frames a lost track's box keeps moving with its velocity before it freezes.
        velocity_smoothing: weight of the old velocity in the exponential average.
        embedding_momentum: weight of the old appearance vector in the exponential average.
    """

    high_score: float = 0.5
    low_score: float = 0.1
    new_track_score: float = 0.6
    min_iou: float = 0.1
    low_min_iou: float = 0.5
    appearance_weight: float = 0.3
    reid_cosine: float = 0.85
    max_tracks: int = 64
    max_lost_age: int = 60
    static_lost_age: int = 1500
    static_speed: float = 0.5
    max_extrapolation: int = 5
    velocity_smoothing: float = 0.7
    embedding_momentum: float = 0.9


@dataclass
class _Track:
    """One track's state: last box (xyxy px), velocity (px/frame for each box edge), appearance."""

    track_id: int
    box: np.ndarray
    velocity: np.ndarray = field(default_factory=lambda: np.zeros(4, np.float32))
    embedding: np.ndarray | None = None
    lost_age: int = 0
    hits: int = 1

    def predicted_box(self, max_extrapolation: int) -> np.ndarray:
        """Box expected this frame: last box moved by velocity for up to ``max_extrapolation`` frames."""
        steps = min(self.lost_age + 1, max_extrapolation)
        return self.box + self.velocity * steps

    def speed(self) -> float:
        """Smoothed centre speed in px per frame."""
        v = self.velocity
        return float(np.hypot((v[0] + v[2]) / 2, (v[1] + v[3]) / 2))


def iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise IoU.

    Args:
        a: Nx4 float boxes (x1, y1, x2, y2), pixels.
        b: Mx4 float boxes, same format.

    Returns:
        NxM float32 IoU in [0, 1].
    """
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)), np.float32)
    x1 = np.maximum(a[:, None, 0], b[None, :, 0])
    y1 = np.maximum(a[:, None, 1], b[None, :, 1])
    x2 = np.minimum(a[:, None, 2], b[None, :, 2])
    y2 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    return (inter / np.maximum(union, 1e-9)).astype(np.float32)


def _cosine_matrix(tracks: list[_Track], emb: np.ndarray | None) -> np.ndarray | None:
    """TxN cosine similarity between track and detection vectors; NaN where a track has none."""
    if emb is None or not tracks:
        return None
    out = np.full((len(tracks), len(emb)), np.nan, np.float32)
    for i, t in enumerate(tracks):
        if t.embedding is not None:
            out[i] = emb @ t.embedding
    return out


def _solve(cost: np.ndarray) -> list[tuple[int, int]]:
    """Minimum-cost one-to-one matching; pairs at or above the infinite cost are refused."""
    if cost.size == 0:
        return []
    rows, cols = linear_sum_assignment(cost)
    return [(int(r), int(c)) for r, c in zip(rows, cols, strict=True) if cost[r, c] < _INF_COST]


class ByteTrackAssociation:
    """Turns per-frame detections into tracked detections with stable ids.

    Example:
        >>> assoc = ByteTrackAssociation()
        >>> tracked = assoc.update(detections)   # tracked.track_id holds the ids
    """

    def __init__(self, config: AssociationConfig | None = None) -> None:
        self.config = config or AssociationConfig()
        self._tracks: list[_Track] = []
        self._next_id = 1

    @property
    def num_tracks(self) -> int:
        """Tracks held right now (active and lost)."""
        return len(self._tracks)

    def reset(self) -> None:
        """Forget every track and restart ids at 1."""
        self._tracks = []
        self._next_id = 1

    def update(self, detections: Detections) -> Detections:
        """Associate one frame's detections.

        Args:
            detections: N boxes (xyxy px) with scores, optional masks and L2-normalised embeddings.

        Returns:
            The detections that belong to a track (matched or newly started), in input order, with
            ``track_id`` filled. Low-score detections that match no track are dropped.
        """
        cfg = self.config
        keep = detections.score >= cfg.low_score
        dets = detections[np.flatnonzero(keep)]
        assigned = np.full(len(dets), -1, np.int64)
        high = np.flatnonzero(dets.score >= cfg.high_score)
        low = np.flatnonzero(dets.score < cfg.high_score)
        matched_tracks = self._first_stage(dets, high, assigned)
        self._second_stage(dets, low, assigned, matched_tracks)
        self._age_unmatched(matched_tracks)
        self._start_tracks(dets, high, assigned)
        out = dets[np.flatnonzero(assigned >= 0)]
        out.track_id = assigned[assigned >= 0]
        return out

    def _first_stage(self, dets: Detections, idx: np.ndarray, assigned: np.ndarray) -> set[int]:
        """Match high-score detections ``idx`` to all tracks (IoU + appearance); returns matched slots."""
        cfg = self.config
        if len(idx) == 0 or not self._tracks:
            return set()
        pred = np.stack([t.predicted_box(cfg.max_extrapolation) for t in self._tracks])
        iou = iou_matrix(pred, dets.xyxy[idx])
        emb = None if dets.embedding is None else dets.embedding[idx]
        cos = _cosine_matrix(self._tracks, emb)
        cost = 1.0 - iou
        gate = iou >= cfg.min_iou
        if cos is not None:
            has = ~np.isnan(cos)
            app = np.where(has, 1.0 - cos, 0.0)
            cost = np.where(has, (1 - cfg.appearance_weight) * cost + cfg.appearance_weight * app, cost)
            lost = np.array([t.lost_age > 0 for t in self._tracks])[:, None]
            gate |= has & lost & (np.nan_to_num(cos) >= cfg.reid_cosine)
        cost = np.where(gate, cost, _INF_COST)
        return self._apply(_solve(cost), dets, idx, assigned)

    def _second_stage(self, dets: Detections, idx: np.ndarray, assigned: np.ndarray, taken: set[int]) -> None:
        """Match low-score detections ``idx`` to unmatched, recently seen tracks by IoU only."""
        cfg = self.config
        recent = cfg.max_extrapolation
        slots = [s for s, t in enumerate(self._tracks) if s not in taken and t.lost_age <= recent]
        if len(idx) == 0 or not slots:
            return
        pred = np.stack([self._tracks[s].predicted_box(cfg.max_extrapolation) for s in slots])
        iou = iou_matrix(pred, dets.xyxy[idx])
        cost = np.where(iou >= cfg.low_min_iou, 1.0 - iou, _INF_COST)
        pairs = [(slots[r], c) for r, c in _solve(cost)]
        taken |= self._apply(pairs, dets, idx, assigned)

    def _apply(
        self, pairs: list[tuple[int, int]], dets: Detections, idx: np.ndarray, assigned: np.ndarray
    ) -> set[int]:
        """Update matched tracks from their detections; returns the matched track slots."""
        for slot, col in pairs:
            d = int(idx[col])
            emb = None if dets.embedding is None else dets.embedding[d]
            self._refresh(self._tracks[slot], dets.xyxy[d], emb)
            assigned[d] = self._tracks[slot].track_id
        return {slot for slot, _ in pairs}

    def _refresh(self, track: _Track, box: np.ndarray, emb: np.ndarray | None) -> None:
        """Move ``track`` to its new box, smoothing velocity over the frames it was lost."""
        cfg = self.config
        step = (box - track.box) / (track.lost_age + 1)
        track.velocity = cfg.velocity_smoothing * track.velocity + (1 - cfg.velocity_smoothing) * step
        track.box = box.astype(np.float32).copy()
        track.lost_age = 0
        track.hits += 1
        if emb is not None:
            mixed = emb if track.embedding is None else cfg.embedding_momentum * track.embedding + (
                1 - cfg.embedding_momentum
            ) * emb
            track.embedding = (mixed / max(float(np.linalg.norm(mixed)), 1e-9)).astype(np.float32)

    def _age_unmatched(self, matched: set[int]) -> None:
        """Age tracks that found no detection and drop the ones lost for too long."""
        cfg = self.config
        survivors = []
        for slot, t in enumerate(self._tracks):
            if slot not in matched:
                t.lost_age += 1
            limit = cfg.static_lost_age if t.speed() < cfg.static_speed and t.hits > 1 else cfg.max_lost_age
            if t.lost_age <= limit:
                survivors.append(t)
        self._tracks = survivors

    def _start_tracks(self, dets: Detections, idx: np.ndarray, assigned: np.ndarray) -> None:
        """Start a track for each confident detection still unassigned, within ``max_tracks``."""
        for d in idx:
            if assigned[d] >= 0 or dets.score[d] < self.config.new_track_score:
                continue
            if len(self._tracks) >= self.config.max_tracks and not self._evict_oldest_lost():
                return
            emb = None if dets.embedding is None else dets.embedding[d].copy()
            self._tracks.append(_Track(self._next_id, dets.xyxy[d].astype(np.float32).copy(), embedding=emb))
            assigned[d] = self._next_id
            self._next_id += 1

    def _evict_oldest_lost(self) -> bool:
        """Drop the lost track unseen for longest; False when every track is active."""
        lost = [s for s, t in enumerate(self._tracks) if t.lost_age > 0]
        if not lost:
            return False
        worst = max(lost, key=lambda s: self._tracks[s].lost_age)
        del self._tracks[worst]
        return True
