"""The Edinburgh Pig Behaviour dataset's ``output.json`` (Bergamini et al., VISAPP 2021), read as it is.

``{videoFileName, stepSize, objects: [{id, frames: [{frameNumber, bbox: {x, y, width, height}, visible,
behaviour}]}]}``: boxes are top-left ``x, y`` and ``width, height`` in pixels; ``frameNumber`` is 0-based.
Files written by the VATIC.js annotation tool store ``stepSize`` in seconds per extracted frame (1/6 at
6 fps), string ids, extra keys (``config``, ``isGroundTruth``) and occasionally a repeated frameNumber;
the simulator writes ``stepSize`` as whole frames. Both are read (see `EdinburghClip.step_size`).
Between keyframes a box is either held or linearly interpolated (``fill``), and behaviour labels are held.

Behaviour mapping (16 raw labels -> the nine classes of `models.pipeline.types.BEHAVIOURS`): the nine
classes the research uses map to themselves; the other seven map to None (excluded from behaviour
metrics, the pig still counts for tracking). None of them means one of the nine: ``walk`` and ``chase``
are locomotion at walking or social pace, not ``run``; ``investigating``, ``nose-poke-elsewhere`` and
``fight`` are activities that a standing, lying or sitting pig can all do; ``jumpontopof`` is brief and
ambiguous; ``other`` has no meaning. Folding them into a neighbouring class would change what that
class means, and excluding them is what the research's 9-class numbers did.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from models.pipeline.types import BEHAVIOURS, Detections

RAW_BEHAVIOURS: tuple[str, ...] = (
    "investigating", "walk", "standing", "eat", "fight", "lying", "sleep", "nose-to-nose", "drink",
    "sitting", "run", "playwithtoy", "nose-poke-elsewhere", "jumpontopof", "other", "chase",
)  # fmt: skip
"""The 16 behaviour labels of the Edinburgh dataset."""

BEHAVIOUR_MAP: dict[str, str | None] = {raw: (raw if raw in BEHAVIOURS else None) for raw in RAW_BEHAVIOURS}
"""Raw label -> one of `BEHAVIOURS`, or None for the seven excluded labels (see the module docstring)."""

FillMode = Literal["hold", "interpolate"]


@dataclass(frozen=True)
class Keyframe:
    """One labelled frame of one pig.

    Attributes:
        frame: 0-based frame number.
        xywh: (x, y, width, height) float pixels, top-left corner.
        visible: whether the pig is visible (a box of an invisible pig is not used).
        behaviour: raw label as written (one of `RAW_BEHAVIOURS` in the real data), or None.
    """

    frame: int
    xywh: tuple[float, float, float, float]
    visible: bool
    behaviour: str | None


@dataclass(frozen=True)
class EdinburghClip:
    """A parsed ``output.json``.

    Attributes:
        video_file_name: ``videoFileName``.
        step_size: frames between keyframes (>= 1), used to hold or interpolate: ``stepSize`` when it
            is a whole number >= 1 (frames, as the simulator writes it); otherwise (VATIC.js-style
            files store ``stepSize`` in seconds per extracted frame, e.g. 1/6) the most common gap
            between consecutive keyframes of a pig, or 1 when no pig has two keyframes.
        tracks: pig id -> its keyframes sorted by frame, one per frame (the first entry of a repeated
            ``frameNumber`` is kept).
        raw_step_size: ``stepSize`` as written.
        duplicates: entries dropped because their pig already had a keyframe at that frame.
        id_names: pig id -> ``id`` as written (ids that are not integers are numbered 1..N in order).
    """

    video_file_name: str
    step_size: int
    tracks: dict[int, list[Keyframe]]
    raw_step_size: float = 1.0
    duplicates: int = 0
    id_names: dict[int, str] = field(default_factory=dict)


def map_behaviour(raw: str | None) -> str | None:
    """Map a raw Edinburgh label to one of `BEHAVIOURS` (None for excluded or missing labels).

    Raises:
        ValueError: the label is none of the 16 raw labels.
    """
    if raw is None:
        return None
    key = raw.strip().lower()
    if key not in BEHAVIOUR_MAP:
        raise ValueError(f"unknown Edinburgh behaviour {raw!r}; expected one of {RAW_BEHAVIOURS}")
    return BEHAVIOUR_MAP[key]


def _as_bool(value: Any) -> bool:
    """JSON booleans, 0/1, or the strings "true"/"false" (any case)."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def _parse_keyframe(entry: dict[str, Any]) -> Keyframe:
    box = entry["bbox"]
    xywh = (float(box["x"]), float(box["y"]), float(box["width"]), float(box["height"]))
    behaviour = entry.get("behaviour")
    return Keyframe(
        frame=int(entry["frameNumber"]),
        xywh=xywh,
        visible=_as_bool(entry.get("visible", True)),
        behaviour=None if behaviour in (None, "") else str(behaviour),
    )


def _unique_keyframes(entries: list[dict[str, Any]]) -> tuple[list[Keyframe], int]:
    """Keyframes sorted by frame, the first of each frame kept; and how many repeats were dropped."""
    by_frame: dict[int, Keyframe] = {}
    for entry in entries:
        key = _parse_keyframe(entry)
        by_frame.setdefault(key.frame, key)
    return [by_frame[f] for f in sorted(by_frame)], len(entries) - len(by_frame)


def _pig_ids(raw_ids: list[Any]) -> list[int]:
    """Integer pig ids: the ids themselves when all are integers (or integer strings), else 1..N."""
    try:
        return [int(str(i)) for i in raw_ids]
    except ValueError:
        return list(range(1, len(raw_ids) + 1))


