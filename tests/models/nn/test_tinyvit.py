"""TinyViT: shapes at any size, timm-compatible names, strict checkpoint loading."""

from __future__ import annotations

import pytest
import torch

from models.nn.tinyvit import (
    VARIANTS,
    CheckpointMismatchError,
    build_tinyvit,
    load_timm_checkpoint,
    window_bias_index,
)

_BN_STATS = ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")


def _conv_norm_keys(prefix: str) -> list[str]:
    return [f"{prefix}.conv.weight"] + [f"{prefix}.bn.{s}" for s in _BN_STATS]


def timm_key_names(variant: str) -> list[str]:
    """The state-dict keys of timm's TinyVit for ``variant``, written out from timm's module layout."""
    spec = VARIANTS[variant]
    keys = _conv_norm_keys("patch_embed.conv1") + _conv_norm_keys("patch_embed.conv2")
    for i in range(spec.depths[0]):
        for c in ("conv1", "conv2", "conv3"):
            keys += _conv_norm_keys(f"stages.0.blocks.{i}.{c}")
    for s in range(1, 4):
        for c in ("conv1", "conv2", "conv3"):
            keys += _conv_norm_keys(f"stages.{s}.downsample.{c}")
        for i in range(spec.depths[s]):
            b = f"stages.{s}.blocks.{i}"
            keys += [f"{b}.attn.attention_biases", f"{b}.attn.attention_bias_idxs"]
            keys += [f"{b}.{m}.{p}" for m in ("attn.norm", "attn.qkv", "attn.proj", "mlp.norm", "mlp.fc1",
                                               "mlp.fc2") for p in ("weight", "bias")]
            keys += _conv_norm_keys(f"{b}.local_conv")
    return keys + ["head.norm_head.weight", "head.norm_head.bias", "head.fc.weight", "head.fc.bias"]


def _timm_checkpoint(variant: str) -> dict[str, torch.Tensor]:
    """A random checkpoint with timm's names (classifier head and bias indices included)."""
    reference = build_tinyvit(variant, out_stages=(0, 1, 2, 3), norm="bn").state_dict()
    state: dict[str, torch.Tensor] = {}
    for key in timm_key_names(variant):
        if key in reference:
            state[key] = torch.randn_like(reference[key].float()).to(reference[key].dtype)
        else:  # head and non-persistent index buffers: present in timm checkpoints, unused here
            state[key] = torch.zeros(3, dtype=torch.int64 if key.endswith("idxs") else torch.float32)
    return state


@pytest.mark.parametrize("variant", ["tiny_vit_5m", "tiny_vit_11m", "tiny_vit_21m_512"])
def test_own_keys_are_exactly_timms(variant: str) -> None:
    own = set(build_tinyvit(variant, out_stages=(0, 1, 2, 3)).state_dict())
    timm = {k for k in timm_key_names(variant) if not k.startswith("head.") and not k.endswith("idxs")}
    assert own == timm


@pytest.mark.parametrize(
    ("variant", "size", "expected_hw"),
    [
        ("tiny_vit_5m", (64, 64), [(8, 8), (4, 4), (2, 2)]),
        ("tiny_vit_5m", (63, 90), [(8, 12), (4, 6), (2, 3)]),
        ("tiny_vit_11m", (32, 32), [(4, 4), (2, 2), (1, 1)]),
        ("tiny_vit_21m_512", (112, 112), [(14, 14), (7, 7), (4, 4)]),
    ],
)
def test_forward_shapes_any_size(
    variant: str, size: tuple[int, int], expected_hw: list[tuple[int, int]]
) -> None:
    model = build_tinyvit(variant, norm="gn").eval()
    with torch.no_grad():
        maps = model(torch.randn(1, 3, *size))
    assert [m.shape[1] for m in maps] == model.feature_info.channels()
    assert [tuple(m.shape[2:]) for m in maps] == expected_hw
    assert all(torch.isfinite(m).all() for m in maps)


