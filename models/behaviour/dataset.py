"""Behaviour windows from the pen simulator: ground-truth boxes of visible pigs as track input.

Each clip is rendered in memory (`models.sim.render.generate`, small frames: boxes scale with the frame so
features do not change); every pig's visible frames form one track, its per-frame behaviour is the label.
Clips come from one scenario set's own days and pigs: `train` and `test` never share clips, pigs or days.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models.behaviour.features import track_features
from models.behaviour.mask_shape import MASK_SHAPE_NAMES, mask_shapes
from models.behaviour.model import DEFAULT_WINDOW, windows
from models.pipeline.types import BEHAVIOURS


@dataclass
class SimTrack:
    """One pig's visible frames in one clip.

    Attributes:
        group: "<scenario>/<day>/<pig id>" (for leakage-free splits and reports).
        frames: T int frame indices.
        xyxy: Tx4 float32 boxes, pixels.
        labels: T int class indices into `BEHAVIOURS`.
        mask_shape: Tx5 float32 silhouette shape per frame (`MASK_SHAPE_NAMES`, from the rendered visible
            mask), or None (clips cached before masks were used).
    """

    group: str
    frames: np.ndarray
    xyxy: np.ndarray
    labels: np.ndarray
    mask_shape: np.ndarray | None = None


@dataclass(frozen=True)
class ClipSpec:
    """Which clip to render: scenario set member, day, start (seconds after midnight), length."""

    set_name: str
    scenario_index: int
    day_offset: int
    start_s: float
    duration_s: float


@dataclass
class SimClip:
    """A rendered clip's tracks plus what the features need (frame size, fps, zones, clock)."""

    tracks: list[SimTrack]
    frame_size: tuple[int, int]
    fps: float
    clock_start_s: float
    zones: dict[str, np.ndarray]


def render_clip_tracks(spec: ClipSpec, *, width: int = 320, height: int = 180, fps: float = 6.0) -> SimClip:
    """Render one clip and cut it into per-pig tracks of visible frames."""
    from models.sim.pen import PenView
    from models.sim.render import generate
    from models.sim.scenario import Scenario, scenario_set

    scenario = Scenario.from_config(scenario_set(spec.set_name)[spec.scenario_index])
    day = scenario.days[spec.day_offset % len(scenario.days)]
    frames = list(generate(scenario, day=day, start_s=spec.start_s, duration_s=spec.duration_s,
                           width=width, height=height, fps=fps))  # fmt: skip
    view = PenView.fit(scenario.pen_size_m, width=width, height=height)
    zones = {name: np.asarray(view.normalised(poly)) for name, poly in scenario.zones_m.items()}
    shapes = [mask_shapes(f.masks, f.xyxy) for f in frames]  # per frame: N pigs x 5
    tracks = []
    for column, pig_id in enumerate(frames[0].ids if frames else []):
        seen = [k for k, f in enumerate(frames) if f.visible[column]]
        if len(seen) < 2:
            continue
        tracks.append(SimTrack(
            group=f"{scenario.config.name}/{day}/{int(pig_id)}",
            frames=np.array([frames[k].index for k in seen], np.int64),
            xyxy=np.stack([frames[k].xyxy[column] for k in seen]).astype(np.float32),
            labels=np.array([BEHAVIOURS.index(frames[k].behaviours[column]) for k in seen], np.int64),
            mask_shape=np.stack([shapes[k][column] for k in seen]).astype(np.float32),
        ))  # fmt: skip
    return SimClip(tracks, (width, height), fps, spec.start_s, zones)


def clip_features(clip: SimClip) -> list[np.ndarray]:
    """TxF features of every track of a clip (the clip's other tracks are its neighbours)."""
    out = []
    for index, track in enumerate(clip.tracks):
        others = [(t.frames, t.xyxy) for j, t in enumerate(clip.tracks) if j != index]
        out.append(track_features(track.frames, track.xyxy, fps=clip.fps, clock_start_s=clip.clock_start_s,
                                  frame_size=clip.frame_size, zones=clip.zones, others=others,
                                  mask_shape=track.mask_shape))  # fmt: skip
    return out


def clip_specs(
    set_name: str, *, clips_per_scenario: int, duration_s: float, seed: int, every: int = 1
) -> list[ClipSpec]:
    """Clips spread over each scenario's days and over the whole day (day and night).

    ``every`` > 1 keeps only every ``every``-th clip of each scenario (clip 0, every, 2 * every, ...; still
    spread over the day): a cheaper subset of exactly the same clips.
    """
    from models.sim.scenario import scenario_set

    rng = np.random.default_rng(seed)
    specs = []
    for index in range(len(scenario_set(set_name))):
        hours = (np.arange(clips_per_scenario) + rng.random(clips_per_scenario)) * 24.0 / clips_per_scenario
        for k, hour in enumerate(hours):
            start = float(min(hour * 3600.0, 86400.0 - duration_s - 1))
            spec = ClipSpec(set_name, index, int(rng.integers(0, 20)) + k, start, duration_s)
            if k % every == 0:
                specs.append(spec)
    return specs


