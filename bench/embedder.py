"""Embedder throughput on this CPU: crops per second at batch 1 and 16.

(a) DINOv3 ViT-S/16 at 224 px, random weights (architecture speed), onnxruntime fp32 and dynamic int8;
(b) the shipped default embedder (models/bundles/default/embedder.onnx), onnxruntime fp32, plus the crop
preparation itself (`crop_batch` on a 1280x720 frame with 8 masked pigs).

Run:  nice -n 10 .venv/bin/python bench/embedder.py [--threads 2] [--seconds 5]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BUNDLE = ROOT / "models" / "bundles" / "default" / "embedder.onnx"


def crops_per_second(run: Callable[[], object], *, batch: int, seconds: float) -> float:
    """Call ``run`` (one batch) repeatedly for about ``seconds`` after two warm-up calls; crops per second."""
    run()
    run()
    calls, start = 0, time.perf_counter()
    while calls < 3 or time.perf_counter() - start < seconds:
        run()
        calls += 1
    return calls * batch / (time.perf_counter() - start)


def session(path: Path, threads: int):  # noqa: ANN201 - onnxruntime type
    """A CPU onnxruntime session limited to ``threads`` intra-op threads."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def bench_onnx(path: Path, *, size: int, threads: int, seconds: float) -> dict[int, float]:
    """Crops/s of an ONNX embedder at batch 1 and 16."""
    sess = session(path, threads)
    name = sess.get_inputs()[0].name
    out = {}
    for batch in (1, 16):
        x = np.random.default_rng(0).standard_normal((batch, 3, size, size)).astype(np.float32)

        def run_once(x: np.ndarray = x) -> object:
            return sess.run(None, {name: x})

        out[batch] = crops_per_second(run_once, batch=batch, seconds=seconds)
    return out


def export_dinov3(workdir: Path) -> tuple[Path, Path]:
    """Random-weight DINOv3 ViT-S/16 exported at 224 px, fp32 and dynamic int8."""
    from models.embed.crops import CropSpec
    from models.embed.export import export_embedder, quantize_int8
    from models.nn.dinov3 import dinov3_vits16

    fp32 = workdir / "dinov3_vits16.onnx"
    export_embedder(dinov3_vits16(), fp32, spec=CropSpec(size=224), meta={"name": "dinov3_vits16_random"})
    return fp32, quantize_int8(fp32, workdir / "dinov3_vits16.int8.onnx")


def bench_crop_preparation(*, size: int, seconds: float) -> float:
    """Crops/s of `crop_batch` on a 1280x720 frame with 8 pigs of about 200x110 px, masks given."""
    from models.embed.crops import CropSpec, crop_batch
    from models.pipeline.types import Detections

    rng = np.random.default_rng(0)
    image = rng.integers(0, 255, (720, 1280, 3), dtype=np.uint8)
    boxes = np.asarray(
        [[100 + 140 * i, 150 + 40 * i, 300 + 140 * i, 260 + 40 * i] for i in range(8)], np.float32
    )
    masks = np.zeros((8, 720, 1280), bool)
    for i, (x1, y1, x2, y2) in enumerate(boxes.astype(int)):
        masks[i, y1:y2, x1:x2] = True
    dets = Detections(xyxy=boxes, score=np.ones(8), mask=masks)
    spec = CropSpec(size=size)
    return crops_per_second(lambda: crop_batch(image, dets, spec), batch=8, seconds=seconds)


def dinov3_rows(*, threads: int, seconds: float) -> list[tuple[str, dict[int, float]]]:
    """Rows for DINOv3 ViT-S/16 (random weights) in fp32 and int8."""
    with tempfile.TemporaryDirectory() as tmp:
        fp32, int8 = export_dinov3(Path(tmp))
        return [
            (
                f"DINOv3 ViT-S/16 224px ort {name}",
                bench_onnx(path, size=224, threads=threads, seconds=seconds),
            )
            for name, path in (("fp32", fp32), ("int8", int8))
        ]


def default_rows(path: Path, *, threads: int, seconds: float) -> list[tuple[str, dict[int, float]]]:
    """Rows for the shipped default embedder (empty when it is absent), and its crop-preparation rate."""
    if not path.exists():
        print(f"(no shipped default embedder at {path}; skipped)")
        return []
    from models.export.onnx import read_sidecar

    size = int(read_sidecar(path)["crop"]["size"])
    rate = bench_crop_preparation(size=size, seconds=seconds)
    print(f"crop preparation ({size}px, 8 masked pigs on a 1280x720 frame): {rate:.0f} crops/s")
    return [
        (f"default embedder {size}px ort fp32", bench_onnx(path, size=size, threads=threads, seconds=seconds))
    ]


def print_table(rows: list[tuple[str, dict[int, float]]], *, threads: int) -> None:
    """One line per model: crops/s and ms per crop at batch 1 and 16."""
    print(f"{'model':36s} {'batch 1':>12s} {'batch 16':>12s}   ms/crop b1 / b16   (threads={threads})")
    for name, fig in rows:
        ms = f"{1000 / fig[1]:.2f} / {1000 / fig[16]:.2f}"
        print(f"{name:36s} {fig[1]:8.1f} c/s {fig[16]:8.1f} c/s   {ms}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--default", type=Path, default=DEFAULT_BUNDLE, help="shipped embedder ONNX")
    args = parser.parse_args()
    rows = dinov3_rows(threads=args.threads, seconds=args.seconds)
    rows += default_rows(args.default, threads=args.threads, seconds=args.seconds)
    print_table(rows, threads=args.threads)


if __name__ == "__main__":
    main()
