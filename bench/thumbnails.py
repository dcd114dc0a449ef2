"""Track thumbnails from the real pipeline: how many per track, how large as JPEG, what they cost.

Renders a clip of a `test` scenario in memory (not timed), runs the shipped default pipeline wrapped by
`models.pipeline.thumbnails.with_thumbnails` (as the workers load it), encodes every crop as the workers do
(`workers.thumbnails.encode_jpeg`) and prints: thumbnails per track, crop sizes, JPEG bytes (mean, p95, max),
the CPU time of the thumbnail collector itself and of the JPEG encoding, against the whole pipeline's.
``--out DIR`` also writes the JPEGs and a contact sheet (``sheet.jpg``).

    python bench/thumbnails.py --seconds 20 --width 1280 --height 720 --fps 6
"""

from __future__ import annotations

import argparse
import importlib.util
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from models.pipeline.default import PipelineConfig, build_processor
from models.pipeline.processor import ChunkContext
from models.pipeline.thumbnails import ThumbnailingProcessor
from workers.thumbnails import encode_jpeg


def _render_frames() -> Any:
    """`bench/pipeline_speed.py`'s ``render_frames`` (bench/ is not a package)."""
    spec = importlib.util.spec_from_file_location(
        "pipeline_speed", Path(__file__).with_name("pipeline_speed.py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.render_frames


class _TimedObserve:
    """Wraps a collector's ``observe`` and sums its process (CPU) time."""

    def __init__(self, observe: Any) -> None:
        self.observe, self.cpu_s = observe, 0.0

    def __call__(self, *args: Any) -> None:
        start = time.process_time()
        self.observe(*args)
        self.cpu_s += time.process_time() - start


def contact_sheet(images: list[np.ndarray], columns: int = 10, cell: int = 132) -> np.ndarray:
    """HxWx3 uint8 RGB grid of the crops, each centred in a ``cell`` px square on grey."""
    rows = max(1, -(-len(images) // columns))
    sheet = np.full((rows * cell, columns * cell, 3), 60, np.uint8)
    for i, image in enumerate(images):
        top, left = (i // columns) * cell, (i % columns) * cell
        h, w = image.shape[:2]
        y, x = top + (cell - h) // 2, left + (cell - w) // 2
        sheet[y : y + h, x : x + w] = image
    return sheet


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=720)
    parser.add_argument("--fps", type=float, default=6.0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--scenario", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None, help="write the JPEGs and sheet.jpg here")
    args = parser.parse_args()

    frames, n_pigs = _render_frames()(args.seconds, args.width, args.height, args.fps, args.scenario)
    processor = ThumbnailingProcessor(build_processor(config=PipelineConfig(), threads=args.threads))
    timed = _TimedObserve(processor.collector.observe)
    processor.collector.observe = timed  # type: ignore[method-assign]
    context = ChunkContext(
        fps=args.fps,
        width=args.width,
        height=args.height,
        start_s=0.0,
        end_s=args.seconds,
        clock_start_s=9 * 3600.0,
    )
    cpu_start = time.process_time()
    result = processor.process(iter(frames), context=context, on_progress=lambda _: None)
    pipeline_cpu = time.process_time() - cpu_start
    crops = [thumb.image for track in result.tracks for thumb in track.thumbnails]
    encode_start = time.process_time()
    jpegs = [encode_jpeg(image) for image in crops]
    encode_cpu = time.process_time() - encode_start
    sizes = np.array([len(j) for j in jpegs]) if jpegs else np.zeros(1)
    per_track = [len(t.thumbnails) for t in result.tracks]
    sides = [max(c.shape[:2]) for c in crops] or [0]
    print(f"input: {args.seconds:.0f} s of {args.width}x{args.height} at {args.fps:g} fps, {n_pigs} pigs")
    print(f"tracks: {len(result.tracks)}; thumbnails: {len(crops)} ({min(per_track, default=0)}-"
          f"{max(per_track, default=0)} per track); longest side {min(sides)}-{max(sides)} px")  # fmt: skip
    print(f"JPEG bytes: mean {sizes.mean():.0f}, p95 {np.percentile(sizes, 95):.0f}, max {sizes.max():.0f}")
    share = 100 * timed.cpu_s / max(pipeline_cpu, 1e-9)
    print(f"CPU: pipeline {pipeline_cpu:.2f} s, of which thumbnail collector {timed.cpu_s:.3f} s "
          f"({share:.2f} %); JPEG encoding {encode_cpu:.3f} s")  # fmt: skip
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        for n, data in enumerate(jpegs):
            (args.out / f"thumb_{n:03d}.jpg").write_bytes(data)
        cv2.imwrite(
            str(args.out / "sheet.jpg"), contact_sheet(crops)[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, 85]
        )
        print(f"wrote {len(jpegs)} JPEGs and sheet.jpg to {args.out}")


if __name__ == "__main__":
    main()