def window_samples(
    specs: list[ClipSpec],
    *,
    window: int = DEFAULT_WINDOW,
    stride: int = 2,
    rare_stride: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Render the clips and cut every track into windows centred on every ``stride``-th frame.

    Args:
        specs: clips to render.
        window: frames per window.
        stride: frames between window centres.
        rare_stride: frames between centres labelled with a `RARE_CLASSES` class (None: ``stride``).
        progress: called with 1 after each rendered clip.

    Returns:
        (NxFxW float32 raw features, N int64 labels, N group names).
    """
    clips = iterate_clips(specs, progress)
    return clips_windows(clips, window=window, stride=stride, rare_stride=rare_stride)


RARE_CLASSES: tuple[str, ...] = ("drink", "sitting", "run", "playwithtoy", "nose-to-nose")
"""Classes with few frames in the simulator; `clips_windows` can sample them more densely."""


def window_centres(labels: np.ndarray, stride: int, rare_stride: int | None) -> np.ndarray:
    """K int row indices: every ``stride``-th row, plus every ``rare_stride``-th row of a rare class."""
    centres = np.arange(0, len(labels), stride)
    if rare_stride is None or rare_stride >= stride:
        return centres
    rare = np.isin(labels, [BEHAVIOURS.index(name) for name in RARE_CLASSES])
    dense = np.flatnonzero(rare & (np.arange(len(labels)) % rare_stride == 0))
    return np.union1d(centres, dense)


def clips_windows(
    clips: Iterable[SimClip], *, window: int = DEFAULT_WINDOW, stride: int = 2, rare_stride: int | None = None
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Cut every track of already rendered clips into windows (see `window_samples`)."""
    xs, ys, groups = [], [], []
    for clip in clips:
        for track, features in zip(clip.tracks, clip_features(clip), strict=True):
            centres = window_centres(track.labels, stride, rare_stride)
            xs.append(windows(features, centres, window))
            ys.append(track.labels[centres])
            groups.extend([track.group] * len(centres))
    if not xs:
        return np.zeros((0, 0, window), np.float32), np.zeros(0, np.int64), []
    return np.concatenate(xs), np.concatenate(ys), groups


def save_clips(path: Path, clips: Sequence[SimClip]) -> None:
    """Store rendered clips' tracks (no images) in one ``.npz`` so features can be recomputed without
    rendering again (plain arrays; clip and track fields flattened with offsets)."""
    tracks = [(c, t) for c, clip in enumerate(clips) for t in clip.tracks]
    lengths = np.array([len(t.frames) for _, t in tracks], np.int64)
    zone_names = sorted({name for clip in clips for name in clip.zones})
    zones = np.full((len(clips), len(zone_names), 4, 2), np.nan, np.float64)
    for c, clip in enumerate(clips):
        for z, name in enumerate(zone_names):
            if name in clip.zones:
                zones[c, z] = np.asarray(clip.zones[name], np.float64).reshape(4, 2)
    np.savez_compressed(
        path,
        clip_of_track=np.array([c for c, _ in tracks], np.int64),
        lengths=lengths,
        groups=np.array([t.group for _, t in tracks]),
        frames=np.concatenate([t.frames for _, t in tracks]) if tracks else np.zeros(0, np.int64),
        xyxy=np.concatenate([t.xyxy for _, t in tracks]) if tracks else np.zeros((0, 4), np.float32),
        labels=np.concatenate([t.labels for _, t in tracks]) if tracks else np.zeros(0, np.int64),
        mask_shape=_stacked_shapes([t for _, t in tracks]),
        frame_sizes=np.array([c.frame_size for c in clips], np.int64).reshape(-1, 2),
        fps=np.array([c.fps for c in clips], np.float64),
        clock_start_s=np.array([c.clock_start_s for c in clips], np.float64),
        zone_names=np.array(zone_names),
        zones=zones,
    )


def _stacked_shapes(tracks: Sequence[SimTrack]) -> np.ndarray:
    """Sum(T)x5 float32 mask shapes of the tracks in order (NaN rows for tracks without them)."""
    width = len(MASK_SHAPE_NAMES)
    parts = [t.mask_shape if t.mask_shape is not None else np.full((len(t.frames), width), np.nan, np.float32)
             for t in tracks]  # fmt: skip
    return np.concatenate(parts).astype(np.float32) if parts else np.zeros((0, width), np.float32)


def load_clips(path: Path) -> list[SimClip]:
    """Clips written by `save_clips` (each stored array is read once; tracks get their own copies).

    Raises:
        ValueError: the file is not a clip cache (e.g. an old window cache).
    """
    with np.load(path) as stored:
        if "lengths" not in stored.files:
            raise ValueError(f"{path} is not a clip cache written by save_clips")
        data = {name: stored[name] for name in stored.files}
    zone_names = data["zone_names"].tolist()
    clips = []
    for c in range(len(data["fps"])):
        zones = {name: data["zones"][c, z].copy() for z, name in enumerate(zone_names)
                 if not np.isnan(data["zones"][c, z]).any()}  # fmt: skip
        size = (int(data["frame_sizes"][c, 0]), int(data["frame_sizes"][c, 1]))
        clips.append(SimClip([], size, float(data["fps"][c]), float(data["clock_start_s"][c]), zones))
    ends = np.cumsum(data["lengths"])
    starts = ends - data["lengths"]
    for k, (clip_index, group) in enumerate(zip(data["clip_of_track"], data["groups"], strict=True)):
        rows = slice(int(starts[k]), int(ends[k]))
        shape = data["mask_shape"][rows].copy() if "mask_shape" in data else None
        clips[int(clip_index)].tracks.append(SimTrack(str(group), data["frames"][rows].copy(),
                                                      data["xyxy"][rows].copy(), data["labels"][rows].copy(),
                                                      shape))  # fmt: skip
    return clips


def iterate_clips(specs: list[ClipSpec], progress: Callable[[int], None] | None) -> Iterator[SimClip]:
    """Render clips one by one, calling ``progress(1)`` after each."""
    for spec in specs:
        yield render_clip_tracks(spec)
        if progress is not None:
            progress(1)
