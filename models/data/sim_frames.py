"""Training frames from the procedural pen simulator (boxes, masks and identities), cached in memory.

Frames come in *pairs* from the same clip a few seconds apart, so that the appearance head can learn that
the same pig looks the same while different pigs look different.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from models.data.targets import Sample


def render_clips(
    split: str, *, clips: int, frames_per_clip: int, width: int, height: int, fps: float = 0.5,
    seed: int = 0, on_frame: Callable[[], None] | None = None,
) -> list[list[Sample]]:
    """Render ``clips`` short clips of the simulator's ``split`` scenarios ("train", "val", "test").

    Args:
        split: scenario set name.
        clips: number of clips; scenarios are cycled, each clip starts at a random hour of a random day.
        frames_per_clip: frames per clip, ``1 / fps`` seconds apart.
        width, height: frame size in pixels.
        fps: frames per second of the rendered clip.
        seed: chooses days and start times.
        on_frame: called after each rendered frame (progress bars).

    Returns:
        One list of `Sample` (image, boxes, masks, ids of visible pigs) per clip.
    """
    from models.sim.render import generate
    from models.sim.scenario import Scenario, scenario_set

    configs = scenario_set(split)
    rng = np.random.default_rng(seed)
    out = []
    for c in range(clips):
        scenario = Scenario.from_config(configs[c % len(configs)])
        day = scenario.config.first_day + int(rng.integers(0, max(scenario.config.n_days, 1)))
        start = float(rng.uniform(6, 18) * 3600)
        frames = generate(scenario, day=day, start_s=start, duration_s=frames_per_clip / fps, width=width,
                          height=height, fps=fps)
        clip = []
        for frame in frames:
            clip.append(_to_sample(frame))
            if on_frame is not None:
                on_frame()
        out.append(clip[:frames_per_clip])
    return out


def _to_sample(frame: object) -> Sample:
    """SimFrame (image, ids, xyxy, masks, visible) -> `Sample` of its visible pigs."""
    visible = np.asarray(frame.visible).astype(bool)  # type: ignore[attr-defined]
    return Sample(
        image=np.asarray(frame.image, np.uint8),  # type: ignore[attr-defined]
        xyxy=np.asarray(frame.xyxy, np.float32)[visible],  # type: ignore[attr-defined]
        masks=np.asarray(frame.masks).astype(bool)[visible],  # type: ignore[attr-defined]
        ids=np.asarray(frame.ids, np.int64)[visible],  # type: ignore[attr-defined]
    )


def sample_pair(
    clips: list[list[Sample]], rng: np.random.Generator, *, max_gap: int = 4
) -> tuple[Sample, Sample]:
    """Two frames of one random clip, at most ``max_gap`` frames apart."""
    clip = clips[int(rng.integers(len(clips)))]
    i = int(rng.integers(len(clip)))
    j = int(np.clip(i + rng.integers(-max_gap, max_gap + 1), 0, len(clip) - 1))
    return clip[i], clip[j]
