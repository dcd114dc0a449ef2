"""Tests of the lite network: output shapes, NaN-free, decoding to frame pixels, letterbox geometry."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from models.nn.lite import OUTPUT_NAMES, STRIDE, LiteConfig, LiteNet, decode, letterbox_params


@pytest.fixture(scope="module")
def small_net() -> LiteNet:
    torch.manual_seed(0)
    return LiteNet(LiteConfig(input_height=64, input_width=96, fpn_channels=16, embed_dim=8)).eval()


@pytest.mark.parametrize("batch", [0, 1, 2])
def test_forward_shapes_and_finite(small_net: LiteNet, batch: int) -> None:
    with torch.no_grad():
        outs = small_net(torch.rand(batch, 3, 64, 96))
    shapes = [tuple(o.shape) for o in outs]
    h, w = 64 // STRIDE, 96 // STRIDE
    k = small_net.config.num_prototypes
    expected_channels = [1, 2, 2, 8, k, k]
    assert shapes == [(batch, c, h, w) for c in expected_channels]
    assert all(torch.isfinite(o).all() for o in outs)
    if batch:
        norms = outs[3].norm(dim=1)
        torch.testing.assert_close(norms, torch.ones_like(norms), atol=1e-4, rtol=0)


@pytest.mark.parametrize(
    ("frame_hw", "input_hw", "scale", "pad"),
    [
        ((720, 1280), (288, 512), 0.4, (0, 0)),
        ((640, 640), (288, 512), 0.45, (112, 0)),
        ((100, 100), (64, 64), 0.64, (0, 0)),
    ],
)
def test_letterbox(frame_hw, input_hw, scale, pad) -> None:
    box = letterbox_params(frame_hw, input_hw)
    assert box.scale == pytest.approx(scale) and (box.pad_x, box.pad_y) == pad


def _outputs_with_peak(h: int, w: int, cell: tuple[int, int], score: float) -> dict[str, np.ndarray]:
    outs = {n: np.zeros((1, 2, h, w), np.float32) for n in OUTPUT_NAMES}
    outs["heat"] = np.zeros((1, 1, h, w), np.float32)
    y, x = cell
    outs["heat"][0, 0, y, x] = score
    outs["size"][0, :, y, x] = np.log([4.0, 2.0])  # 32 x 16 input px
    outs["offset"][0, :, y, x] = [0.5, 0.5]
    outs["embed"][0, 0, y, x] = 1.0
    outs["coef"][0, :, y, x] = [1.0, 0.0]
    outs["proto"][0, 0] = 1.0  # positive everywhere: mask = the box
    return outs


@pytest.mark.parametrize(("score", "expected"), [(0.9, 1), (0.05, 0)])
def test_decode_to_frame_pixels(score: float, expected: int) -> None:
    outs = _outputs_with_peak(36, 64, (10, 20), score)
    box = letterbox_params((720, 1280), (288, 512))
    det = decode(outs, box, (720, 1280), score_threshold=0.1)
    assert len(det["xyxy"]) == expected and det["mask"].shape == (expected, 720, 1280)
    if expected:
        cx, cy = (20.5 * 8) / 0.4, (10.5 * 8) / 0.4
        np.testing.assert_allclose(det["xyxy"][0], [cx - 40, cy - 20, cx + 40, cy + 20], atol=1e-3)
        assert det["mask"][0].sum() == pytest.approx(80 * 40, rel=0.05)
        assert det["embedding"].shape == (1, 2)


def test_small_trunk_variant_is_much_smaller_and_keeps_the_output_layout() -> None:
    torch.manual_seed(0)
    small = LiteNet(LiteConfig(variant="tiny_vit_1m", input_height=64, input_width=96)).eval()
    assert small.trunk.feature_info.channels() == [64, 128, 160]
    assert small.trunk.feature_info.reductions() == [8, 16, 32]
    n_small = sum(p.numel() for p in small.parameters())
    n_default = sum(p.numel() for p in LiteNet(LiteConfig()).parameters())
    assert n_small < 1_500_000 < 5_000_000 < n_default
    assert any(k.startswith("trunk.stages.2.blocks.1.attn.") for k in small.state_dict())
    with torch.no_grad():
        outs = small(torch.rand(1, 3, 64, 96))
    assert [tuple(o.shape[1:]) for o in outs] == [(1, 8, 12), (2, 8, 12), (2, 8, 12), (64, 8, 12),
                                                  (8, 8, 12), (8, 8, 12)]
