"""Per-frame class probabilities -> smoothed behaviour bouts; box centres + pen polygons -> zone visits."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy.ndimage import uniform_filter1d

from models.behaviour.features import in_polygon
from models.pipeline.types import BEHAVIOURS, BehaviourLabel, ZoneVisitSpan


def smooth(probabilities: np.ndarray, frames: int) -> np.ndarray:
    """Moving average of Tx9 probabilities over ``frames`` (odd, >= 1) along time."""
    if frames <= 1 or len(probabilities) == 0:
        return probabilities
    return uniform_filter1d(probabilities, size=frames, axis=0, mode="nearest")


def runs(values: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) index ranges of equal consecutive values."""
    if len(values) == 0:
        return []
    cuts = np.flatnonzero(np.diff(values) != 0) + 1
    edges = [0, *cuts.tolist(), len(values)]
    return list(zip(edges[:-1], edges[1:], strict=True))


def absorb_short_runs(labels: np.ndarray, min_frames: int) -> np.ndarray:
    """Relabel runs shorter than ``min_frames`` with the label of the longer neighbouring run."""
    labels = labels.copy()
    for _ in range(3):
        spans = runs(labels)
        for index, (start, end) in enumerate(spans):
            if end - start >= min_frames or len(spans) == 1:
                continue
            before = spans[index - 1] if index > 0 else None
            after = spans[index + 1] if index + 1 < len(spans) else None
            pick = max((s for s in (before, after) if s), key=lambda s: s[1] - s[0])
            labels[start:end] = labels[pick[0]]
    return labels


def bouts_from_probabilities(
    track_id: int,
    times_s: np.ndarray,
    probabilities: np.ndarray,
    *,
    smooth_frames: int = 7,
    min_frames: int = 6,
) -> list[BehaviourLabel]:
    """Behaviour bouts of one track.

    Args:
        track_id: the tracker id.
        times_s: T float seconds of the frames (ascending).
        probabilities: Tx9 float class probabilities.
        smooth_frames: moving-average length before the argmax.
        min_frames: shorter bouts are absorbed by their longer neighbour.

    Returns:
        Bouts in time order; each ends where the next starts (the last one frame step after its last frame).
    """
    if len(times_s) == 0:
        return []
    smoothed = smooth(np.asarray(probabilities, np.float32), smooth_frames)
    labels = absorb_short_runs(smoothed.argmax(1), min_frames)
    step = float(np.median(np.diff(times_s))) if len(times_s) > 1 else 0.0
    bouts = []
    for start, end in runs(labels):
        stop = float(times_s[end]) if end < len(times_s) else float(times_s[-1]) + step
        probability = float(smoothed[start:end, labels[start]].mean())
        bouts.append(
            BehaviourLabel(track_id, float(times_s[start]), stop, BEHAVIOURS[labels[start]], probability)
        )
    return bouts


def zone_visits(
    track_id: int,
    times_s: np.ndarray,
    centres: np.ndarray,
    zones: Mapping[str, np.ndarray],
    *,
    min_dwell_s: float = 2.0,
    max_gap_s: float = 1.0,
) -> list[ZoneVisitSpan]:
    """Stays of one track in each zone.

    Args:
        track_id: the tracker id.
        times_s: T float seconds (ascending).
        centres: Tx2 float points (x, y) in the zones' coordinates (e.g. normalised by the frame size).
        zones: zone name -> Kx2 polygon.
        min_dwell_s: shorter stays are dropped.
        max_gap_s: an absence shorter than this does not end a stay.

    Returns:
        Visits ordered by zone name then start time.
    """
    visits = []
    for name in sorted(zones):
        inside = in_polygon(np.asarray(centres).reshape(-1, 2), zones[name])
        for start, end in merged_runs(times_s, inside, max_gap_s):
            if end - start >= min_dwell_s:
                visits.append(ZoneVisitSpan(track_id, name, start, end))
    return visits


def merged_runs(times_s: np.ndarray, inside: np.ndarray, max_gap_s: float) -> list[tuple[float, float]]:
    """[start, end) seconds of True runs, joining runs separated by less than ``max_gap_s``."""
    step = float(np.median(np.diff(times_s))) if len(times_s) > 1 else 0.0
    spans: list[tuple[float, float]] = []
    for start, end in runs(inside.astype(np.int8)):
        if not inside[start]:
            continue
        begin, stop = float(times_s[start]), float(times_s[end - 1]) + step
        if spans and begin - spans[-1][1] < max_gap_s:
            spans[-1] = (spans[-1][0], stop)
        else:
            spans.append((begin, stop))
    return spans
