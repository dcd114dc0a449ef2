"""Long-context features of one track, derived from its per-frame base features (`BASE_FEATURE_NAMES`).

The behaviour net sees a 24-frame (4 s) window; these columns carry what a window cannot: how long the
animal has been still and will stay still (rest bouts last minutes, sitting and standing bouts seconds),
motion over +-5 s, and box size relative to the track's own median (a pig lying on its side covers more
floor than on its belly or standing). ``log_diagonal`` (log of the box diagonal) is nearly independent of
the heading for an elongated body, unlike width, height or aspect. All are computed from the track's own
base features only, so they come out the same from simulator ground truth, from tracker output and from
cached base-feature windows (`rebuild_tracks`).
"""

from __future__ import annotations

import numpy as np

CONTEXT_FEATURE_NAMES: tuple[str, ...] = (
    "log_diagonal", "abs_log_aspect", "area_vs_track", "diagonal_vs_track", "still_before", "still_after",
    "speed_mean_10s", "speed_max_10s", "neighbour_min_10s",
)  # fmt: skip
"""Columns appended after the base features."""

MOVING_SPEED = 0.3
"""Centre speed (body scales per second) above which a frame counts as moving."""

CONTEXT_HALF_FRAMES = 30
"""Half-width in frames of the rolling context (30 frames = 5 s at 6 fps)."""

STILL_CLIP_S = 120.0
"""Still-time features are clipped at this many seconds (then log1p)."""


def rolling(values: np.ndarray, half: int, reducer: str) -> np.ndarray:
    """T float32 rolling mean/max/min of a T series over ``[t - half, t + half]`` (clipped at the ends)."""
    if len(values) == 0:
        return np.zeros(0, np.float32)
    padded = np.pad(values.astype(np.float64), half, mode="edge")
    view = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1)
    return getattr(view, reducer)(axis=1).astype(np.float32)


def still_seconds(moving: np.ndarray, fps: float, *, backwards: bool) -> np.ndarray:
    """T float32 seconds since the last moving frame (or until the next one when ``backwards``), clipped.

    A track's first (last) frame counts as the start (end) of the stillness: no history beyond the track.
    """
    flags = moving[::-1] if backwards else moving
    out = np.zeros(len(flags), np.float32)
    count = 0.0
    for index, flag in enumerate(flags):
        count = 0.0 if flag else count + 1.0
        out[index] = count
    out = out[::-1] if backwards else out
    return np.log1p(np.minimum(out / fps, STILL_CLIP_S)).astype(np.float32)


def context_features(base: np.ndarray, *, fps: float, frame_size: tuple[int, int]) -> np.ndarray:
    """TxC float32 context features (`CONTEXT_FEATURE_NAMES` order) of one track.

    Args:
        base: TxB float32 base features (`BASE_FEATURE_NAMES` order: cx, cy, w, h, log_aspect, log_area,
            speed, area_change, neighbour_distance, zones..., hour_sin, hour_cos), rows in frame order.
        fps: frame rate of the rows.
        frame_size: (width, height) in pixels of the frame the boxes were normalised by.

    Returns:
        TxC float32.
    """
    if len(base) == 0:
        return np.zeros((0, len(CONTEXT_FEATURE_NAMES)), np.float32)
    width, height = frame_size
    w_px, h_px = base[:, 2] * width, base[:, 3] * height
    log_diagonal = 0.5 * np.log((w_px**2 + h_px**2) / (width**2 + height**2))
    speed, moving = base[:, 6], base[:, 6] > MOVING_SPEED
    half = CONTEXT_HALF_FRAMES
    columns = [
        log_diagonal, np.abs(base[:, 4]), base[:, 5] - np.median(base[:, 5]),
        log_diagonal - np.median(log_diagonal),
        still_seconds(moving, fps, backwards=False), still_seconds(moving, fps, backwards=True),
        rolling(speed, half, "mean"), rolling(speed, half, "max"), rolling(base[:, 8], half, "min"),
    ]  # fmt: skip
    return np.stack(columns, 1).astype(np.float32)


def track_starts(x: np.ndarray, groups: list[str], clock_columns: tuple[int, int]) -> np.ndarray:
    """N bool: where a new track starts in a sequence of base-feature windows cut by `window_samples`.

    A track's first window is centred on its row 0, so its left half repeats row 0 (identical clock values,
    which otherwise change every frame); a change of group also starts a track.
    """
    half = x.shape[2] // 2
    clock = x[:, list(clock_columns), : half + 1]
    repeated = np.all(clock == clock[:, :, :1], axis=(1, 2))
    changed = np.array([i == 0 or groups[i] != groups[i - 1] for i in range(len(groups))], bool)
    return repeated | changed


def rebuild_series(windows_x: np.ndarray, stride: int) -> np.ndarray:
    """TxB series of one track from its base-feature windows centred on rows 0, stride, 2*stride, ...

    Row ``k * stride + j`` (0 <= j < stride) is column ``half + j`` of window k (the window's own copy of it).
    The last window's columns past the track's end repeat its last row; such trailing copies are dropped
    (real consecutive rows always differ: the clock columns change every frame).
    """
    half = windows_x.shape[2] // 2
    pieces = [w[:, half : half + stride].T for w in windows_x]
    series = np.concatenate(pieces, 0).astype(np.float32)
    end = len(series)
    while end > 1 and np.array_equal(series[end - 1], series[end - 2]):
        end -= 1
    return series[:end]
