"""Export a torch module to ONNX with a sidecar JSON, then check onnxruntime against torch.

The sidecar (``<name>.json`` beside ``<name>.onnx``) carries what a runner needs to feed the model:
input names and shapes, normalisation mean/std, output names, a version string, plus the measured parity
(maximum absolute difference between torch and onnxruntime outputs on the example inputs).

Example:
    >>> export_onnx(model.eval(), (torch.zeros(1, 3, 384, 384),), Path("tracker.onnx"),
    ...             meta={"input_names": ["image"], "output_names": ["heatmap", "boxes"],
    ...                   "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225], "version": "1"})
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

log = logging.getLogger(__name__)

REQUIRED_META = ("input_names", "output_names")


class ExportParityError(RuntimeError):
    """onnxruntime's outputs differ from torch's by more than the tolerance."""


def sidecar_path(onnx_path: Path) -> Path:
    """The sidecar JSON path for a model path: ``x/tracker.onnx`` -> ``x/tracker.json``."""
    return Path(onnx_path).with_suffix(".json")


def _torch_outputs(module: torch.nn.Module, inputs: tuple[torch.Tensor, ...]) -> list[np.ndarray]:
    """Run ``module`` once without gradients; a single tensor output becomes a one-element list."""
    with torch.no_grad():
        out = module(*inputs)
    if isinstance(out, torch.Tensor):
        out = (out,)
    return [o.detach().cpu().numpy() for o in out]


OutputDiff = Callable[[int, np.ndarray, np.ndarray], float]
"""(output index, onnxruntime output, torch output) -> that output's difference (e.g. max |a - b|)."""


def max_abs_diff(_: int, got: np.ndarray, expected: np.ndarray) -> float:
    """Largest |onnx - torch| of one output (0.0 for an empty output)."""
    return float(np.max(np.abs(got - expected))) if expected.size else 0.0


def parity_max_abs_diff(
    onnx_path: Path, input_names: list[str], inputs: tuple[torch.Tensor, ...], expected: list[np.ndarray],
    *, output_diff: OutputDiff = max_abs_diff,
) -> float:
    """Run the ONNX file in onnxruntime (CPU) and return the largest per-output difference from torch.

    ``output_diff`` measures one output (default: max absolute difference).
    """
    import onnxruntime as ort

    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    feeds = {name: t.detach().cpu().numpy() for name, t in zip(input_names, inputs, strict=True)}
    got = session.run(None, feeds)
    if len(got) != len(expected):
        raise ExportParityError(f"onnx model has {len(got)} outputs, torch has {len(expected)}")
    diffs = [output_diff(i, g, e) for i, (g, e) in enumerate(zip(got, expected, strict=True))]
    return max(diffs, default=0.0)


def store_weights_fp16(path: Path, *, min_elements: int = 1024) -> int:
    """Rewrite an ONNX file so that large float32 weights are stored as float16 (half the file size).

    Each float32 initializer with at least ``min_elements`` values becomes a float16 initializer followed by
    a ``Cast`` back to float32 under the original name, so the graph still computes in float32 (onnxruntime
    folds the casts when it loads the model). Returns the number of initializers converted.
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load(str(path))
    graph = model.graph
    casts, kept, converted = [], [], 0
    for init in graph.initializer:
        arr = numpy_helper.to_array(init)
        if init.data_type != TensorProto.FLOAT or arr.size < min_elements:
            kept.append(init)
            continue
        kept.append(numpy_helper.from_array(arr.astype(np.float16), f"{init.name}__fp16"))
        casts.append(helper.make_node("Cast", [f"{init.name}__fp16"], [init.name], to=TensorProto.FLOAT))
        converted += 1
    del graph.initializer[:]
    graph.initializer.extend(kept)
    nodes = casts + list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes)
    onnx.save(model, str(path))
    return converted


def store_weights_int8(path: Path, *, min_elements: int = 1024) -> int:
    """Rewrite an ONNX file so that large float32 weights are stored as int8 (a quarter of the size).

    Weight-only quantisation: each float32 initializer with at least ``min_elements`` values is stored as
    symmetric int8 with one float32 scale per slice along axis 0 (per output channel for convolutions),
    followed by a ``DequantizeLinear`` back to float32 under the original name; activations stay float32.
    Returns the number of initializers converted.
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load(str(path))
    graph = model.graph
    nodes, kept, converted = [], [], 0
    for init in graph.initializer:
        arr = numpy_helper.to_array(init)
        if init.data_type != TensorProto.FLOAT or arr.size < min_elements or arr.ndim < 2:
            kept.append(init)
            continue
        flat = arr.reshape(arr.shape[0], -1)
        scale = np.maximum(np.abs(flat).max(axis=1), 1e-12) / 127.0
        q = np.clip(np.round(flat / scale[:, None]), -127, 127).astype(np.int8).reshape(arr.shape)
        kept += [numpy_helper.from_array(q, f"{init.name}__q"),
                 numpy_helper.from_array(scale.astype(np.float32), f"{init.name}__scale")]
        nodes.append(helper.make_node("DequantizeLinear", [f"{init.name}__q", f"{init.name}__scale"],
                                      [init.name], axis=0))
        converted += 1
    del graph.initializer[:]
    graph.initializer.extend(kept)
    all_nodes = nodes + list(graph.node)
    del graph.node[:]
    graph.node.extend(all_nodes)
    onnx.save(model, str(path))
    return converted


