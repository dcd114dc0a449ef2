"""DINOv3 ViT-S/16: shapes, RoPE, strict loading of official and Hugging Face checkpoints, parity with
transformers' own DINOv3ViTModel."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from models.nn.dinov3 import (
    CheckpointMismatchError,
    DINOv3Weights,
    DinoVisionTransformer,
    RopePositionEmbedding,
    dinov3_vits16,
    load_checkpoint,
    official_to_hf,
)

TINY = {"embed_dim": 64, "depth": 2, "num_heads": 2, "n_storage_tokens": 4}


def _tiny(seed: int = 0) -> DinoVisionTransformer:
    torch.manual_seed(seed)
    model = DinoVisionTransformer(**TINY, layerscale_init=1.0)
    with torch.no_grad():
        for p in model.parameters():  # non-zero biases and scales, so a wrong mapping shows
            p.add_(0.05 * torch.randn_like(p))
    return model.eval()


@pytest.mark.parametrize(("h", "w", "batch"), [(32, 32, 1), (48, 32, 2), (16, 64, 0)])
def test_forward_features_shapes(h: int, w: int, batch: int) -> None:
    model = _tiny()
    out = model.forward_features(torch.randn(batch, 3, h, w))
    n_patches = (h // 16) * (w // 16)
    assert out["x_norm_clstoken"].shape == (batch, 64)
    assert out["x_storage_tokens"].shape == (batch, 4, 64)
    assert out["x_norm_patchtokens"].shape == (batch, n_patches, 64)
    assert torch.isfinite(out["x_norm_patchtokens"]).all()


def test_vits16_is_the_published_size() -> None:
    model = dinov3_vits16()
    n_params = sum(p.numel() for p in model.parameters())
    assert 21.5e6 < n_params < 21.7e6  # DINOv3 ViT-S/16: 21.6M
    assert model(torch.zeros(1, 3, 224, 224)).shape == (1, 384)
    assert len(model.blocks) == 12 and model.n_storage_tokens == 4


@pytest.mark.parametrize(("h", "w"), [(1, 1), (2, 3), (14, 14)])
def test_rope_tables(h: int, w: int) -> None:
    rope = RopePositionEmbedding(embed_dim=384, num_heads=6).eval()
    sin, cos = rope(h=h, w=w)
    assert sin.shape == cos.shape == (h * w, 64)
    torch.testing.assert_close(sin**2 + cos**2, torch.ones_like(sin))
    assert torch.allclose(rope.periods[0], torch.tensor(1.0)) and rope.periods.shape == (16,)


def test_rope_makes_patch_order_matter() -> None:
    model = _tiny()
    img = torch.randn(1, 3, 32, 64)
    swapped = torch.cat([img[..., 32:], img[..., :32]], dim=-1)
    assert not torch.allclose(model(img), model(swapped), atol=1e-4)


def test_official_layout_round_trip(tmp_path: Path) -> None:
    source = _tiny(seed=1)
    path = tmp_path / "dinov3_vits16_pretrain_lvd1689m-test.pth"
    torch.save(source.state_dict(), path)
    target = DinoVisionTransformer(**TINY).eval()
    assert load_checkpoint(target, path) == "official"
    img = torch.randn(2, 3, 32, 32)
    torch.testing.assert_close(target(img), source(img))


@pytest.mark.parametrize(("drop", "add"), [("blocks.1.ls1.gamma", None), (None, "blocks.9.ls1.gamma")])
def test_official_layout_is_strict(tmp_path: Path, drop: str | None, add: str | None) -> None:
    state = _tiny().state_dict()
    if drop:
        del state[drop]
    if add:
        state[add] = torch.ones(64)
    torch.save(state, tmp_path / "ckpt.pth")
    with pytest.raises(CheckpointMismatchError) as err:
        load_checkpoint(DinoVisionTransformer(**TINY), tmp_path / "ckpt.pth")
    assert (drop or add) in str(err.value)


@pytest.mark.parametrize("prefix", ["layer.", "model.layer."])
def test_hf_layout_round_trip(tmp_path: Path, prefix: str) -> None:
    from safetensors.torch import save_file

    source = _tiny(seed=2)
    save_file(official_to_hf(source.state_dict(), prefix=prefix), str(tmp_path / "model.safetensors"))
    target = DinoVisionTransformer(**TINY).eval()
    assert load_checkpoint(target, tmp_path) == "hf"
    img = torch.randn(1, 3, 48, 48)
    torch.testing.assert_close(target(img), source(img))


def test_hf_layout_is_strict(tmp_path: Path) -> None:
    from safetensors.torch import save_file

    state = official_to_hf(_tiny().state_dict())
    del state["layer.0.attention.q_proj.bias"]
    state["layer.0.attention.k_proj.bias"] = torch.zeros(64)
    save_file(state, str(tmp_path / "model.safetensors"))
    with pytest.raises(CheckpointMismatchError) as err:
        load_checkpoint(DinoVisionTransformer(**TINY), tmp_path / "model.safetensors")
    assert err.value.missing == ["layer.0.attention.q_proj.bias"]
    assert err.value.unexpected == ["layer.0.attention.k_proj.bias"]


def test_matches_transformers_dinov3(tmp_path: Path) -> None:
    """A randomly initialised transformers DINOv3ViTModel, saved and loaded into ours, gives its outputs."""
    from transformers import DINOv3ViTConfig, DINOv3ViTModel

    config = DINOv3ViTConfig(
        hidden_size=64,
        intermediate_size=256,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_register_tokens=4,
        image_size=32,
        patch_size=16,
    )
    torch.manual_seed(3)
    hf = DINOv3ViTModel(config).eval()
    with torch.no_grad():
        for p in hf.parameters():
            p.add_(0.05 * torch.randn_like(p))
    hf.save_pretrained(tmp_path)
    ours = DinoVisionTransformer(**TINY, layerscale_init=1.0).eval()
    assert load_checkpoint(ours, tmp_path) == "hf"
    img = torch.randn(2, 3, 48, 64)
    with torch.no_grad():
        want = hf(pixel_values=img).last_hidden_state
        got = ours.forward_features(img)
    torch.testing.assert_close(got["x_norm_clstoken"], want[:, 0], atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(got["x_storage_tokens"], want[:, 1:5], atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(got["x_norm_patchtokens"], want[:, 5:], atol=1e-5, rtol=1e-4)


def test_builder_needs_a_checkpoint_for_pretrained_weights() -> None:
    with pytest.raises(ValueError, match="checkpoint"):
        dinov3_vits16(weights=DINOv3Weights.LVD1689M)
