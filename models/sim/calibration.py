"""Motion statistics of real pigs, and the simulator's parameters fitted to them.

Source: ``pig-tracks/pen-9pigs-45000frames.txt`` in the shared data (9 pigs, 45,000 frames, ~2560x1440 px,
MOTChallenge-like ``frame,id,x,y,w,h,...`` with 0-based frames). The file does not give its frame rate; we
ASSUME 25 fps (so 30 minutes of video), the usual rate of pen surveillance cameras.

All statistics are scale-free: distances in body lengths (BL), where one BL of a track is the 90th
percentile of max(w, h) of its boxes (a pig aligned with an image axis), and times in seconds.
`fit_calibration` recomputes `CALIBRATION` (run ``pigwatch sim calibrate``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

ASSUMED_FPS = 25.0
"""Frame rate assumed for the real track file (not stated by its source)."""

STILL_BL_PER_S = 0.05
"""Speeds below this many body lengths per second count as "still" (resting or standing)."""

MIN_ROWS_PER_TRACK = 1000
"""Tracks with fewer rows are annotation fragments and are ignored."""


@dataclass(frozen=True)
class MotionCalibration:
    """Fitted motion parameters (distances in body lengths, times in seconds).

    Attributes:
        fps_assumed: frame rate assumed for the source file.
        still_fraction: share of 1-second steps slower than `STILL_BL_PER_S`.
        moving_speed_log_mu, moving_speed_log_sigma: lognormal fit of speeds above the still threshold, BL/s.
        still_bout_log_mu, still_bout_log_sigma: lognormal fit of still-bout durations, s.
        nn_distance_quantiles: 5/25/50/75/95% quantiles of centre-to-nearest-neighbour distance, BL.
    """

    fps_assumed: float
    still_fraction: float
    moving_speed_log_mu: float
    moving_speed_log_sigma: float
    still_bout_log_mu: float
    still_bout_log_sigma: float
    nn_distance_quantiles: tuple[float, ...]

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return asdict(self)


# Fitted by `pigwatch sim calibrate` (models.sim.calibration.fit_calibration) on pen-9pigs-45000frames.txt.
CALIBRATION = MotionCalibration(
    fps_assumed=25.0,
    still_fraction=0.9145,
    moving_speed_log_mu=-2.1907,
    moving_speed_log_sigma=0.5626,
    still_bout_log_mu=1.6516,
    still_bout_log_sigma=1.6157,
    nn_distance_quantiles=(0.2109, 0.4058, 0.4918, 0.7715, 1.0946),
)


@dataclass(frozen=True)
class TrackStats:
    """Distributions measured from tracks (real or simulated), in body lengths and seconds.

    Attributes:
        speeds_bl_s: 1-second centre speeds, BL/s (float64, one per pig-second).
        still_bouts_s: durations of still bouts, s.
        nn_distances_bl: nearest-neighbour centre distances, BL (one per pig per sampled second).
    """

    speeds_bl_s: np.ndarray
    still_bouts_s: np.ndarray
    nn_distances_bl: np.ndarray


def load_track_file(path: Path) -> dict[int, np.ndarray]:
    """Read a MOT-like track file into id -> Kx3 float64 rows ``(frame, cx, cy)`` plus body length.

    Returns:
        track id -> Kx4 array ``(frame, centre x px, centre y px, max(w, h) px)`` sorted by frame;
        fragments with fewer than `MIN_ROWS_PER_TRACK` rows are dropped.
    """
    data = np.loadtxt(path, delimiter=",", usecols=(0, 1, 2, 3, 4, 5), ndmin=2)
    tracks: dict[int, np.ndarray] = {}
    for track_id in np.unique(data[:, 1]).astype(int):
        rows = data[data[:, 1] == track_id]
        if len(rows) < MIN_ROWS_PER_TRACK:
            continue
        rows = rows[np.argsort(rows[:, 0], kind="stable")]
        cx, cy = rows[:, 2] + rows[:, 4] / 2, rows[:, 3] + rows[:, 5] / 2
        tracks[track_id] = np.stack([rows[:, 0], cx, cy, np.maximum(rows[:, 4], rows[:, 5])], axis=1)
    return tracks


def per_second_positions(track: np.ndarray, fps: float) -> np.ndarray:
    """Centre positions sampled once per second of a Kx4 track (frame, cx, cy, size), nearest frame.

    Returns:
        Sx2 float64 centres in px, one per whole second covered by the track.
    """
    if len(track) == 0:
        return np.zeros((0, 2))
    frames = track[:, 0]
    seconds = np.arange(np.ceil(frames[0] / fps), np.floor(frames[-1] / fps) + 1)
    idx = np.clip(np.searchsorted(frames, seconds * fps), 0, len(frames) - 1)
    return track[idx, 1:3]


def still_bouts(speeds: np.ndarray) -> np.ndarray:
    """Lengths (in steps) of runs of consecutive speeds below `STILL_BL_PER_S`."""
    still = np.concatenate([[False], speeds < STILL_BL_PER_S, [False]])
    edges = np.flatnonzero(np.diff(still.astype(np.int8)))
    return (edges[1::2] - edges[0::2]).astype(np.float64)


def nearest_neighbour_distances(centres: np.ndarray) -> np.ndarray:
    """For an Nx2 array of centres, each one's distance to the nearest other (N float64; empty if N < 2)."""
    if len(centres) < 2:
        return np.zeros(0)
    d = np.linalg.norm(centres[:, None, :] - centres[None, :, :], axis=2)
    np.fill_diagonal(d, np.inf)
    return d.min(axis=1)