def export_onnx(
    module: torch.nn.Module,
    example_inputs: tuple[torch.Tensor, ...],
    path: Path,
    *,
    meta: dict[str, Any],
    tolerance: float = 1e-3,
    dynamic_axes: dict[str, dict[int, str]] | None = None,
    opset: int = 17,
    weights_fp16: bool = False,
    weights_int8: bool = False,
    output_diff: OutputDiff = max_abs_diff,
) -> Path:
    """Export ``module`` to ``path`` (ONNX) and write its sidecar JSON, after a parity check.

    Args:
        module: the model, put in eval mode here. Its forward takes ``example_inputs`` positionally and
            returns a tensor or a tuple of tensors (in the order of ``meta["output_names"]``).
        example_inputs: tensors used for tracing and for the parity check (e.g. 1x3xHxW float32).
        path: destination ``.onnx`` file; parent folders are created.
        meta: sidecar fields; must hold ``input_names`` and ``output_names``; usually also ``mean``,
            ``std`` (per channel, for 0-1 RGB input), ``input_size`` ([H, W]) and ``version``.
        tolerance: largest allowed |onnxruntime - torch| over all outputs.
        dynamic_axes: optional dynamic axes, as in `torch.onnx.export`.
        opset: ONNX opset version.
        weights_fp16: store large weights as float16 (`store_weights_fp16`); the parity check runs on the
            stored file, so ``tolerance`` must allow for half-precision weights.
        weights_int8: store large weights as per-channel int8 (`store_weights_int8`), same caveat.
        output_diff: how one output's difference is measured (default: max absolute difference; a
            discontinuous output such as a peak map needs its own, see `models.export.lite`).

    Returns:
        ``path``. The sidecar is at `sidecar_path(path)` and records ``parity_max_abs_diff``.

    Raises:
        ValueError: when ``meta`` lacks a required field.
        ExportParityError: when the parity difference exceeds ``tolerance`` (the files are removed).
    """
    missing = [k for k in REQUIRED_META if k not in meta]
    if missing:
        raise ValueError(f"meta lacks required fields {missing}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    module = module.eval()
    torch.onnx.export(
        module, example_inputs, str(path), input_names=list(meta["input_names"]),
        output_names=list(meta["output_names"]), opset_version=opset, dynamo=False,
        dynamic_axes=dynamic_axes, do_constant_folding=True,
    )
    if weights_fp16:
        store_weights_fp16(path)
    elif weights_int8:
        store_weights_int8(path)
    expected = _torch_outputs(module, example_inputs)
    diff = parity_max_abs_diff(
        path, list(meta["input_names"]), example_inputs, expected, output_diff=output_diff
    )
    log.info("onnx parity for %s: max abs diff %.3g", path.name, diff)
    if not diff <= tolerance:
        path.unlink(missing_ok=True)
        sidecar_path(path).unlink(missing_ok=True)
        raise ExportParityError(f"onnxruntime differs from torch by {diff:.3g} > tolerance {tolerance:.3g}")
    sidecar = {**meta, "parity_max_abs_diff": diff, "opset": opset, "weights_fp16": weights_fp16,
               "weights_int8": weights_int8}
    sidecar_path(path).write_text(json.dumps(sidecar, indent=2, sort_keys=True))
    return path


def read_sidecar(onnx_path: Path) -> dict[str, Any]:
    """Load the sidecar JSON of a model file.

    Raises:
        FileNotFoundError: with a clear message when the sidecar is missing.
    """
    side = sidecar_path(onnx_path)
    if not side.exists():
        raise FileNotFoundError(f"sidecar {side} not found beside model {onnx_path}")
    data: dict[str, Any] = json.loads(side.read_text())
    return data
