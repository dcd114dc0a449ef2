"""MOTChallenge text files (ground truth and tracker results), read and written as they are.

A row is ``frame,id,x,y,w,h,conf[,class,visibility[,unused]]``: MOT15 files have 10 columns
(``...,conf,-1,-1,-1``), MOT16+ ground truth has 9 (``...,consider,class,visibility``); 6-8 columns are
accepted too. Frames are 1-based in the file (``first_frame`` changes that); boxes are top-left ``x, y``
and ``w, h`` in pixels and are kept exactly as written (no 1-pixel shift: IoU does not depend on it).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np

from models.pipeline.types import Detections

MOT_MIN_COLUMNS = 6
MOT_MAX_COLUMNS = 10


def parse_mot_rows(text: str, *, source: str = "<text>") -> np.ndarray:
    """Parse MOTChallenge rows into an array.

    Args:
        text: file contents; fields separated by commas (or whitespace), blank lines ignored.
        source: name used in error messages.

    Returns:
        Nx10 float64: frame, id, x, y, w, h, conf, class, visibility, unused; missing trailing columns
        are -1. An empty text gives a 0x10 array.

    Raises:
        ValueError: a row with fewer than 6 or more than 10 fields, or a field that is not a number.
    """
    rows: list[list[float]] = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        fields = [f for f in line.replace(",", " ").split() if f]
        if not fields:
            continue
        if not MOT_MIN_COLUMNS <= len(fields) <= MOT_MAX_COLUMNS:
            raise ValueError(f"{source}:{line_no}: expected 6-10 fields, got {len(fields)}")
        try:
            values = [float(f) for f in fields]
        except ValueError as err:
            raise ValueError(f"{source}:{line_no}: {err}") from None
        rows.append(values + [-1.0] * (MOT_MAX_COLUMNS - len(values)))
    return np.asarray(rows, dtype=np.float64).reshape(-1, MOT_MAX_COLUMNS)


def rows_to_frames(
    rows: np.ndarray, *, first_frame: int = 1, min_confidence: float | None = None
) -> dict[int, Detections]:
    """Group parsed rows by frame.

    Args:
        rows: Nx10 float64 from `parse_mot_rows`.
        first_frame: the number the file gives its first frame (1 for MOTChallenge); frame keys of
            the result are 0-based (``frame - first_frame``).
        min_confidence: drop rows whose conf column is below this (e.g. 1 for MOT16 ground truth,
            where conf 0 marks boxes to ignore); None keeps every row.

    Returns:
        0-based frame index -> `Detections` with xyxy (pixels), score (conf, or 1.0 where conf < 0
        means "not given") and track_id set. Frames without rows are absent.
    """
    if min_confidence is not None:
        rows = rows[rows[:, 6] >= min_confidence]
    frames: dict[int, Detections] = {}
    rows = rows[np.argsort(rows[:, 0], kind="stable")]
    starts = np.flatnonzero(np.diff(rows[:, 0], prepend=np.nan) != 0)
    for sel in np.split(rows, starts[1:]) if len(rows) else []:
        frame = sel[0, 0]
        xyxy = np.concatenate([sel[:, 2:4], sel[:, 2:4] + sel[:, 4:6]], axis=1)
        score = np.where(sel[:, 6] < 0, 1.0, sel[:, 6])
        frames[int(frame) - first_frame] = Detections(xyxy=xyxy, score=score, track_id=sel[:, 1])
    return frames


def read_mot(
    path: str | Path, *, first_frame: int = 1, min_confidence: float | None = None
) -> dict[int, Detections]:
    """Read a MOTChallenge gt.txt or results file.

    Args:
        path: the text file.
        first_frame: see `rows_to_frames`.
        min_confidence: see `rows_to_frames`.

    Returns:
        0-based frame index -> `Detections` (xyxy float32 pixels, score, track_id).
    """
    path = Path(path)
    rows = parse_mot_rows(path.read_text(), source=str(path))
    return rows_to_frames(rows, first_frame=first_frame, min_confidence=min_confidence)


def format_mot(frames: Mapping[int, Detections], *, first_frame: int = 1) -> str:
    """Format frames as 10-column MOTChallenge rows (``frame,id,x,y,w,h,conf,-1,-1,-1``).

    Args:
        frames: 0-based frame index -> `Detections` with track_id set.
        first_frame: number written for frame index 0.

    Returns:
        The text, rows sorted by frame then id, one trailing newline (empty string for no rows).
    """
    lines: list[str] = []
    for index in sorted(frames):
        det = frames[index]
        if det.track_id is None:
            raise ValueError(f"frame {index}: detections have no track_id")
        for k in np.argsort(det.track_id, kind="stable"):
            x1, y1, x2, y2 = (float(v) for v in det.xyxy[k])
            lines.append(
                f"{index + first_frame},{int(det.track_id[k])},{x1:.2f},{y1:.2f},"
                f"{x2 - x1:.2f},{y2 - y1:.2f},{float(det.score[k]):.4f},-1,-1,-1"
            )
    return "".join(line + "\n" for line in lines)


def write_mot(path: str | Path, frames: Mapping[int, Detections], *, first_frame: int = 1) -> None:
    """Write frames to a MOTChallenge file (see `format_mot`)."""
    Path(path).write_text(format_mot(frames, first_frame=first_frame))
