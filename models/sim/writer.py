"""Write a simulated clip to disk in the formats the real datasets use.

``render_clip`` writes into ``out_dir``:
    video.mp4       H.264 (PyAV/libx264), yuv420p, at the clip's fps.
    gt/gt.txt       MOTChallenge ``frame,id,x,y,w,h,1,-1,-1,-1``: 1-based frames, top-left x/y and w/h in
                    pixels of the visible extent; one row per pig per frame where the pig is visible.
    masks.npz       per-frame visible instance masks (see `models.sim.masks_io`; read with `load_masks`).
    output.json     Edinburgh format, every ``keyframe_step`` frames, 0-based ``frameNumber``.
    manifest.json   scenario config, pigs (look, sex, weight per day), health timeline, zones, clip info.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from models.sim.masks_io import MaskWriter, load_masks
from models.sim.pen import PenView
from models.sim.render import SimFrame, generate
from models.sim.scenario import Scenario

__all__ = ["render_clip", "load_masks", "scenario_manifest"]


def scenario_manifest(scenario: Scenario, *, width: int, height: int) -> dict:
    """Everything analytics need to check themselves against: pigs, weights, health timeline, zones."""
    view = PenView.fit(scenario.pen_size_m, width=width, height=height)
    pigs = []
    for index, pig in enumerate(scenario.pigs):
        pigs.append(
            {
                "id": pig.pig_id,
                "sex": pig.sex,
                "appearance": pig.appearance.summary(),
                "weights_kg": {str(day): round(scenario.weight_kg(index, day), 3) for day in scenario.days},
                "body_length_m": {
                    str(day): round(scenario.body_length_m(index, day), 4) for day in scenario.days
                },
            }
        )
    health = [
        {
            "pig_id": scenario.pigs[e.pig_index].pig_id,
            "condition": e.condition,
            "onset_day": e.onset_day,
            "severity": e.severity,
            "recovery_day": e.recovery_day,
        }
        for e in scenario.config.health_events
    ]
    return {
        "config": scenario.config.to_dict(),
        "pen_size_m": list(scenario.pen_size_m),
        "days": [scenario.days.start, scenario.days.stop - 1],
        "pigs": pigs,
        "health_timeline": health,
        "zones": {name: view.normalised(poly) for name, poly in scenario.zones_m.items()},
        "zones_m": {name: poly.round(4).tolist() for name, poly in scenario.zones_m.items()},
    }


class _Video:
    """H.264 mp4 writer (PyAV)."""

    def __init__(self, path: Path, *, width: int, height: int, fps: float) -> None:
        self.container = av.open(str(path), mode="w")
        self.stream = self.container.add_stream("libx264", rate=Fraction(fps).limit_denominator(1000))
        self.stream.width, self.stream.height = width, height
        self.stream.pix_fmt = "yuv420p"
        self.stream.options = {"crf": "20", "preset": "veryfast"}

    def write(self, image: np.ndarray) -> None:
        frame = av.VideoFrame.from_ndarray(image, format="rgb24")
        for packet in self.stream.encode(frame):
            self.container.mux(packet)

    def close(self) -> None:
        for packet in self.stream.encode():
            self.container.mux(packet)
        self.container.close()


def _gt_rows(frame: SimFrame) -> list[str]:
    rows = []
    for pig_id, box, seen in zip(frame.ids, frame.xyxy, frame.visible, strict=True):
        if seen:
            x1, y1, x2, y2 = (float(v) for v in box)
            rows.append(
                f"{frame.index + 1},{int(pig_id)},{x1:.1f},{y1:.1f},{x2 - x1:.1f},{y2 - y1:.1f},1,-1,-1,-1"
            )
    return rows


def _keyframe_entries(frame: SimFrame) -> dict[int, dict]:
    out = {}
    for pig_id, box, seen, label in zip(frame.ids, frame.xyxy, frame.visible, frame.behaviours, strict=True):
        x1, y1, x2, y2 = (round(float(v), 1) for v in box)
        out[int(pig_id)] = {
            "frameNumber": frame.index,
            "bbox": {"x": x1, "y": y1, "width": round(x2 - x1, 1), "height": round(y2 - y1, 1)},
            "visible": bool(seen),
            "behaviour": label,
        }
    return out


class _GroundTruthFiles:
    """Collects gt.txt rows, Edinburgh keyframes and masks frame by frame, then writes them."""

    def __init__(self, scenario: Scenario, *, width: int, height: int, keyframe_step: int) -> None:
        self.keyframe_step = keyframe_step
        self.masks = MaskWriter(np.array([p.pig_id for p in scenario.pigs]), height=height, width=width)
        self.gt_rows: list[str] = []
        self.objects: dict[int, list[dict]] = {p.pig_id: [] for p in scenario.pigs}
        self.frames = 0

    def add(self, frame: SimFrame) -> None:
        self.masks.add(frame.masks)
        self.gt_rows += _gt_rows(frame)
        if frame.index % self.keyframe_step == 0:
            for pig_id, entry in _keyframe_entries(frame).items():
                self.objects[pig_id].append(entry)
        self.frames += 1

    def save(self, out_dir: Path) -> None:
        """Write masks.npz, gt/gt.txt and output.json into ``out_dir``."""
        self.masks.save(out_dir / "masks.npz")
        rows = self.gt_rows
        (out_dir / "gt" / "gt.txt").write_text("\n".join(rows) + ("\n" if rows else ""))
        objects = [{"id": pig_id, "frames": frames} for pig_id, frames in self.objects.items()]
        edinburgh = {"videoFileName": "video.mp4", "stepSize": self.keyframe_step, "objects": objects}
        (out_dir / "output.json").write_text(json.dumps(edinburgh))


def render_clip(
    scenario: Scenario,
    out_dir: Path,
    *,
    day: int,
    start_s: float,
    duration_s: float,
    width: int | None = None,
    height: int | None = None,
    fps: float | None = None,
    keyframe_step: int = 3,
    on_frame: Callable[[int], None] | None = None,
) -> Path:
    """Render one clip with its ground truth into ``out_dir`` (created). See the module docstring for files.

    Args:
        scenario: the scenario.
        out_dir: destination folder.
        day: calendar day; start_s: seconds after midnight; duration_s: seconds.
        width, height, fps: frame size (even numbers, for H.264) and rate (default: the scenario config's).
        keyframe_step: frames between Edinburgh keyframes (>= 1).
        on_frame: called with the frame index after each frame (progress bars).

    Returns:
        ``out_dir``.

    Raises:
        ValueError: keyframe_step < 1 or an odd frame size.
    """
    cfg = scenario.config
    width, height, fps = width or cfg.width, height or cfg.height, fps or cfg.fps
    if keyframe_step < 1:
        raise ValueError(f"keyframe_step must be >= 1, got {keyframe_step}")
    if width % 2 or height % 2:
        raise ValueError(f"H.264 (yuv420p) needs an even frame size, got {width}x{height}")
    out_dir = Path(out_dir)
    (out_dir / "gt").mkdir(parents=True, exist_ok=True)
    video = _Video(out_dir / "video.mp4", width=width, height=height, fps=fps)
    truth = _GroundTruthFiles(scenario, width=width, height=height, keyframe_step=keyframe_step)
    frames = generate(
        scenario, day=day, start_s=start_s, duration_s=duration_s, width=width, height=height, fps=fps
    )
    for frame in frames:
        video.write(frame.image)
        truth.add(frame)
        if on_frame is not None:
            on_frame(frame.index)
    video.close()
    truth.save(out_dir)
    clip = {"day": day, "start_s": start_s, "duration_s": duration_s, "fps": fps, "width": width,
            "height": height, "frames": truth.frames, "keyframe_step": keyframe_step}  # fmt: skip
    manifest = scenario_manifest(scenario, width=width, height=height)
    manifest.update({"clip": clip, "fps": fps, "resolution": [width, height], "day": day, "start_s": start_s})
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return out_dir
