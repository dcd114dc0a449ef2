"""Loading what the ``pigwatch eval`` commands score: tracking files, behaviour labels, embeddings.

Frame indices are 0-based everywhere here (MOTChallenge files are 1-based on disk and shifted on read).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np

from models.eval.edinburgh import FillMode, edinburgh_behaviours, edinburgh_frames, read_edinburgh
from models.eval.mot_io import read_mot
from models.pipeline.types import Detections

BehaviourKey = tuple[int, int]
"""(0-based frame, track or pig id)."""


def resolve_tracking_file(path: str | Path) -> Path:
    """The file to read for a tracking input: the path itself, or inside a clip directory
    ``gt/gt.txt``, then ``gt.txt``, then ``output.json``.

    Raises:
        FileNotFoundError: nothing readable at ``path``.
    """
    path = Path(path)
    if path.is_file():
        return path
    for candidate in (path / "gt" / "gt.txt", path / "gt.txt", path / "output.json"):
        if path.is_dir() and candidate.is_file():
            return candidate
    raise FileNotFoundError(f"{path}: no such file, and not a clip directory with gt/gt.txt or output.json")


def load_tracking(
    path: str | Path, *, fill: FillMode = "hold", n_frames: int | None = None, first_frame: int = 1
) -> dict[int, Detections]:
    """Per-frame boxes with ids from a MOTChallenge file, an Edinburgh ``output.json`` or a clip directory.

    Args:
        path: file or clip directory (see `resolve_tracking_file`).
        fill: how Edinburgh keyframes are filled ("hold" or "interpolate").
        n_frames: clip length for Edinburgh files (None: last keyframe covers ``stepSize`` frames).
        first_frame: number of the first frame in MOT files (1 for MOTChallenge, 0 for some exports).

    Returns:
        0-based frame -> `Detections` (xyxy pixels, track_id).
    """
    file = resolve_tracking_file(path)
    if file.suffix.lower() == ".json":
        return edinburgh_frames(read_edinburgh(file), fill=fill, n_frames=n_frames)
    return read_mot(file, first_frame=first_frame)


def read_behaviour_csv(path: str | Path) -> dict[BehaviourKey, str]:
    """Read ``frame,id,label`` rows (0-based frames; a header row naming ``frame`` is skipped).

    Raises:
        ValueError: a row without three fields or with non-integer frame/id (message has the line).
    """
    path = Path(path)
    labels: dict[BehaviourKey, str] = {}
    with path.open(newline="") as f:
        for line_no, row in enumerate(csv.reader(f), start=1):
            if not row or (line_no == 1 and row[0].strip().lower() == "frame"):
                continue
            if len(row) < 3:
                raise ValueError(f"{path}:{line_no}: expected frame,id,label")
            try:
                labels[(int(row[0]), int(row[1]))] = row[2].strip()
            except ValueError:
                raise ValueError(f"{path}:{line_no}: frame and id must be integers, got {row[:2]}") from None
    return labels


def load_behaviour_labels(path: str | Path, *, n_frames: int | None = None) -> dict[BehaviourKey, str]:
    """Behaviour labels from an Edinburgh ``output.json`` (mapped to the nine classes, held between
    keyframes; see `models.eval.edinburgh`), a clip directory holding one, or a ``frame,id,label`` CSV."""
    path = Path(path)
    if path.is_dir():
        path = path / "output.json"
    if path.suffix.lower() == ".json":
        return edinburgh_behaviours(read_edinburgh(path), n_frames=n_frames)
    return read_behaviour_csv(path)


def paired_labels(
    truth: dict[BehaviourKey, str], pred: dict[BehaviourKey, str]
) -> tuple[list[str], list[str], int]:
    """Align truth and predictions on (frame, id).

    Returns:
        (true labels, predicted labels, truth entries without a prediction); keys only predicted are
        ignored (no truth to score them against).
    """
    keys = sorted(k for k in truth if k in pred)
    return [truth[k] for k in keys], [pred[k] for k in keys], len(truth) - len(keys)


def load_embeddings(path: str | Path) -> dict[str, Any]:
    """Read an ``.npz`` of embeddings for re-identification scoring.

    Expected arrays: ``vectors`` NxD float, ``pig`` N true identities, ``day`` N day labels; optional
    ``pred_identity`` N predicted identities (for false-merge rates).

    Raises:
        ValueError: a required array is missing or lengths differ.
    """
    with np.load(Path(path), allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    missing = [k for k in ("vectors", "pig", "day") if k not in arrays]
    if missing:
        raise ValueError(f"{path}: missing arrays {missing} (expected vectors, pig, day[, pred_identity])")
    n = len(arrays["vectors"])
    bad = [k for k in ("pig", "day", "pred_identity") if k in arrays and len(arrays[k]) != n]
    if bad or arrays["vectors"].ndim != 2:
        raise ValueError(f"{path}: vectors must be NxD and {bad or 'the others'} must have N={n} entries")
    return arrays