def stats_from_tracks(tracks: dict[int, np.ndarray], *, fps: float, body_length_px: float) -> TrackStats:
    """Speeds, still bouts and nearest-neighbour distances (BL, s) of tracks given as id -> Kx4 arrays."""
    speeds, bouts, per_second = [], [], {}
    for track_id, track in tracks.items():
        pos = per_second_positions(track, fps) / body_length_px
        step = np.linalg.norm(np.diff(pos, axis=0), axis=1)
        speeds.append(step)
        bouts.append(still_bouts(step))
        first_second = int(np.ceil(track[0, 0] / fps)) if len(track) else 0
        per_second[track_id] = (first_second, pos)
    nn = _nn_per_second(per_second)
    return TrackStats(_cat(speeds), _cat(bouts), nn)


def _cat(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0)


def _nn_per_second(per_second: dict[int, tuple[int, np.ndarray]]) -> np.ndarray:
    """Nearest-neighbour distances per second over tracks given as id -> (first second, Sx2 positions)."""
    if not per_second:
        return np.zeros(0)
    last = max(first + len(pos) for first, pos in per_second.values())
    out = []
    for second in range(last):
        here = [pos[second - first] for first, pos in per_second.values() if 0 <= second - first < len(pos)]
        out.append(nearest_neighbour_distances(np.asarray(here).reshape(-1, 2)))
    return _cat(out)


def body_length_px(tracks: dict[int, np.ndarray]) -> float:
    """Median over tracks of the 90th percentile of max(w, h): one body length in px."""
    return float(np.median([np.percentile(t[:, 3], 90) for t in tracks.values()]))


def fit_calibration(stats: TrackStats, *, fps: float) -> MotionCalibration:
    """Fit the simulator's motion parameters to measured statistics."""
    moving = stats.speeds_bl_s[stats.speeds_bl_s >= STILL_BL_PER_S]
    log_speed = np.log(moving) if len(moving) else np.zeros(1)
    log_bouts = np.log(stats.still_bouts_s) if len(stats.still_bouts_s) else np.zeros(1)
    quantiles = (
        np.quantile(stats.nn_distances_bl, [0.05, 0.25, 0.5, 0.75, 0.95])
        if len(stats.nn_distances_bl)
        else np.zeros(5)
    )
    return MotionCalibration(
        fps_assumed=fps,
        still_fraction=round(float(np.mean(stats.speeds_bl_s < STILL_BL_PER_S)), 4)
        if len(stats.speeds_bl_s)
        else 0.0,
        moving_speed_log_mu=round(float(log_speed.mean()), 4),
        moving_speed_log_sigma=round(float(log_speed.std()), 4),
        still_bout_log_mu=round(float(log_bouts.mean()), 4),
        still_bout_log_sigma=round(float(log_bouts.std()), 4),
        nn_distance_quantiles=tuple(round(float(q), 4) for q in quantiles),
    )


def real_track_stats(path: Path, *, fps: float = ASSUMED_FPS) -> TrackStats:
    """Statistics of the real track file at ``path`` (see module docstring)."""
    tracks = load_track_file(path)
    return stats_from_tracks(tracks, fps=fps, body_length_px=body_length_px(tracks))
