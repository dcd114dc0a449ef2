"""Tests of the generic ONNX export with sidecar and parity check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from torch import nn

from models.export.onnx import ExportParityError, export_onnx, read_sidecar, sidecar_path


class _TwoHeads(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        y = self.conv(x)
        return torch.sigmoid(y[:, :1]), y.mean(dim=(2, 3))


class _Noisy(nn.Module):
    """Computes something else while being exported than when run eagerly, so parity must fail."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x if torch.onnx.is_in_onnx_export() else x + 1.0


META = {"input_names": ["image"], "output_names": ["heat", "pooled"], "mean": [0.5] * 3, "std": [0.25] * 3,
        "input_size": [16, 24], "version": "test"}


def test_export_writes_model_and_sidecar(tmp_path: Path) -> None:
    torch.manual_seed(0)
    path = export_onnx(_TwoHeads(), (torch.rand(1, 3, 16, 24),), tmp_path / "sub" / "m.onnx", meta=META)
    assert path.exists() and sidecar_path(path) == tmp_path / "sub" / "m.json"
    side = read_sidecar(path)
    assert side["output_names"] == ["heat", "pooled"] and side["input_size"] == [16, 24]
    assert 0.0 <= side["parity_max_abs_diff"] < 1e-4
    assert json.loads(sidecar_path(path).read_text()) == side


@pytest.mark.parametrize("meta", [{}, {"input_names": ["x"]}, {"output_names": ["y"]}])
def test_export_refuses_incomplete_meta(tmp_path: Path, meta: dict) -> None:
    with pytest.raises(ValueError, match="required"):
        export_onnx(_TwoHeads(), (torch.rand(1, 3, 8, 8),), tmp_path / "m.onnx", meta=meta)


def test_export_raises_when_parity_fails(tmp_path: Path) -> None:
    meta = {"input_names": ["x"], "output_names": ["y"]}
    with pytest.raises(ExportParityError):
        export_onnx(_Noisy(), (torch.ones(1, 3, 4, 4),), tmp_path / "m.onnx", meta=meta)
    assert not (tmp_path / "m.onnx").exists() and not (tmp_path / "m.json").exists()


def test_read_sidecar_missing(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="sidecar"):
        read_sidecar(tmp_path / "none.onnx")


@pytest.mark.parametrize(("storage", "max_ratio"), [("fp32", 1.1), ("fp16", 0.6), ("int8", 0.35)])
def test_compact_weight_storage_shrinks_the_file(tmp_path: Path, storage: str, max_ratio: float) -> None:
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 64, 3, padding=1), nn.ReLU(), nn.Conv2d(64, 64, 3, padding=1))
    meta = {"input_names": ["x"], "output_names": ["y"]}
    path = export_onnx(net, (torch.rand(1, 3, 16, 16),), tmp_path / "m.onnx", meta=meta, tolerance=2e-2,
                       weights_fp16=storage == "fp16", weights_int8=storage == "int8")
    params_bytes = sum(p.numel() for p in net.parameters()) * 4
    assert params_bytes * (max_ratio - 0.5) < path.stat().st_size < params_bytes * max_ratio
    side = read_sidecar(path)
    assert side["weights_int8"] is (storage == "int8") and side["parity_max_abs_diff"] < 2e-2
