"""How the behaviour model fares when its mask-shape columns come from the production tracker, not the sim.

Training reads the simulator's exact masks; the worker reads the lite tracker's. This check keeps the
simulator's boxes, frames and labels of the cached `test` clips and replaces only the mask-shape columns:

- ``--masks sim``: the simulator's own (as `pigwatch eval-behaviour`);
- ``--masks none``: no masks at all (NaN -> the model's training mean);
- ``--masks tracker``: each clip re-rendered at 1280x720 (same scenario, day and start: the same pigs and
  frames), the bundle's lite tracker run on every frame, its masks matched to the pigs by box IoU >= 0.5 and
  their `mask_shapes` used (NaN where no detection matches).

    OMP_NUM_THREADS=1 nice -n 10 python -m models.behaviour.mask_domain --bundle var/bh-rest \
        --cache var/bclips-test-32.npz --clips-per-scenario 32 --masks tracker --clips 6
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from models.behaviour.dataset import ClipSpec, SimClip, clip_specs, load_clips
from models.behaviour.mask_shape import MASK_SHAPE_NAMES, mask_shapes
from models.behaviour.train import clip_predictions, load_bundle
from models.pipeline.types import BEHAVIOURS, Frame

MATCH_IOU = 0.5
"""A tracker detection stands for a pig when their boxes overlap at least this much (IoU)."""


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """NxM IoU of Nx4 and Mx4 boxes (x1, y1, x2, y2, pixels)."""
    x1, y1 = np.maximum(a[:, None, 0], b[None, :, 0]), np.maximum(a[:, None, 1], b[None, :, 1])
    x2, y2 = np.minimum(a[:, None, 2], b[None, :, 2]), np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return np.asarray(inter / (area_a[:, None] + area_b[None, :] - inter + 1e-9))


def tracker_mask_shapes(
    spec: ClipSpec, tracker_onnx: Path, pig_ids: list[int]
) -> dict[int, dict[int, np.ndarray]]:
    """Pig id -> frame index -> 5 float32 `MASK_SHAPE_NAMES` of the lite tracker's matched mask.

    Args:
        spec: the clip (rendered again at 1280x720, 6 fps).
        tracker_onnx: the lite tracker's ONNX file.
        pig_ids: the pigs to collect.
    """
    from models.runtime.onnx_runner import OnnxRunner
    from models.sim.render import generate
    from models.sim.scenario import Scenario, scenario_set
    from models.tracking.lite import LiteTracker

    tracker = LiteTracker(OnnxRunner(tracker_onnx, threads=1))
    scenario = Scenario.from_config(scenario_set(spec.set_name)[spec.scenario_index])
    day = scenario.days[spec.day_offset % len(scenario.days)]
    out: dict[int, dict[int, np.ndarray]] = {pid: {} for pid in pig_ids}
    frames = generate(scenario, day=day, start_s=spec.start_s, duration_s=spec.duration_s,
                      width=1280, height=720, fps=6.0)  # fmt: skip
    for sim in frames:
        found = tracker.update(Frame(sim.index, sim.t_seconds, sim.image))
        if len(found) == 0:
            continue
        overlap = box_iou(sim.xyxy, found.xyxy)
        shapes = mask_shapes(found.mask, found.xyxy)
        for column, pid in enumerate(sim.ids.tolist()):
            best = int(overlap[column].argmax())
            if pid in out and overlap[column, best] >= MATCH_IOU:
                out[pid][sim.index] = shapes[best]
    return out


def use_tracker_masks(clip: SimClip, spec: ClipSpec, tracker_onnx: Path) -> tuple[int, int]:
    """Replace each track's mask shapes by the tracker's (NaN where unmatched); (matched, total) frames."""
    ids = [int(track.group.split("/")[-1]) for track in clip.tracks]
    found = tracker_mask_shapes(spec, tracker_onnx, ids)
    matched = total = 0
    empty = np.full(len(MASK_SHAPE_NAMES), np.nan, np.float32)
    for pid, track in zip(ids, clip.tracks, strict=True):
        rows = [found[pid].get(int(index)) for index in track.frames]
        matched, total = matched + sum(row is not None for row in rows), total + len(rows)
        track.mask_shape = np.stack([empty if row is None else row for row in rows]).astype(np.float32)
    return matched, total


def shape_gap(specs: list[ClipSpec], tracker_onnx: Path, every: int = 3) -> None:
    """Print median mask elongation / ellipse fill / solidity per behaviour from the simulator's masks at
    320x180 and 1280x720 and from the lite tracker's masks (1280x720) on the same pig-frames (every
    ``every``-th frame, pigs visible in both renderings and matched by box IoU >= `MATCH_IOU`)."""
    from models.runtime.onnx_runner import OnnxRunner
    from models.sim.render import generate
    from models.sim.scenario import Scenario, scenario_set
    from models.tracking.lite import LiteTracker

    tracker = LiteTracker(OnnxRunner(tracker_onnx, threads=1))
    small_rows, big_rows, tracker_rows, labels = [], [], [], []
    for spec in specs:
        scenario = Scenario.from_config(scenario_set(spec.set_name)[spec.scenario_index])
        day = scenario.days[spec.day_offset % len(scenario.days)]
        tracker.reset()
        sizes = [(1280, 720), (320, 180)]
        hi_res, lo_res = (generate(scenario, day=day, start_s=spec.start_s, duration_s=spec.duration_s,
                                   width=w, height=h, fps=6.0) for w, h in sizes)  # fmt: skip
        for k, (frame, low) in enumerate(zip(hi_res, lo_res, strict=True)):
            found = tracker.update(Frame(frame.index, frame.t_seconds, frame.image))
            if k % every or len(found) == 0:
                continue
            seen = np.flatnonzero(frame.visible & low.visible)
            overlap = box_iou(frame.xyxy[seen], found.xyxy)
            shapes = (mask_shapes(low.masks, low.xyxy), mask_shapes(frame.masks, frame.xyxy),
                      mask_shapes(found.mask, found.xyxy))  # fmt: skip
            for row, pig in enumerate(seen):
                best = int(overlap[row].argmax())
                if overlap[row, best] >= MATCH_IOU:
                    small_rows.append(shapes[0][pig])
                    big_rows.append(shapes[1][pig])
                    tracker_rows.append(shapes[2][best])
                    labels.append(frame.behaviours[pig])
    small, big, found_shapes, names = (np.array(small_rows), np.array(big_rows), np.array(tracker_rows),
                                       np.array(labels))  # fmt: skip
    print(f"{len(names):,} matched pig-frames; tracker rows without a usable mask "
          f"{np.isnan(found_shapes).any(1).mean():.3f}")  # fmt: skip
    print(
        "median |sim 320x180 - sim 1280x720|: "
        + ", ".join(
            f"{n} {v:.3f}"
            for n, v in zip(MASK_SHAPE_NAMES, np.nanmedian(np.abs(small - big), 0), strict=True)
        )
    )
    for label in BEHAVIOURS:
        chosen = names == label
        if chosen.sum() >= 10:
            cells = [
                np.round(np.nanmedian(x[chosen][:, 2:], 0), 3).tolist() for x in (small, big, found_shapes)
            ]
            print(f"{label:12s} n={chosen.sum():5d} elongation/ellipse fill/solidity: sim 320 {cells[0]} "
                  f"sim 1280 {cells[1]} tracker {cells[2]}")  # fmt: skip


def main() -> None:
    """Print bout accuracy, macro-F1 and per-class F1 with the chosen mask source."""
    from models.eval.behaviour import behaviour_metrics

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bundle", type=Path, default=Path("models/bundles/default"))
    parser.add_argument(
        "--cache", type=Path, required=True, help="test clips written by eval-behaviour --cache"
    )
    parser.add_argument("--clips-per-scenario", type=int, default=32)
    parser.add_argument("--clip-seconds", type=float, default=60.0)
    parser.add_argument("--masks", choices=("sim", "none", "tracker"), default="sim")
    parser.add_argument("--clips", type=int, default=0, help="evenly spread subset of the clips (0: all)")
    parser.add_argument("--tracker", type=Path, default=Path("models/bundles/default/tracker.onnx"))
    parser.add_argument("--gap", type=int, default=0, help="only print the mask-shape gap on N 20-s clips")
    args = parser.parse_args()
    if args.gap:
        specs = clip_specs("test", clips_per_scenario=8, duration_s=20.0, seed=1)
        shape_gap(specs[:: max(1, len(specs) // args.gap)][: args.gap], args.tracker)
        return
    started = time.perf_counter()
    model = load_bundle(args.bundle)
    clips = load_clips(args.cache)
    specs = clip_specs(
        "test", clips_per_scenario=args.clips_per_scenario, duration_s=args.clip_seconds, seed=1
    )
    count = args.clips or len(clips)
    picked = np.unique(np.linspace(0, len(clips) - 1, count).round().astype(int)).tolist()
    matched = total = 0
    truth: list[int] = []
    bouts: list[int] = []
    for k in picked:
        if args.masks == "none":
            for track in clips[k].tracks:
                track.mask_shape = None
        elif args.masks == "tracker":
            m, t = use_tracker_masks(clips[k], specs[k], args.tracker)
            matched, total = matched + m, total + t
        t_, _, b_ = clip_predictions(model, clips[k])
        truth, bouts = truth + t_, bouts + b_
    metrics: dict = behaviour_metrics([BEHAVIOURS[i] for i in truth], [BEHAVIOURS[i] for i in bouts])
    if args.masks == "tracker":
        print(f"tracker masks matched on {matched:,} of {total:,} pig-frames")
    print(f"{args.bundle} masks={args.masks} clips={len(picked)} frames={metrics['samples']:,} bouts "
          f"accuracy {100 * metrics['accuracy']:.2f}% macro-F1 {100 * metrics['macro_f1']:.2f}% "
          f"({time.perf_counter() - started:.0f} s)")  # fmt: skip
    print("  per-class F1: " + "  ".join(f"{k} {100 * v:.1f}" for k, v in metrics["per_class_f1"].items()))


if __name__ == "__main__":
    main()