@pytest.mark.parametrize(
    ("variant", "out_stages", "channels", "reductions"),
    [
        ("tiny_vit_5m", (1, 2, 3), [128, 160, 320], [8, 16, 32]),
        ("tiny_vit_21m_512", (1, 2, 3), [192, 384, 576], [8, 16, 32]),
        ("tiny_vit_11m", (0, 2), [64, 256], [4, 16]),
    ],
)
def test_feature_info(
    variant: str, out_stages: tuple[int, ...], channels: list[int], reductions: list[int]
) -> None:
    info = build_tinyvit(variant, out_stages=out_stages).feature_info
    assert info.channels() == channels
    assert info.reductions() == reductions


@pytest.mark.parametrize("out_stages", [(), (3, 1), (4,)])
def test_bad_out_stages_raise(out_stages: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match="out_stages"):
        build_tinyvit("tiny_vit_5m", out_stages=out_stages)


def test_unknown_variant_raises() -> None:
    with pytest.raises(ValueError, match="unknown TinyViT variant"):
        build_tinyvit("tiny_vit_99m")


def test_window_bias_index_hand_computed() -> None:
    # window 2: positions (0,0) (0,1) (1,0) (1,1); index = |dy|*2 + |dx|
    expected = torch.tensor([[0, 1, 2, 3], [1, 0, 3, 2], [2, 3, 0, 1], [3, 2, 1, 0]])
    assert torch.equal(window_bias_index(2), expected)


@pytest.mark.parametrize("norm", ["bn", "gn"])
def test_timm_checkpoint_loads_strictly(tmp_path, norm: str) -> None:
    state = _timm_checkpoint("tiny_vit_5m")
    path = tmp_path / "tiny_vit_5m.pth"
    torch.save({"model": state}, path)
    model = build_tinyvit("tiny_vit_5m", norm=norm)  # type: ignore[arg-type]
    load_timm_checkpoint(model, path)
    loaded = model.state_dict()
    keys = ("stages.2.blocks.1.attn.qkv.weight", "patch_embed.conv1.bn.weight",
            "stages.3.downsample.conv2.conv.weight")
    for key in keys:
        assert torch.equal(loaded[key], state[key])
    if norm == "bn":
        assert torch.equal(loaded["stages.1.blocks.0.local_conv.bn.running_var"],
                           state["stages.1.blocks.0.local_conv.bn.running_var"])


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda s: s.pop("stages.1.blocks.0.mlp.fc1.weight"), "missing"),
        (lambda s: s.__setitem__("stages.1.blocks.0.extra.weight", torch.zeros(1)), "unexpected"),
        (lambda s: s.__setitem__("stages.1.blocks.0.mlp.fc1.bias", torch.zeros(7)), "shape"),
    ],
)
def test_mismatched_checkpoint_raises(edit, message: str) -> None:
    state = _timm_checkpoint("tiny_vit_5m")
    edit(state)
    with pytest.raises(CheckpointMismatchError, match=message):
        load_timm_checkpoint(build_tinyvit("tiny_vit_5m"), state)


def test_bias_tables_are_resampled_for_other_windows() -> None:
    state = _timm_checkpoint("tiny_vit_5m")  # windows 7/7/14/7
    model = build_tinyvit("tiny_vit_5m", window_sizes=(8, 8, 16, 8))
    load_timm_checkpoint(model, state)
    assert model.state_dict()["stages.2.blocks.0.attn.attention_biases"].shape == (5, 256)


def test_missing_file_raises(tmp_path) -> None:
    with pytest.raises(FileNotFoundError):
        load_timm_checkpoint(build_tinyvit("tiny_vit_5m"), tmp_path / "nope.pth")


@pytest.mark.parametrize(("norm", "kind"), [("gn", torch.nn.GroupNorm), ("bn", torch.nn.BatchNorm2d)])
def test_norm_choice_replaces_every_norm(norm: str, kind: type) -> None:
    model = build_tinyvit("tiny_vit_5m", norm=norm)  # type: ignore[arg-type]
    norms = [m for m in model.modules() if isinstance(m, torch.nn.GroupNorm | torch.nn.BatchNorm2d)]
    assert norms and all(isinstance(m, kind) for m in norms)
