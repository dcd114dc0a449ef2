"""Tests of initialising the lite network from an exported bundle (`models.train.lite_init`)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch

from models.export.lite import export_lite
from models.nn.lite import LiteConfig, LiteNet
from models.train.lite import TrainConfig, train_lite
from models.train.lite_init import BundleInitError, bundle_state_dict, init_from_bundle, scope_to_module
from tests.models.train.test_lite import _boxes_source

SMALL = LiteConfig(variant="tiny_vit_1m", input_height=64, input_width=96, fpn_channels=16, embed_dim=8)
SHIPPED = Path(__file__).resolve().parents[3] / "models" / "bundles" / "default" / "tracker.onnx"


def _as_stored(value: torch.Tensor) -> torch.Tensor:
    """A weight as `export_lite` stores it: float16-rounded from 1,024 values up, else float32."""
    return value.half().float() if value.numel() >= 1024 else value


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> tuple[LiteNet, Path]:
    """A small network with every parameter perturbed (distinct values, as after training) and its export.

    Untrained parameters repeat (zero biases, unit GroupNorm weights) and the exporter merges identical
    initializers, which `bundle_state_dict` refuses (see `test_an_untrained_bundle_is_refused`).
    """
    torch.manual_seed(1)
    model = LiteNet(SMALL)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.05)
    path = tmp_path_factory.mktemp("bundle") / "tracker.onnx"
    export_lite(model, path)
    return model, path


@pytest.mark.parametrize(
    ("node", "module"),
    [
        ("/trunk/stages.1/blocks/blocks.0/attn/qkv/MatMul", "trunk.stages.1.blocks.0.attn.qkv"),
        ("/heat_head/heat_head.0/heat_head.0.1/Mul", "heat_head.0.1"),
        ("/fpn/smooth/smooth.1/Add", "fpn.smooth.1"),
        ("/trunk/patch_embed/conv1/bn/Mul", "trunk.patch_embed.conv1.bn"),
    ],
)
def test_scope_to_module(node: str, module: str) -> None:
    assert scope_to_module(node) == module


def test_bundle_weights_round_trip_every_parameter(bundle: tuple[LiteNet, Path]) -> None:
    model, path = bundle
    config, state = bundle_state_dict(path)
    assert config == SMALL
    reference = model.state_dict()
    assert set(state) == set(reference)
    for name, value in reference.items():
        np.testing.assert_array_equal(state[name].numpy(), _as_stored(value).numpy(), err_msg=name)


def test_init_from_bundle_reproduces_the_bundle_outputs(bundle: tuple[LiteNet, Path]) -> None:
    _, path = bundle
    model = init_from_bundle(path, config=SMALL, tolerance=1e-4)
    assert model.training and model.config == SMALL


def test_init_from_bundle_refuses_another_network(bundle: tuple[LiteNet, Path]) -> None:
    _, path = bundle
    other = LiteConfig(variant="tiny_vit_1m", input_height=64, input_width=96, fpn_channels=32, embed_dim=8)
    with pytest.raises(BundleInitError, match="differs"):
        init_from_bundle(path, config=other)


def test_a_missing_or_misshapen_initializer_is_refused(bundle: tuple[LiteNet, Path], tmp_path: Path) -> None:
    _, path = bundle
    proto = onnx.load(str(path))
    dropped = [i for i in proto.graph.initializer if i.name.startswith("onnx::MatMul")][0]
    proto.graph.initializer.remove(dropped)
    broken = tmp_path / "tracker.onnx"
    onnx.save(proto, str(broken))
    broken.with_suffix(".json").write_text(path.with_suffix(".json").read_text())
    with pytest.raises(BundleInitError, match="not in the bundle"):
        bundle_state_dict(broken)
    meta = json.loads(path.with_suffix(".json").read_text())
    meta["lite_config"]["embed_dim"] = 16  # the sidecar now describes a network the weights do not fit
    onnx.save(onnx.load(str(path)), str(broken))
    broken.with_suffix(".json").write_text(json.dumps(meta))
    with pytest.raises(BundleInitError, match="shape"):
        bundle_state_dict(broken)


def test_an_untrained_bundle_is_refused(tmp_path: Path) -> None:
    torch.manual_seed(0)
    path = export_lite(LiteNet(SMALL), tmp_path / "tracker.onnx")
    with pytest.raises(BundleInitError, match="not in the bundle|read by"):
        bundle_state_dict(path)


@pytest.mark.skipif(not SHIPPED.exists(), reason="no shipped bundle")
def test_the_shipped_bundle_loads_strictly() -> None:
    model = init_from_bundle(SHIPPED)
    assert model.config.variant == "tiny_vit_1m"
    assert sum(p.numel() for p in model.parameters()) > 1_000_000


def test_a_fresh_run_starts_from_the_bundle(bundle: tuple[LiteNet, Path], tmp_path: Path) -> None:
    model, path = bundle
    crop = (SMALL.input_height, SMALL.input_width)
    cfg = TrainConfig(
        steps=1,
        batch_size=2,
        crop=crop,
        lite=SMALL,
        warmup_steps=1,
        lr=1e-9,
        weight_decay=0.0,
        init_from=str(path),
        checkpoint_every=1,
    )
    train_lite(tmp_path, cfg, [(_boxes_source, 1.0)])
    trained = torch.load(tmp_path / "checkpoint.pt", map_location="cpu", weights_only=False)["model"]
    for name, value in model.state_dict().items():  # one step at lr 1e-9: still the bundle's weights
        torch.testing.assert_close(trained[name], _as_stored(value), atol=1e-6, rtol=0, msg=name)
    assert json.loads((tmp_path / "config.json").read_text())["init_from"] == str(path)