def _keyframe_spacing(raw_step: float, tracks: dict[int, list[Keyframe]]) -> int:
    """Frames between keyframes (see `EdinburghClip.step_size`)."""
    if raw_step >= 1 and float(raw_step).is_integer():
        return int(raw_step)
    gaps = np.concatenate([np.diff([k.frame for k in keys]) for keys in tracks.values()] or [np.zeros(0)])
    gaps = gaps[gaps > 0].astype(np.int64)
    return int(np.bincount(gaps).argmax()) if len(gaps) else 1


def parse_edinburgh(data: dict[str, Any], *, source: str = "<json>") -> EdinburghClip:
    """Build an `EdinburghClip` from the decoded JSON object (extra keys such as ``config`` or
    ``isGroundTruth`` are ignored).

    Raises:
        ValueError: a required key is missing or has the wrong type (message names ``source``).
    """
    try:
        raw_step = float(data.get("stepSize", 1))
        objects = list(data["objects"])
        ids = _pig_ids([obj["id"] for obj in objects])
        parsed = [_unique_keyframes(list(obj["frames"])) for obj in objects]
    except (KeyError, TypeError, ValueError) as err:
        raise ValueError(f"{source}: not an Edinburgh output.json ({type(err).__name__}: {err})") from None
    if raw_step <= 0 or len(set(ids)) != len(ids):
        raise ValueError(
            f"{source}: stepSize must be > 0 and object ids unique (stepSize {raw_step}, ids {ids})"
        )
    tracks = {pig: keys for pig, (keys, _) in zip(ids, parsed, strict=True)}
    return EdinburghClip(
        video_file_name=str(data.get("videoFileName", "")),
        step_size=_keyframe_spacing(raw_step, tracks),
        tracks=tracks,
        raw_step_size=raw_step,
        duplicates=sum(n for _, n in parsed),
        id_names={pig: str(obj["id"]) for pig, obj in zip(ids, objects, strict=True)},
    )


def read_edinburgh(path: str | Path) -> EdinburghClip:
    """Read an ``output.json`` file (see the module docstring for the format)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}: invalid JSON ({err})") from None
    return parse_edinburgh(data, source=str(path))


def _filled_boxes(
    keys: list[Keyframe], step: int, fill: FillMode, n_frames: int | None
) -> Iterator[tuple[int, np.ndarray, Keyframe]]:
    """Yield (frame, xywh float64 (4,), covering keyframe) for every frame a pig's keyframes cover.

    A keyframe covers frames ``[k, min(next keyframe, k + step))``; boxes of visible pigs only.
    """
    for i, key in enumerate(keys):
        nxt = keys[i + 1] if i + 1 < len(keys) else None
        end = key.frame + step if nxt is None else min(nxt.frame, key.frame + step)
        if n_frames is not None:
            end = min(end, n_frames)
        if not key.visible:
            continue
        start_box = np.asarray(key.xywh, dtype=np.float64)
        lerp = fill == "interpolate" and nxt is not None and nxt.visible and nxt.frame <= key.frame + step
        for frame in range(key.frame, end):
            if lerp and nxt is not None:
                t = (frame - key.frame) / (nxt.frame - key.frame)
                yield frame, (1 - t) * start_box + t * np.asarray(nxt.xywh, dtype=np.float64), key
            else:
                yield frame, start_box, key


def edinburgh_frames(
    clip: EdinburghClip, *, fill: FillMode = "hold", n_frames: int | None = None
) -> dict[int, Detections]:
    """Expand keyframes to per-frame boxes.

    Args:
        clip: a parsed clip.
        fill: "hold" keeps a keyframe's box until the next keyframe; "interpolate" moves it linearly
            towards the next keyframe (only between two visible keyframes at most ``step_size`` apart).
        n_frames: clip length in frames; frames at or beyond it are dropped (None: no limit; the last
            keyframe then covers ``step_size`` frames).

    Returns:
        0-based frame -> `Detections` (xyxy float32 pixels, score 1.0, track_id = pig id).
    """
    rows: dict[int, list[tuple[int, np.ndarray]]] = {}
    for pig_id, keys in clip.tracks.items():
        for frame, xywh, _ in _filled_boxes(keys, clip.step_size, fill, n_frames):
            rows.setdefault(frame, []).append((pig_id, xywh))
    frames: dict[int, Detections] = {}
    for frame in sorted(rows):
        ids = np.asarray([pig for pig, _ in rows[frame]], dtype=np.int64)
        xywh = np.stack([box for _, box in rows[frame]])
        xyxy = np.concatenate([xywh[:, :2], xywh[:, :2] + xywh[:, 2:]], axis=1)
        frames[frame] = Detections(xyxy=xyxy, score=np.ones(len(ids)), track_id=ids)
    return frames


def edinburgh_behaviours(
    clip: EdinburghClip, *, n_frames: int | None = None, keyframes_only: bool = False
) -> dict[tuple[int, int], str]:
    """Per-frame mapped behaviour of every visible pig, labels held between keyframes.

    Args:
        clip: a parsed clip.
        n_frames: clip length in frames (see `edinburgh_frames`).
        keyframes_only: return labels on keyframes only (no holding).

    Returns:
        (0-based frame, pig id) -> one of `BEHAVIOURS`; frames whose label is excluded (see
        `BEHAVIOUR_MAP`) or missing are absent.
    """
    labels: dict[tuple[int, int], str] = {}
    for pig_id, keys in clip.tracks.items():
        for frame, _, key in _filled_boxes(keys, clip.step_size, "hold", n_frames):
            mapped = map_behaviour(key.behaviour)
            if mapped is not None and (not keyframes_only or frame == key.frame):
                labels[(frame, pig_id)] = mapped
    return labels
