"""How close the simulator's motion is to real pigs: the same statistics on both, and distances between them.

Distances (all on scale-free quantities, see `models.sim.calibration`):
    speed_w1          Wasserstein-1 distance between 1-second speed distributions, body lengths per second.
    moving_speed_ks   Kolmogorov-Smirnov statistic between speeds of moving pig-seconds (>= 0.05 BL/s).
    still_fraction    absolute difference of the share of still pig-seconds.
    nn_distance_ks    KS statistic between nearest-neighbour centre distances (BL).
    still_bout_ks     KS statistic between still-bout durations (s).
"""

from __future__ import annotations

import numpy as np
from scipy.stats import ks_2samp, wasserstein_distance

from models.sim.calibration import STILL_BL_PER_S, TrackStats, stats_from_tracks
from models.sim.render import pen_simulation
from models.sim.scenario import Scenario, ScenarioConfig

DEFAULT_HOURS: tuple[float, ...] = (7.0, 10.0, 13.0, 16.0, 19.0)
"""Clock hours at which simulated stretches start (the real file's time of day is unknown)."""


def simulated_track_stats(
    *,
    seeds: tuple[int, ...] = (11,),
    n_pigs: int = 9,
    hours: tuple[float, ...] = DEFAULT_HOURS,
    minutes: float = 10.0,
    fps: float = 5.0,
) -> TrackStats:
    """Motion statistics of simulated pens (positions only, no rendering).

    Args:
        seeds: one pen per seed (9 pigs each by default, like the real file).
        n_pigs: pigs per pen.
        hours: start hours of the simulated stretches.
        minutes: length of each stretch.
        fps: simulation rate.
    """
    parts = []
    for seed in seeds:
        sc = Scenario.from_config(ScenarioConfig(n_pigs=n_pigs, seed=seed, appearance_seed=seed))
        length = float(np.mean([sc.body_length_m(i, 0) for i in range(n_pigs)]))
        for hour in hours:
            sim = pen_simulation(sc, day=0, start_s=hour * 3600.0, fps=fps)
            pos = np.array([sim.step().positions for _ in range(int(minutes * 60 * fps))])
            frames = np.arange(len(pos), dtype=np.float64)
            tracks = {
                i: np.column_stack([frames, pos[:, i], np.full(len(pos), length)]) for i in range(n_pigs)
            }
            parts.append(stats_from_tracks(tracks, fps=fps, body_length_px=length))
    return TrackStats(
        *(
            np.concatenate([getattr(p, f) for p in parts])
            for f in ("speeds_bl_s", "still_bouts_s", "nn_distances_bl")
        )
    )


def _ks(a: np.ndarray, b: np.ndarray) -> float:
    return float(ks_2samp(a, b).statistic) if len(a) and len(b) else 1.0


def compare_stats(real: TrackStats, sim: TrackStats) -> dict[str, float]:
    """Distances between real and simulated statistics (see module docstring); 1.0 where a side is empty."""
    moving_real = real.speeds_bl_s[real.speeds_bl_s >= STILL_BL_PER_S]
    moving_sim = sim.speeds_bl_s[sim.speeds_bl_s >= STILL_BL_PER_S]
    both = len(real.speeds_bl_s) and len(sim.speeds_bl_s)
    return {
        "speed_w1": float(wasserstein_distance(real.speeds_bl_s, sim.speeds_bl_s)) if both else 1.0,
        "moving_speed_ks": _ks(moving_real, moving_sim),
        "still_fraction": float(
            abs(np.mean(real.speeds_bl_s < STILL_BL_PER_S) - np.mean(sim.speeds_bl_s < STILL_BL_PER_S))
        )
        if both
        else 1.0,
        "nn_distance_ks": _ks(real.nn_distances_bl, sim.nn_distances_bl),
        "still_bout_ks": _ks(real.still_bouts_s, sim.still_bouts_s),
    }


BOUNDS: dict[str, float] = {
    "speed_w1": 0.015,
    "moving_speed_ks": 0.2,
    "still_fraction": 0.05,
    "nn_distance_ks": 0.3,
    "still_bout_ks": 0.2,
}
"""Upper bounds the simulator must stay under (checked by tests/models/sim/test_validate.py)."""
