"""Training frames from the procedural pen simulator (boxes, masks and identities), cached in memory and,
with `cached_clips`, on disk (one ``.npz`` per clip, masks bit-packed), so that a training run does not
render inside its loop and a restarted run does not render again.

Frames come in *pairs* from the same clip a few seconds apart, so that the appearance head can learn that
the same pig looks the same while different pigs look different.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

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


def save_clip(clip: list[Sample], path: Path) -> None:
    """Write one clip (list of `Sample` with masks and ids) to ``path`` (.npz, masks bit-packed), atomically.

    Raises:
        ValueError: when the clip is empty or a sample lacks masks or ids.
    """
    if not clip or any(s.masks is None or s.ids is None for s in clip):
        raise ValueError("a cached clip needs at least one sample, each with masks and ids")
    masks = np.concatenate([s.masks for s in clip])  # type: ignore[misc]
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez(
        tmp,
        count=np.array([len(s.xyxy) for s in clip], np.int64),
        images=np.stack([s.image for s in clip]),
        xyxy=np.concatenate([s.xyxy for s in clip]).astype(np.float32).reshape(-1, 4),
        ids=np.concatenate([s.ids for s in clip]).astype(np.int64),  # type: ignore[misc]
        masks=np.packbits(masks.reshape(len(masks), -1), axis=1),
    )
    tmp.replace(path)


def load_clip(path: Path) -> list[Sample]:
    """Read a clip written by `save_clip` (images HxWx3 uint8, masks NxHxW bool)."""
    with np.load(path) as z:
        images, count, xyxy, ids, packed = z["images"], z["count"], z["xyxy"], z["ids"], z["masks"]
    h, w = images.shape[1:3]
    masks = np.unpackbits(packed, axis=1, count=h * w).astype(bool).reshape(-1, h, w)
    starts = np.concatenate([[0], np.cumsum(count)])
    return [Sample(images[i], xyxy[a:b], masks[a:b], ids[a:b])
            for i, (a, b) in enumerate(zip(starts[:-1], starts[1:], strict=True))]


def cached_clips(
    cache_dir: Path, split: str, *, clips: int, frames_per_clip: int, width: int, height: int,
    fps: float = 0.5, seed: int = 0, on_frame: Callable[[], None] | None = None,
) -> list[list[Sample]]:
    """`render_clips` with an on-disk cache: clips already in ``cache_dir`` are read, missing ones rendered.

    The cache folder is keyed by every argument (``cache_dir/<split>-<clips>x<frames>-<w>x<h>-<fps>-s<seed>``)
    and holds ``clip-NNN.npz`` files plus ``meta.json``; clip ``c`` is identical to ``render_clips(...)[c]``.
    ``on_frame`` is called per frame rendered or loaded.
    """
    folder = cache_dir / f"{split}-{clips}x{frames_per_clip}-{width}x{height}-{fps:g}-s{seed}"
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"clip-{c:03d}.npz" for c in range(clips)]
    if not all(p.exists() for p in paths):
        rendered = render_clips(split, clips=clips, frames_per_clip=frames_per_clip, width=width,
                                height=height, fps=fps, seed=seed, on_frame=on_frame)
        for clip, p in zip(rendered, paths, strict=True):
            save_clip(clip, p)
        meta = {"split": split, "clips": clips, "frames_per_clip": frames_per_clip, "width": width,
                "height": height, "fps": fps, "seed": seed}
        (folder / "meta.json").write_text(json.dumps(meta, indent=1))
        return rendered
    out = []
    for p in paths:
        out.append(load_clip(p))
        for _ in out[-1]:
            if on_frame is not None:
                on_frame()
    return out
