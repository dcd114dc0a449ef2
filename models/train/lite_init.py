"""Initialise a `LiteNet` from an exported lite bundle (``tracker.onnx`` + sidecar ``tracker.json``).

`export_lite` keeps torch's parameter names for most ONNX initializers (large ones stored as float16 under
``NAME__fp16``, cast back to float32 inside the graph), but the exporter decomposes GroupNorm and Linear
layers, so their parameters become anonymous initializers (``onnx::Mul_N`` / ``onnx::Add_N`` shaped
``[C,1,1]`` for a GroupNorm's weight / bias, ``onnx::MatMul_N`` shaped ``[in,out]`` for a Linear's
transposed weight). Those are named by the graph node that consumes them: the node name carries the module
scope (``/trunk/stages.1/blocks/blocks.0/attn/qkv/MatMul`` -> ``trunk.stages.1.blocks.0.attn.qkv``).

`bundle_state_dict` is strict: every parameter of the sidecar's network must be found exactly once with
its shape, and every initializer must be used; `init_from_bundle` also checks that the loaded torch model
reproduces the bundle's onnxruntime outputs. The exporter merges initializers with identical values, which
happens in untrained networks (zero biases, unit GroupNorm weights) but not in trained ones; such a bundle
is refused (parameters missing) rather than guessed.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from models.nn.lite import LiteConfig, LiteNet

FP16_SUFFIX = "__fp16"


class BundleInitError(ValueError):
    """The bundle's weights do not map one-to-one onto the network its sidecar describes."""


def scope_to_module(node_name: str) -> str:
    """ONNX node name -> module path: ``/heat_head/heat_head.0/heat_head.0.1/Mul`` -> ``heat_head.0.1``.

    The exporter writes one segment per called module; a child of a Sequential/ModuleList called through
    its container is written with the container's path as prefix (``blocks/blocks.0``), so a segment that
    extends the previous one replaces it.
    """
    parts = node_name.strip("/").split("/")[:-1]  # last part is the op name
    path: list[str] = []
    for seg in parts:
        if path and seg.startswith(path[-1] + "."):
            path[-1] = seg
        else:
            path.append(seg)
    return ".".join(path)


def _consumers(graph) -> dict[str, list]:  # noqa: ANN001 - onnx GraphProto
    """Tensor name -> nodes that read it."""
    out: dict[str, list] = {}
    for node in graph.node:
        for name in node.input:
            out.setdefault(name, []).append(node)
    return out


def _anonymous_param(name: str, arr: np.ndarray, consumers: dict[str, list]) -> tuple[str, np.ndarray]:
    """(torch parameter name, array in torch's layout) of an anonymous initializer, from its consumer node."""
    nodes = consumers.get(name, [])
    if len(nodes) != 1:
        raise BundleInitError(f"initializer {name} is read by {len(nodes)} nodes, expected 1")
    node = nodes[0]
    module = scope_to_module(node.name)
    if node.op_type == "Mul" and arr.ndim == 3 and arr.shape[1:] == (1, 1):
        return f"{module}.weight", arr.reshape(-1)
    if node.op_type == "Add" and arr.ndim == 3 and arr.shape[1:] == (1, 1):
        return f"{module}.bias", arr.reshape(-1)
    if node.op_type == "MatMul" and arr.ndim == 2:
        return f"{module}.weight", arr.T
    raise BundleInitError(
        f"initializer {name} {arr.shape} read by {node.op_type} {node.name}: unknown layout"
    )


def bundle_state_dict(onnx_path: Path) -> tuple[LiteConfig, dict[str, torch.Tensor]]:
    """The network config (from the sidecar) and a float32 state dict recovered from an exported bundle.

    Args:
        onnx_path: ``tracker.onnx`` written by `export_lite`; its sidecar ``.json`` must sit beside it.

    Returns:
        (LiteConfig, state dict name -> float32 tensor in torch's shapes), covering every entry of
        ``LiteNet(config).state_dict()`` exactly once.

    Raises:
        BundleInitError: a parameter missing or found twice, a shape mismatch, or an initializer left over.
    """
    import onnx
    from onnx import numpy_helper

    meta = json.loads(onnx_path.with_suffix(".json").read_text())
    config = LiteConfig(**meta["lite_config"])
    expected = {k: tuple(v.shape) for k, v in LiteNet(config).state_dict().items()}
    graph = onnx.load(str(onnx_path)).graph
    consumers = _consumers(graph)
    for node in graph.node:  # a float16 weight is read through a Cast to its float32 name
        if node.op_type == "Cast" and len(node.input) == 1 and node.input[0].endswith(FP16_SUFFIX):
            consumers[node.input[0].removesuffix(FP16_SUFFIX)] = consumers.get(node.output[0], [])
    state: dict[str, torch.Tensor] = {}
    for init in graph.initializer:
        arr = numpy_helper.to_array(init).astype(np.float32)
        name = init.name.removesuffix(FP16_SUFFIX)
        if name not in expected:
            name, arr = _anonymous_param(name, arr, consumers)
        if name not in expected:
            raise BundleInitError(f"initializer {init.name} -> {name}: not a parameter of the network")
        if name in state:
            raise BundleInitError(f"parameter {name} found twice")
        if tuple(arr.shape) != expected[name]:
            raise BundleInitError(f"{name}: bundle shape {arr.shape}, network {expected[name]}")
        state[name] = torch.from_numpy(np.ascontiguousarray(arr))
    missing = sorted(set(expected) - set(state))
    if missing:
        raise BundleInitError(f"{len(missing)} parameters not in the bundle, e.g. {missing[:3]}")
    return config, state


def init_from_bundle(
    onnx_path: Path, *, config: LiteConfig | None = None, check: bool = True, tolerance: float = 1e-3
) -> LiteNet:
    """A `LiteNet` (train mode) holding a bundle's weights (float16-rounded, as shipped) as float32.

    Args:
        onnx_path: exported ``tracker.onnx`` (sidecar beside it).
        config: the network to build; must equal the sidecar's config (variant, sizes) when given.
        check: run the bundle with onnxruntime and the loaded model with torch on one random input
            ([1,3,H,W] float32 in [0, 1] at the sidecar's input size) and compare every output.
        tolerance: largest allowed max abs difference of any output.

    Raises:
        BundleInitError: the sidecar's config differs from ``config``, the weights do not map one-to-one,
            or the outputs differ by more than ``tolerance``.
    """
    bundle_cfg, state = bundle_state_dict(onnx_path)
    if config is not None and config != bundle_cfg:
        raise BundleInitError(f"bundle network {bundle_cfg} differs from the requested {config}")
    model = LiteNet(bundle_cfg)
    model.load_state_dict(state, strict=True)
    if check:
        diff = bundle_parity(model, onnx_path)
        if diff > tolerance:
            raise BundleInitError(f"torch vs bundle outputs differ by {diff:.3g} (> {tolerance:g})")
    return model.train()


def bundle_parity(model: LiteNet, onnx_path: Path) -> float:
    """Max abs difference over all outputs of ``model`` (torch, CPU) and the bundle (onnxruntime)."""
    import onnxruntime as ort

    cfg = model.config
    image = torch.rand(1, 3, cfg.input_height, cfg.input_width, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        ref = [t.numpy() for t in model.eval().cpu()(image)]
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    got = session.run(None, {session.get_inputs()[0].name: image.numpy()})
    return max(float(np.abs(a - b).max()) for a, b in zip(ref, got, strict=True))
