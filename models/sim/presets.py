"""Ready-made scenarios for demonstrations (new presets only; existing simulator behaviour is unchanged).

`demo_scenario` is the pen `pigwatch demo` films: a few days of one pen, one pig falling sick on a late day
(eats and drinks less, lies more, from its onset day on) and, optionally, one lame pig. `sampling_plan` lists
the short clips the demo samples per day, at different clock hours.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.sim.scenario import HealthEventSpec, Scenario, ScenarioConfig

ACTIVE_PERIODS_H: tuple[tuple[float, float], ...] = ((6.5, 9.5), (15.0, 18.0))
"""Clock periods (UTC hours, start-end) the demo samples: around the simulator's two feeding peaks (08:00 and
16:30, `models.sim.activities.activity_level`), when healthy pigs are up and a sick one lying stands out.
At night every pig rests, so clips there carry no information about sickness."""


@dataclass(frozen=True)
class SampledClip:
    """One clip of a sampling plan.

    Attributes:
        day: scenario calendar day (``scenario.days``).
        start_s: seconds after midnight (UTC) of that day.
        duration_s: clip length, seconds.
    """

    day: int
    start_s: float
    duration_s: float


def demo_scenario(
    *,
    n_days: int = 7,
    n_pigs: int = 8,
    sick_pig: int = 2,
    sick_onset_day: int | None = None,
    lame_pig: int | None = 5,
    lame_onset_day: int = 1,
    width: int = 640,
    height: int = 360,
    fps: float = 6.0,
    seed: int = 7,
) -> Scenario:
    """The demo pen: ``n_pigs`` pigs over days ``0..n_days-1``, one sick from a late day, one lame.

    Args:
        n_days: days filmed (>= 2).
        n_pigs: pigs in the pen, 5-20.
        sick_pig: 0-based index of the pig that falls sick (severity 0.9, no recovery).
        sick_onset_day: its first sick day; default ``n_days - 2`` (the last two days are sick days).
        lame_pig: 0-based index of a pig lame from ``lame_onset_day`` (severity 0.7), or None.
        width, height: frame size in pixels (even); fps: frames per second.
        seed: behaviour/render seed (also the appearance seed).

    Returns:
        The `Scenario` (deterministic for the same arguments).

    Raises:
        ValueError: fewer than 2 days, or pig indices outside the pen, or the lame pig is the sick one.
    """
    if n_days < 2:
        raise ValueError(f"the demo needs at least 2 days, got {n_days}")
    onset = n_days - 2 if sick_onset_day is None else sick_onset_day
    events = [HealthEventSpec(pig_index=sick_pig, condition="sick", onset_day=onset, severity=0.9)]
    if lame_pig is not None:
        if lame_pig == sick_pig:
            raise ValueError("the lame pig and the sick pig must differ")
        events.append(
            HealthEventSpec(pig_index=lame_pig, condition="lame", onset_day=lame_onset_day, severity=0.7)
        )
    config = ScenarioConfig(
        name="demo", seed=seed, appearance_seed=seed, n_pigs=n_pigs, n_days=n_days, width=width,
        height=height, fps=fps, lookalike_fraction=0.0, health_events=tuple(events),
    )  # fmt: skip
    return Scenario.from_config(config)


def sample_hours(clips_per_day: int) -> list[float]:
    """Clock hours of ``clips_per_day`` clips: the centres of equal slots of the `ACTIVE_PERIODS_H` (taken
    together), in time order."""
    total = sum(end - start for start, end in ACTIVE_PERIODS_H)
    hours = []
    for i in range(clips_per_day):
        offset = total * (i + 0.5) / clips_per_day
        for start, end in ACTIVE_PERIODS_H:
            if offset < end - start:
                hours.append(start + offset)
                break
            offset -= end - start
    return hours


def sampling_plan(scenario: Scenario, *, clips_per_day: int, clip_seconds: float) -> list[SampledClip]:
    """``clips_per_day`` clips of ``clip_seconds`` on every scenario day, spread over the active periods
    (`sample_hours`).

    Short clips at many hours beat a few long ones: a pig's bouts last minutes, so each clip is about one
    sample of what it is doing, and a day's estimate improves with the number of clips, not their length.

    Returns:
        Clips in time order (day, then hour).

    Raises:
        ValueError: clips_per_day < 1 or > 360, or clip_seconds <= 0 or longer than a slot.
    """
    if not 1 <= clips_per_day <= 360:
        raise ValueError(f"clips_per_day must be 1-360, got {clips_per_day}")
    slot_s = 3600.0 * sum(end - start for start, end in ACTIVE_PERIODS_H) / clips_per_day
    if not 0 < clip_seconds <= slot_s:
        raise ValueError(f"clip_seconds must be in (0, {slot_s:g}] for {clips_per_day} clips a day")
    hours = sample_hours(clips_per_day)
    return [SampledClip(day, hour * 3600.0, clip_seconds) for day in scenario.days for hour in hours]
