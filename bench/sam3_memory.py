"""Memory per frame of the streaming SAM 3 tracker: teacher ViT vs student encoder, pruned vs unpruned.

Prints, for each encoder, the session's tensor memory (bytes of every tensor the inference session holds:
stored frames, cached features, per-object memories) at chosen frames, with pruning (the shipped tracker) and
without (transformers' session as it is), plus the encoder's parameter memory. On CUDA it also prints the
peak allocated GPU memory per frame. Weights are random: memory does not depend on their values.

    .venv/bin/python bench/sam3_memory.py                      # small config on CPU (stated in the output)
    .venv/bin/python bench/sam3_memory.py --real --device cuda # SAM 3 at full size (1008 px, ViT-L+ 1024)
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from models.nn.sam3_teacher import tiny_sam3_video_config
from models.nn.student import StudentConfig, build_student
from models.tracking.sam3_backend import Sam3StreamTracker, swap_in_student


def build_model(*, real: bool, student: bool, max_objects: int):
    """A random-weight Sam3VideoModel (tiny or full size), with the student swapped in when asked."""
    from transformers import Sam3VideoConfig, Sam3VideoModel

    config = Sam3VideoConfig(max_num_objects=max_objects) if real else tiny_sam3_video_config(
        image_size=112, vit_width=64, max_objects=max_objects)
    model = Sam3VideoModel(config)
    model.score_threshold_detection = 0.0  # random weights: accept detections so there are objects to track
    model.new_det_thresh = 0.0
    if real:  # all 200 random queries pass: mask NMS would build a 200x200x288x288 tensor
        model.det_nms_thresh = 0.0
    if student:
        vit = config.detector_config.vision_config.backbone_config  # type: ignore[union-attr]
        grid = vit.image_size // vit.patch_size
        shape = StudentConfig() if real else StudentConfig(trunk="tiny_vit_5m", img_size=vit.image_size,
                                                            out_size=grid, out_channels=vit.hidden_size)
        swap_in_student(model, build_student(shape))
    return model


def encoder_bytes(model) -> int:
    """Parameter bytes of the detector's vision encoder (ViT or student, plus the neck)."""
    return sum(p.numel() * p.element_size() for p in model.detector_model.vision_encoder.parameters())


def run(model, *, frames: int, report: list[int], window: int, device: str) -> dict[int, tuple[int, float]]:
    """Stream random frames; {frame: (session tensor bytes, peak CUDA MiB or nan)} at ``report`` frames."""
    ids = torch.randint(0, 1000, (1, 32), generator=torch.Generator().manual_seed(0))
    tracker = Sam3StreamTracker(model, prompt_ids=ids, prompt_mask=torch.ones(1, 32, dtype=torch.long),
                                window=window, device=device)
    if window > 10**6:
        model.config.hotstart_delay = window
    rng = np.random.default_rng(0)
    rows = {}
    for i in range(1, frames + 1):
        if device.startswith("cuda"):
            torch.cuda.reset_peak_memory_stats()
        tracker.update(rng.integers(0, 255, (360, 640, 3), dtype=np.uint8))
        if i in report:
            peak = torch.cuda.max_memory_allocated() / 2**20 if device.startswith("cuda") else float("nan")
            rows[i] = (tracker.session_tensor_bytes(), peak)
    return rows


def main() -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--real", action="store_true", help="full-size SAM 3 (needs a GPU in practice)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--objects", type=int, default=4, help="most objects tracked at once")
    parser.add_argument("--encoders", nargs="+", default=["teacher", "student"],
                        choices=["teacher", "student"])
    parser.add_argument("--pruned-only", action="store_true", help="skip the unpruned control run")
    args = parser.parse_args()
    if args.device == "cpu":
        torch.set_num_threads(1)
    report = sorted({1, 10, 25, 50, 100, args.frames} | set(range(100, args.frames + 1, 100)))
    report = [f for f in report if f <= args.frames]
    size = "SAM 3 full size: 1008 px, ViT 1024 x 32 layers" if args.real else \
        "tiny SAM 3: 112 px input, 8x8 tokens, ViT width 64 x 2 layers, FPN/tracker width 128"
    print(f"config: {size}; up to {args.objects} objects; {args.frames} frames of 640x360; "
          f"device {args.device}")
    modes = [(8, "pruned (window 8)")] + ([] if args.pruned_only else [(10**9, "unpruned")])
    for encoder in args.encoders:
        for window, label in modes:
            torch.manual_seed(0)
            model = build_model(real=args.real, student=encoder == "student", max_objects=args.objects)
            model = model.to(args.device)
            start = time.perf_counter()
            rows = run(model, frames=args.frames, report=report, window=window, device=args.device)
            fps = args.frames / (time.perf_counter() - start)
            mib = encoder_bytes(model) / 2**20
            print(f"\n{encoder} encoder ({mib:.1f} MiB of encoder parameters), {label}, {fps:.2f} frames/s")
            print(f"{'frame':>7} {'session MiB':>12} {'peak CUDA MiB':>14}")
            for frame, (nbytes, peak) in rows.items():
                print(f"{frame:>7} {nbytes / 2**20:>12.3f} {peak:>14.1f}")
            del model
            if args.device.startswith("cuda"):
                torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
