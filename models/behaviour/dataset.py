"""Behaviour windows from the pen simulator: ground-truth boxes of visible pigs as track input.

Each clip is rendered in memory (`models.sim.render.generate`, small frames: boxes scale with the frame so
features do not change); every pig's visible frames form one track, its per-frame behaviour is the label.
Clips come from one scenario set's own days and pigs: `train` and `test` never share clips, pigs or days.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from models.behaviour.features import track_features
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
    """

    group: str
    frames: np.ndarray
    xyxy: np.ndarray
    labels: np.ndarray


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
    tracks = []
    for column, pig_id in enumerate(frames[0].ids if frames else []):
        seen = [f for f in frames if f.visible[column]]
        if len(seen) < 2:
            continue
        tracks.append(SimTrack(
            group=f"{scenario.config.name}/{day}/{int(pig_id)}",
            frames=np.array([f.index for f in seen], np.int64),
            xyxy=np.stack([f.xyxy[column] for f in seen]).astype(np.float32),
            labels=np.array([BEHAVIOURS.index(f.behaviours[column]) for f in seen], np.int64),
        ))  # fmt: skip
    return SimClip(tracks, (width, height), fps, spec.start_s, zones)


def clip_features(clip: SimClip) -> list[np.ndarray]:
    """TxF features of every track of a clip (the clip's other tracks are its neighbours)."""
    out = []
    for index, track in enumerate(clip.tracks):
        others = [(t.frames, t.xyxy) for j, t in enumerate(clip.tracks) if j != index]
        out.append(track_features(track.frames, track.xyxy, fps=clip.fps, clock_start_s=clip.clock_start_s,
                                  frame_size=clip.frame_size, zones=clip.zones, others=others))  # fmt: skip
    return out


def clip_specs(set_name: str, *, clips_per_scenario: int, duration_s: float, seed: int) -> list[ClipSpec]:
    """Clips spread over each scenario's days and over the whole day (day and night)."""
    from models.sim.scenario import scenario_set

    rng = np.random.default_rng(seed)
    specs = []
    for index in range(len(scenario_set(set_name))):
        hours = (np.arange(clips_per_scenario) + rng.random(clips_per_scenario)) * 24.0 / clips_per_scenario
        for k, hour in enumerate(hours):
            start = float(min(hour * 3600.0, 86400.0 - duration_s - 1))
            specs.append(ClipSpec(set_name, index, int(rng.integers(0, 20)) + k, start, duration_s))
    return specs


def window_samples(
    specs: list[ClipSpec],
    *,
    window: int = DEFAULT_WINDOW,
    stride: int = 2,
    progress: Callable[[int], None] | None = None,
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Render the clips and cut every track into windows centred on every ``stride``-th frame.

    Returns:
        (NxFxW float32 raw features, N int64 labels, N group names).
    """
    xs, ys, groups = [], [], []
    for clip in iterate_clips(specs, progress):
        for track, features in zip(clip.tracks, clip_features(clip), strict=True):
            centres = np.arange(0, len(features), stride)
            xs.append(windows(features, centres, window))
            ys.append(track.labels[centres])
            groups.extend([track.group] * len(centres))
    if not xs:
        return np.zeros((0, 0, window), np.float32), np.zeros(0, np.int64), []
    return np.concatenate(xs), np.concatenate(ys), groups


def iterate_clips(specs: list[ClipSpec], progress: Callable[[int], None] | None) -> Iterator[SimClip]:
    """Render clips one by one, calling ``progress(1)`` after each."""
    for spec in specs:
        yield render_clip_tracks(spec)
        if progress is not None:
            progress(1)
