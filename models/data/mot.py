"""MOTChallenge-style track files, and turning ground-truth boxes into noisy detections.

Used to test association on real motion: ground-truth boxes are perturbed (jitter, drops, random scores)
and fed to the association as if a detector had produced them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models.pipeline.types import Detections


@dataclass(frozen=True)
class MotFrame:
    """Ground truth of one frame.

    Attributes:
        frame: frame number as written in the file.
        ids: N int64 object ids.
        xyxy: Nx4 float32 boxes (x1, y1, x2, y2), pixels.
    """

    frame: int
    ids: np.ndarray
    xyxy: np.ndarray


def read_mot(path: Path, *, max_frames: int | None = None) -> list[MotFrame]:
    """Read a MOTChallenge CSV (``frame,id,x,y,w,h,...``; x, y = top-left corner in pixels).

    Args:
        path: the text file.
        max_frames: keep only the first this many distinct frames.

    Returns:
        One `MotFrame` per distinct frame number, ascending. Frames with no rows are not listed.
    """
    if not path.read_text().strip():
        return []
    rows = np.loadtxt(path, delimiter=",", ndmin=2, usecols=range(6))
    rows = rows[np.argsort(rows[:, 0], kind="stable")]
    frames, starts = np.unique(rows[:, 0].astype(np.int64), return_index=True)
    bounds = [*starts[1:], len(rows)]
    out = []
    for f, a, b in zip(frames, starts, bounds, strict=True):
        chunk = rows[a:b]
        xyxy = chunk[:, 2:6].astype(np.float32).copy()
        xyxy[:, 2:] += xyxy[:, :2]
        out.append(MotFrame(int(f), chunk[:, 1].astype(np.int64), xyxy))
        if max_frames is not None and len(out) >= max_frames:
            break
    return out


def perturb(
    gt: MotFrame, rng: np.random.Generator, *, jitter: float = 0.03, drop: float = 0.1,
    score_range: tuple[float, float] = (0.3, 1.0),
) -> Detections:
    """Fake detections from ground truth.

    Args:
        gt: the frame's boxes.
        rng: random generator (seed it for reproducible runs).
        jitter: std of Gaussian noise on each box edge, as a fraction of the box width/height.
        drop: probability that a box is missed.
        score_range: scores are uniform in this range (low ones exercise the second matching stage).

    Returns:
        Detections without ids (xyxy px, scores).
    """
    n = len(gt.ids)
    keep = rng.random(n) >= drop
    wh = gt.xyxy[:, 2:] - gt.xyxy[:, :2]
    noise = rng.normal(0.0, jitter, (n, 4)) * np.concatenate([wh, wh], axis=1)
    scores = rng.uniform(*score_range, n)
    return Detections(xyxy=(gt.xyxy + noise)[keep], score=scores[keep])


def replay(
    frames: list[MotFrame], update: Callable[[Detections], Detections], *, seed: int = 0, **perturb_kw: float
) -> Iterator[tuple[MotFrame, Detections]]:
    """Feed perturbed ground truth through ``update`` (e.g. an association's) frame by frame.

    Yields:
        (ground truth, tracked detections) per frame.
    """
    rng = np.random.default_rng(seed)
    for gt in frames:
        yield gt, update(perturb(gt, rng, **perturb_kw))  # type: ignore[arg-type]


def identity_metrics(pairs: Iterator[tuple[MotFrame, Detections]], *, iou_threshold: float = 0.5) -> dict:
    """MOTA, IDF1 and id switches (motmetrics) of tracked output against ground truth.

    Args:
        pairs: (ground truth, tracked detections with track_id) per frame.
        iou_threshold: a hypothesis matches a ground-truth box at IoU >= this.

    Returns:
        {"mota", "idf1", "id_switches", "frames"}; mota and idf1 as fractions in [.., 1].
    """
    import motmetrics as mm

    from models.tracking.association import iou_matrix

    acc = mm.MOTAccumulator(auto_id=True)
    n = 0
    for gt, hyp in pairs:
        iou = iou_matrix(gt.xyxy, hyp.xyxy)
        ids = hyp.track_id if hyp.track_id is not None else np.zeros(0, np.int64)
        acc.update(gt.ids, ids, np.where(iou >= iou_threshold, 1.0 - iou, np.nan))
        n += 1
    summary = mm.metrics.create().compute(acc, metrics=["mota", "idf1", "num_switches"], name="x")
    row = summary.iloc[0]
    return {"mota": float(row["mota"]), "idf1": float(row["idf1"]), "id_switches": int(row["num_switches"]),
            "frames": n}
