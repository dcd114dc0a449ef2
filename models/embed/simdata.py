"""Crop sets from the simulator's scenario sets (``train``, ``val``, ``test``: disjoint pigs, days, seeds).

For each scenario of a set, a few days spread over its span are rendered as short clips at several times of
day; every visible pig of every sampled frame becomes a crop (`models.embed.dataset.crops_from_frames`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from models.embed.crops import CropSpec
from models.embed.dataset import CropSet, crops_from_frames


@dataclass(frozen=True)
class SimSampling:
    """Which frames of a scenario set to render.

    Attributes:
        days_per_scenario: days sampled per scenario, spread evenly over its span.
        clip_starts_s: start of each clip, seconds after the start of the day.
        clip_seconds: clip length in seconds.
        clip_fps: frames per second sampled within a clip.
        width, height: rendered frame size in pixels.
        max_scenarios: use only the first N scenarios of the set (0 = all).
    """

    days_per_scenario: int = 5
    clip_starts_s: tuple[float, ...] = (8 * 3600.0, 15 * 3600.0)
    clip_seconds: float = 6.0
    clip_fps: float = 0.5
    width: int = 1280
    height: int = 720
    max_scenarios: int = 0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return asdict(self)


def sampled_days(n_days: int, count: int) -> list[int]:
    """``count`` day offsets (0-based) spread evenly over ``n_days``, first and last included."""
    if count <= 0 or n_days <= 0:
        return []
    return sorted({int(round(x)) for x in np.linspace(0, n_days - 1, min(count, n_days))})


def scenario_frames(scenario: Any, sampling: SimSampling) -> Iterator[Any]:
    """Render the sampled clips of one scenario; yields the simulator's ``SimFrame`` objects."""
    from models.sim.render import generate

    first_day = int(scenario.config.first_day)
    for offset in sampled_days(int(scenario.config.n_days), sampling.days_per_scenario):
        for start in sampling.clip_starts_s:
            yield from generate(
                scenario,
                day=first_day + offset,
                start_s=start,
                duration_s=sampling.clip_seconds,
                width=sampling.width,
                height=sampling.height,
                fps=sampling.clip_fps,
            )


def build_crop_set(
    split: str,
    sampling: SimSampling,
    spec: CropSpec,
    *,
    on_scenario: Callable[[int, int], None] | None = None,
) -> CropSet:
    """Crops of every pig in the sampled frames of scenario set ``split``.

    Args:
        split: ``"train"``, ``"val"`` or ``"test"``.
        sampling: what to render.
        spec: crop size and fill.
        on_scenario: called with (done, total) after each scenario, for progress bars.

    Returns:
        A `CropSet`; ``pens`` is the scenario's index within the set.
    """
    from models.sim.scenario import Scenario, scenario_set

    configs = scenario_set(split)
    if sampling.max_scenarios:
        configs = configs[: sampling.max_scenarios]
    parts = []
    for pen, config in enumerate(configs):
        scenario = Scenario.from_config(config)
        parts.append(crops_from_frames(scenario_frames(scenario, sampling), pen=pen, spec=spec))
        if on_scenario is not None:
            on_scenario(pen + 1, len(configs))
    return CropSet.concat(parts, size=spec.size)
