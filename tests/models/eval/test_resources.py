"""Resource measurements on small real torch modules and callables."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from models.eval.resources import (
    count_parameters,
    current_rss_bytes,
    measure_fps,
    peak_cuda_bytes,
    peak_rss_bytes,
    resource_summary,
)


def test_count_parameters_by_hand() -> None:
    layer = torch.nn.Linear(3, 2)  # 3*2 weights + 2 biases
    model = torch.nn.Sequential(layer, torch.nn.ReLU(), layer, torch.nn.Linear(2, 1, bias=False))
    assert count_parameters(model) == 8 + 2  # shared layer once
    model[3].weight.requires_grad_(False)
    assert count_parameters(model, trainable_only=True) == 8


def test_peak_rss_grows_with_a_large_allocation() -> None:
    before = peak_rss_bytes()
    block = np.ones(64 * 2**20 // 8)  # 64 MiB touched
    assert current_rss_bytes() > 32 * 2**20
    assert peak_rss_bytes() >= max(before, 64 * 2**20)
    del block


def test_peak_cuda_is_none_without_cuda() -> None:
    if torch.cuda.is_available():
        pytest.skip("CUDA present: covered by the GPU benchmark instead")
    assert peak_cuda_bytes() is None
    assert resource_summary()["peak_cuda_mib"] is None


@pytest.mark.parametrize(("n_frames", "warmup", "timed"), [(0, 1, 0), (1, 1, 0), (5, 1, 4), (5, 0, 5)])
def test_measure_fps_counts_timed_frames(n_frames: int, warmup: int, timed: int) -> None:
    calls: list[int] = []
    result = measure_fps(calls.append, range(n_frames), warmup=warmup)
    assert calls == list(range(n_frames)) and result["frames"] == timed
    assert math.isnan(result["fps"]) is (timed == 0)


def test_measure_fps_of_a_slow_step() -> None:
    import time

    result = measure_fps(lambda _: time.sleep(0.01), range(6), warmup=1)
    assert 1 < result["fps"] <= 100.5  # 5 calls of >= 10 ms each: never faster than 100 fps


def test_resource_summary_with_module() -> None:
    summary = resource_summary(torch.nn.Linear(1000, 1000))
    assert summary["params_m"] == pytest.approx(1.001)
    assert summary["peak_rss_mib"] is not None and summary["peak_rss_mib"] > 0
