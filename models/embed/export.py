"""ONNX export of embedders (through `models.export.onnx.export_onnx`) and int8 quantisation.

The graph takes ``images`` Nx3xSxS float32 (normalised as the sidecar's ``crop`` says) and returns ``vectors``
NxD float32 (raw; the `Embedder` stage L2-normalises), with a dynamic batch axis. The sidecar carries the
`CropSpec` under ``crop`` plus ``mean``, ``std``, ``input_size`` and ``dim``.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch

from models.embed.crops import CropSpec
from models.export.onnx import export_onnx, read_sidecar

INPUT_NAME = "images"
OUTPUT_NAME = "vectors"


def export_embedder(
    module: torch.nn.Module, path: Path, *, spec: CropSpec, meta: dict[str, Any], tolerance: float = 1e-4
) -> dict[str, Any]:
    """Export ``module`` to ONNX with its sidecar, checked against torch on a random batch of 2.

    Args:
        module: maps Nx3xSxS float32 to NxD float32.
        path: the ``.onnx`` file to write (sidecar ``.json`` beside it).
        spec: input size and normalisation.
        meta: extra sidecar fields (name, version, training metrics...).
        tolerance: largest allowed |onnxruntime - torch|.

    Returns:
        The sidecar as written, including ``parity_max_abs_diff``.
    """
    module = module.eval()
    example = torch.randn(2, 3, spec.size, spec.size, generator=torch.Generator().manual_seed(0))
    with torch.inference_mode():
        dim = int(module(example).shape[1])
    sidecar = {
        **meta,
        "input_names": [INPUT_NAME],
        "output_names": [OUTPUT_NAME],
        "input_size": [spec.size, spec.size],
        "mean": list(spec.mean),
        "std": list(spec.std),
        "crop": asdict(spec),
        "dim": dim,
    }
    dynamic = {INPUT_NAME: {0: "batch"}, OUTPUT_NAME: {0: "batch"}}
    export_onnx(module, (example,), path, meta=sidecar, tolerance=tolerance, dynamic_axes=dynamic)
    return read_sidecar(path)


def quantize_int8(src: Path, dst: Path) -> Path:
    """Dynamic int8 quantisation (int8 weights, activations quantised at run time); copies the sidecar."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from models.export.onnx import sidecar_path

    quantize_dynamic(str(src), str(dst), weight_type=QuantType.QInt8)
    sidecar_path(dst).write_text(sidecar_path(src).read_text())
    return dst


def spec_from_sidecar(sidecar: dict[str, Any]) -> CropSpec:
    """The `CropSpec` stored by `export_embedder`."""
    crop = sidecar["crop"]
    mean = (float(crop["mean"][0]), float(crop["mean"][1]), float(crop["mean"][2]))
    std = (float(crop["std"][0]), float(crop["std"][1]), float(crop["std"][2]))
    return CropSpec(size=int(crop["size"]), mean=mean, std=std, margin=float(crop["margin"]))
