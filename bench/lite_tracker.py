"""Benchmark the lite tracker (ONNX, onnxruntime CPU) on 1280x720 frames: fps and peak RSS.

Usage:
    .venv/bin/python bench/lite_tracker.py [--model models/bundles/default/tracker.onnx] [--frames 60]
        [--threads 2] [--video PATH]
    .venv/bin/python bench/lite_tracker.py --train-step tiny_vit_1m,tiny_vit_5m [--crop 224] [--batch 8]

With ``--train-step``: CPU seconds of one training step (forward + loss-free backward + AdamW) of LiteNet with
each listed trunk on random [batch, 3, crop, crop] input, torch on ``--threads`` threads (best of 3 after a
warm-up step), plus the parameter count: where the training time goes on this CPU.

Frames come from a real sow clip in the shared data (decoded up front, so decoding is not timed) or, when
that is absent, from random 1280x720 images. Prints: model, input size, frames, fps of the whole tracker
stage (letterbox + network + decode + association + masks) and of the network alone, the CPU time per
frame (and the fps it implies on free cores: the machine is shared, so wall-clock fps depends on the load),
and the process's peak RSS (ru_maxrss), against the 16 GB envelope of a Jetson Orin NX.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from models.pipeline.types import Frame  # noqa: E402
from models.runtime.onnx_runner import OnnxRunner  # noqa: E402
from models.tracking.lite import LiteTracker, letterbox_image, read_video_frames  # noqa: E402

SHARED = Path(os.environ.get("PIGWATCH_SHARED_DATA", REPO.parent / "shared" / "data"))
EDGE_ENVELOPE_GB = 16.0


def load_frames(video: Path | None, n: int) -> list[Frame]:
    """``n`` 1280x720 frames: from ``video`` (or the first shared sow clip) when present, else random."""
    clips = sorted((SHARED / "video").glob("*.mp4"))
    source = video or (clips[0] if clips else None)
    if source is not None and source.exists():
        return list(read_video_frames(source, max_frames=n))
    rng = np.random.default_rng(0)
    return [Frame(i, i / 25, rng.integers(0, 255, (720, 1280, 3), np.uint8)) for i in range(n)]


def peak_rss_mb() -> float:
    """Peak resident set size of this process, MiB (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def train_step_cpu_seconds(variant: str, *, crop: int, batch: int, threads: int) -> tuple[float, int]:
    """(CPU-s of one LiteNet training step, best of 3 after a warm-up; parameter count) on random input."""
    import torch

    from models.nn.lite import LiteConfig, LiteNet, count_parameters

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = LiteNet(LiteConfig(variant=variant)).train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    images = torch.rand(batch, 3, crop, crop)
    times = []
    for _ in range(4):
        c0 = time.process_time()
        loss = sum(v.float().square().mean() for v in model.raw(images).values())
        opt.zero_grad(set_to_none=True)
        loss.backward()  # type: ignore[union-attr]
        opt.step()
        times.append(time.process_time() - c0)
    return min(times[1:]), count_parameters(model)


def main() -> None:
    fmt = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=fmt)
    parser.add_argument("--model", type=Path, default=REPO / "models/bundles/default/tracker.onnx")
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--video", type=Path, default=None)
    parser.add_argument("--train-step", default=None, help="comma-separated trunk variants: time training")
    parser.add_argument("--crop", type=int, default=224, help="--train-step input size, pixels")
    parser.add_argument("--batch", type=int, default=8, help="--train-step batch size")
    args = parser.parse_args()
    if args.train_step:
        for variant in args.train_step.split(","):
            cpu, params = train_step_cpu_seconds(variant, crop=args.crop, batch=args.batch,
                                                 threads=args.threads)
            print(f"{variant}: {params / 1e6:.2f}M parameters, {cpu:.2f} CPU-s per training step "
                  f"(batch {args.batch} x {args.crop}x{args.crop}, {args.threads} thread(s), "
                  f"load average {os.getloadavg()[0]:.1f})")
        return
    frames = load_frames(args.video, args.frames)
    runner = OnnxRunner(args.model, threads=args.threads, prefer_cuda=False)
    tracker = LiteTracker(runner)
    tracker.update(frames[0])
    t0, c0 = time.perf_counter(), time.process_time()
    for frame in frames:
        tracker.update(frame)
    stage_s, stage_cpu = time.perf_counter() - t0, time.process_time() - c0
    batch, _ = letterbox_image(frames[0].image, tracker.input_hw)
    t0 = time.perf_counter()
    for _ in frames:
        runner.run({"image": batch})
    net_s = time.perf_counter() - t0
    h, w = frames[0].image.shape[:2]
    ih, iw = tracker.input_hw
    print(f"model: {args.model.name}  input {iw}x{ih}  frames {len(frames)} of {w}x{h}  "
          f"threads {args.threads}  providers {runner.providers}")
    print(f"tracker stage fps: {len(frames) / stage_s:.2f}  (network alone: {len(frames) / net_s:.2f} fps)")
    cpu_per_frame = stage_cpu / len(frames)
    implied = args.threads / cpu_per_frame
    print(f"tracker stage CPU time: {cpu_per_frame:.3f} CPU-s per frame -> {implied:.2f} fps "
          f"if {args.threads} cores were free (load average now {os.getloadavg()[0]:.1f})")
    print(f"peak RSS: {peak_rss_mb():.0f} MiB ({peak_rss_mb() / 1024 / EDGE_ENVELOPE_GB * 100:.1f} % of the "
          f"{EDGE_ENVELOPE_GB:.0f} GB edge envelope)")


if __name__ == "__main__":
    main()
