"""Add the long-context features to a window cache written with base features only (no re-rendering).

``pigwatch train-behaviour --cache X.npz`` stores NxBxW base-feature windows centred every ``stride`` rows of
each track, in track order. Overlapping windows hold every row of the track, so the series is rebuilt,
`context_features` computed on it, and the windows cut again with base + context columns (the leading
`FEATURE_NAMES`; the pen-mate columns need the other tracks' boxes, which such a cache does not hold):

    python -m models.behaviour.upgrade_cache var/behaviour-windows-train.npz var/behaviour-windows-ctx.npz \
        --stride 4
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from models.behaviour.context import context_features, rebuild_series, track_starts
from models.behaviour.features import BASE_FEATURE_NAMES
from models.behaviour.model import windows


def upgrade_windows(
    x: np.ndarray, groups: list[str], *, stride: int, fps: float, frame_size: tuple[int, int]
) -> np.ndarray:
    """NxBxW base-feature windows -> Nx(B+C)xW windows with the context features appended (same order).

    Args:
        x: NxBxW float32 windows (`BASE_FEATURE_NAMES`), consecutive per track, centred every ``stride`` rows.
        groups: N group names (a change starts a new track).
        stride: rows between window centres; must be at most half the window.
        fps: frame rate of the rows.
        frame_size: (width, height) the boxes were normalised by.

    Returns:
        Nx(B+C)xW float32 (`BASE_FEATURE_NAMES` then `CONTEXT_FEATURE_NAMES`).
    """
    if x.shape[1] != len(BASE_FEATURE_NAMES) or stride > x.shape[2] // 2:
        raise ValueError(f"expected Nx{len(BASE_FEATURE_NAMES)}xW base windows with stride <= W/2")
    clock = (BASE_FEATURE_NAMES.index("hour_sin"), BASE_FEATURE_NAMES.index("hour_cos"))
    bounds = [*np.flatnonzero(track_starts(x, groups, clock)).tolist(), len(x)]
    out = []
    for start, end in zip(bounds[:-1], bounds[1:], strict=True):
        base = rebuild_series(x[start:end], stride)
        full = np.concatenate([base, context_features(base, fps=fps, frame_size=frame_size)], axis=1)
        out.append(windows(full, np.arange(end - start) * stride, x.shape[2]))
    return np.concatenate(out) if out else np.zeros((0, 0, x.shape[2]), np.float32)


def main() -> None:
    """Read a base-feature cache, write the upgraded one (x, y, groups)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("target", type=Path)
    parser.add_argument("--stride", type=int, default=4)
    parser.add_argument("--fps", type=float, default=6.0)
    parser.add_argument("--width", type=int, default=320)
    parser.add_argument("--height", type=int, default=180)
    args = parser.parse_args()
    stored = np.load(args.source)
    groups = stored["groups"].tolist()
    x = upgrade_windows(stored["x"], groups, stride=args.stride, fps=args.fps,
                        frame_size=(args.width, args.height))  # fmt: skip
    np.savez(args.target, x=x, y=stored["y"], groups=stored["groups"])
    print(f"{args.target}: {x.shape[0]:,} windows x {x.shape[1]} features x {x.shape[2]} frames")


if __name__ == "__main__":
    main()
