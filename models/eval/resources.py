"""Resource figures: parameter count, peak process memory, peak CUDA memory, frames per second."""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any


def count_parameters(module: Any, *, trainable_only: bool = False) -> int:
    """Number of parameters of a torch ``nn.Module`` (shared tensors counted once).

    Args:
        module: a torch.nn.Module.
        trainable_only: count only parameters with ``requires_grad``.
    """
    seen: set[int] = set()
    total = 0
    for p in module.parameters():
        if id(p) in seen or (trainable_only and not p.requires_grad):
            continue
        seen.add(id(p))
        total += p.numel()
    return total


def peak_rss_bytes() -> int:
    """Peak resident set size of this process so far, bytes (``getrusage``; Linux KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak) if sys.platform == "darwin" else int(peak) * 1024


def current_rss_bytes() -> int:
    """Current resident set size of this process, bytes (from /proc; falls back to the peak)."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
    except OSError:
        return peak_rss_bytes()
    return pages * resource.getpagesize()


def peak_cuda_bytes() -> int | None:
    """Peak CUDA memory allocated by torch on the current device, bytes; None without CUDA."""
    import torch

    if not torch.cuda.is_available():
        return None
    return int(torch.cuda.max_memory_allocated())


def measure_fps(
    step: Callable[[Any], Any], frames: Iterable[Any], *, warmup: int = 1, sync_cuda: bool = True
) -> dict[str, float]:
    """Frames per second of ``step`` called once per frame.

    Args:
        step: called with each frame; its result is discarded.
        frames: the frames (any objects); the first ``warmup`` are run but not timed.
        warmup: untimed leading calls (model warm-up, lazy allocation).
        sync_cuda: synchronise CUDA before reading the clock, when torch and CUDA are present.

    Returns:
        "fps" (timed frames / wall seconds, NaN with no timed frame), "frames" (timed), "seconds",
        "ms_per_frame".
    """
    sync = _cuda_sync if sync_cuda else _no_sync
    timed = 0
    start = 0.0
    for k, frame in enumerate(frames):
        if k == warmup:
            sync()
            start = time.perf_counter()
        step(frame)
        timed += k >= warmup
    sync()
    seconds = time.perf_counter() - start if timed else 0.0
    nan = float("nan")
    return {
        "fps": timed / seconds if timed and seconds > 0 else nan,
        "frames": float(timed),
        "seconds": seconds,
        "ms_per_frame": 1000.0 * seconds / timed if timed else nan,
    }


def _no_sync() -> None:
    return None


def _cuda_sync() -> None:
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        torch.cuda.synchronize()


def resource_summary(module: Any | None = None) -> dict[str, float | None]:
    """Parameters (if a module is given), peak RSS and peak CUDA memory, in MiB and millions.

    Returns:
        "params_m" (millions, or None), "peak_rss_mib", "peak_cuda_mib" (None without CUDA).
    """
    cuda = peak_cuda_bytes() if "torch" in sys.modules else None
    return {
        "params_m": None if module is None else count_parameters(module) / 1e6,
        "peak_rss_mib": peak_rss_bytes() / 2**20,
        "peak_cuda_mib": None if cuda is None else cuda / 2**20,
    }
