"""Tests of the onnxruntime runner on a small exported model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from models.export.onnx import export_onnx
from models.runtime.onnx_runner import OnnxRunner, available_providers


@pytest.fixture(scope="module")
def model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 2, 3, padding=1), nn.ReLU())
    meta = {"input_names": ["image"], "output_names": ["feat"], "input_size": [8, 12], "version": "t"}
    return export_onnx(net, (torch.rand(1, 3, 8, 12),), tmp_path_factory.mktemp("m") / "net.onnx", meta=meta)


def test_runner_runs_and_reads_sidecar(model_path: Path) -> None:
    runner = OnnxRunner(model_path, threads=1)
    assert runner.input_size == (8, 12) and runner.input_names == ["image"]
    out = runner.run({"image": np.ones((1, 3, 8, 12), np.float32)})
    assert list(out) == ["feat"] and out["feat"].shape == (1, 2, 8, 12) and (out["feat"] >= 0).all()
    assert runner.providers[-1] == "CPUExecutionProvider"


@pytest.mark.parametrize("prefer_cuda", [True, False])
def test_available_providers_end_with_cpu(prefer_cuda: bool) -> None:
    providers = available_providers(prefer_cuda=prefer_cuda)
    assert providers[-1] == "CPUExecutionProvider"
    assert prefer_cuda or "CUDAExecutionProvider" not in providers


def test_runner_missing_input(model_path: Path) -> None:
    with pytest.raises(KeyError, match="missing inputs"):
        OnnxRunner(model_path, warmup=False).run({})


@pytest.mark.parametrize("name", ["absent.onnx"])
def test_runner_missing_model(tmp_path: Path, name: str) -> None:
    with pytest.raises(FileNotFoundError):
        OnnxRunner(tmp_path / name)
