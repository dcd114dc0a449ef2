"""ONNX export of the behaviour model (via `models.export.onnx.export_onnx`, parity-checked against torch)."""

from __future__ import annotations

import json
from pathlib import Path

import torch

from models.behaviour.train import BehaviourModel
from models.pipeline.types import BEHAVIOURS

ONNX_FILE = "behaviour.onnx"


def export_behaviour_onnx(model: BehaviourModel, directory: Path) -> Path:
    """Write ``behaviour.onnx`` + sidecar: input ``windows`` [B, F, W] standardised float32 -> ``logits``.

    Args:
        model: the trained model (its mean/std go into the sidecar; callers standardise before the run).
            The sidecar is the bundle's ``behaviour.json``: its other fields (training facts) are kept.
        directory: bundle directory.

    Returns:
        Path of the ONNX file.
    """
    from models.export.onnx import export_onnx, sidecar_path

    example = torch.randn(4, len(model.feature_names), model.window)
    previous = sidecar_path(directory / ONNX_FILE)  # behaviour.json: keep the training facts stored there
    kept = json.loads(previous.read_text()) if previous.is_file() else {}
    meta = {
        **kept,
        "input_names": ["windows"],
        "output_names": ["logits"],
        "features": list(model.feature_names),
        "classes": list(BEHAVIOURS),
        "window": model.window,
        "mean": model.mean.tolist(),
        "std": model.std.tolist(),
        "version": 1,
    }
    axes = {"windows": {0: "batch"}, "logits": {0: "batch"}}
    return export_onnx(model.net, (example,), directory / ONNX_FILE, meta=meta, dynamic_axes=axes)
