"""DINOv3 ViT-S/16: the architecture of facebookresearch/dinov3, with strict loaders for its checkpoints.

The module's own parameter names are those of the official checkpoint
(``dinov3_vits16_pretrain_lvd1689m-*.pth``): ``cls_token``, ``storage_tokens``, ``mask_token``,
``patch_embed.proj``, ``rope_embed.periods``, ``blocks.N.{norm1,attn.qkv,attn.proj,ls1.gamma,norm2,mlp.fc1,
mlp.fc2,ls2.gamma}``, ``norm``. The Hugging Face layout (transformers' ``DINOv3ViTModel``, repository
``facebook/dinov3-vits16-pretrain-lvd1689m``) is mapped onto it by `hf_to_official` and back by
`official_to_hf`.

Architecture (ViT-S/16): patch 16, width 384, 12 blocks, 6 heads of 64, MLP ratio 4 with GELU, 4 register
("storage") tokens after the CLS token, 2-D axial rotary position embedding (RoPE) on the patch tokens only,
LayerScale on both residual branches, LayerNorm eps 1e-5, a final norm; the embedding is the normalised CLS
token (384-d). Inputs are NCHW float32 images normalised with ImageNet mean/std, H and W multiples of 16.

No weights ship with pigwatch: `DINOv3Weights.LVD1689M` needs the user's own checkpoint file.
"""

from __future__ import annotations

import math
from enum import Enum
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

IMAGENET_MEAN: tuple[float, float, float] = (0.485, 0.456, 0.406)
IMAGENET_STD: tuple[float, float, float] = (0.229, 0.224, 0.225)


class DINOv3Weights(Enum):
    """Weights for `dinov3_vits16`.

    RANDOM: DINOv3's own initialisation (LayerScale 1e-5), for architecture benchmarks and tests.
    LVD1689M: the official pretrained weights, read from a local file in either layout (never downloaded).
    """

    RANDOM = "random"
    LVD1689M = "lvd1689m"


class RopePositionEmbedding(nn.Module):
    """DINOv3's 2-D axial RoPE: half of each head's rotary pairs encode y, half encode x.

    Patch centres are normalised to [-1, 1] separately per axis ("separate" normalisation), so the embedding
    does not depend on the image size in patches. ``periods`` has ``head_dim // 4`` entries,
    ``base ** (4 i / head_dim)``.
    """

    periods: Tensor

    def __init__(
        self, *, embed_dim: int, num_heads: int, base: float = 100.0, rescale_coords: float | None = 2.0
    ):
        super().__init__()
        head_dim = embed_dim // num_heads
        if head_dim % 4:
            raise ValueError(f"head dim {head_dim} must be a multiple of 4 for 2-D RoPE")
        exponents = 2 * torch.arange(head_dim // 4, dtype=torch.float32) / (head_dim // 2)
        self.register_buffer("periods", base**exponents, persistent=True)
        self.rescale_coords = rescale_coords

    def forward(self, *, h: int, w: int) -> tuple[Tensor, Tensor]:
        """Sine and cosine tables for an ``h`` x ``w`` patch grid.

        Returns:
            (sin, cos), each (h*w)xhead_dim float32, row-major over the grid (y outer, x inner).
        """
        device = self.periods.device
        ys = (torch.arange(h, dtype=torch.float32, device=device) + 0.5) / h
        xs = (torch.arange(w, dtype=torch.float32, device=device) + 0.5) / w
        coords = torch.stack(torch.meshgrid(ys, xs, indexing="ij"), dim=-1).flatten(0, 1) * 2.0 - 1.0
        if self.training and self.rescale_coords is not None:
            log_range = math.log(self.rescale_coords)
            coords = coords * torch.empty(1, device=device).uniform_(-log_range, log_range).exp()
        angles = 2 * math.pi * coords[:, :, None] / self.periods[None, None, :]
        angles = angles.flatten(1, 2).tile(2)
        return torch.sin(angles), torch.cos(angles)


def _rotate_half(x: Tensor) -> Tensor:
    first, second = x.chunk(2, dim=-1)
    return torch.cat([-second, first], dim=-1)


def _apply_rope(x: Tensor, sin: Tensor, cos: Tensor) -> Tensor:
    """Rotate the patch tokens of ``x`` (BxHeadsxNxD); the leading CLS + register tokens stay as they are."""
    prefix = x.shape[-2] - sin.shape[-2]
    patches = x[:, :, prefix:]
    return torch.cat([x[:, :, :prefix], patches * cos + _rotate_half(patches) * sin], dim=-2)


class PatchEmbed(nn.Module):
    """Non-overlapping 16x16 patches to tokens: NxCxHxW -> Nx(H/16)x(W/16)xD."""

    def __init__(self, *, patch_size: int, in_chans: int, embed_dim: int):
        super().__init__()
        self.proj = nn.Conv2d(in_chans, embed_dim, kernel_size=patch_size, stride=patch_size)

    def forward(self, x: Tensor) -> Tensor:
        return self.proj(x).permute(0, 2, 3, 1)


class SelfAttention(nn.Module):
    """Multi-head self-attention with a fused qkv projection whose key bias is masked out (``bias_mask``)."""

    bias_mask: Tensor

    def __init__(self, *, dim: int, num_heads: int):
        super().__init__()
        self.num_heads = num_heads
        self.qkv = nn.Linear(dim, 3 * dim, bias=True)
        mask = torch.ones(3 * dim)
        mask[dim : 2 * dim] = 0.0
        self.register_buffer("bias_mask", mask, persistent=True)
        self.proj = nn.Linear(dim, dim, bias=True)

    def forward(self, x: Tensor, rope: tuple[Tensor, Tensor]) -> Tensor:
        """BxNxD tokens -> BxNxD, RoPE applied to the last ``len(rope[0])`` tokens of q and k."""
        b, n, d = x.shape
        qkv = F.linear(x, self.qkv.weight, self.qkv.bias * self.bias_mask)
        q, k, v = qkv.reshape(b, n, 3, self.num_heads, d // self.num_heads).permute(2, 0, 3, 1, 4).unbind(0)
        sin, cos = rope
        q, k = _apply_rope(q, sin, cos), _apply_rope(k, sin, cos)
        out = F.scaled_dot_product_attention(q, k, v)
        return self.proj(out.transpose(1, 2).reshape(b, n, d))


class LayerScale(nn.Module):
    """Per-channel residual scale ``gamma`` (D)."""

    def __init__(self, *, dim: int, init_value: float):
        super().__init__()
        self.gamma = nn.Parameter(torch.full((dim,), init_value))

    def forward(self, x: Tensor) -> Tensor:
        return x * self.gamma


class Mlp(nn.Module):
    """fc1 -> GELU -> fc2."""

    def __init__(self, *, dim: int, hidden: int):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x: Tensor) -> Tensor:
        return self.fc2(self.act(self.fc1(x)))


class SelfAttentionBlock(nn.Module):
    """Pre-norm transformer block: x + ls1(attn(norm1(x))), then x + ls2(mlp(norm2(x)))."""

    def __init__(self, *, dim: int, num_heads: int, mlp_ratio: float, layerscale_init: float, eps: float):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=eps)
        self.attn = SelfAttention(dim=dim, num_heads=num_heads)
        self.ls1 = LayerScale(dim=dim, init_value=layerscale_init)
        self.norm2 = nn.LayerNorm(dim, eps=eps)
        self.mlp = Mlp(dim=dim, hidden=int(dim * mlp_ratio))
        self.ls2 = LayerScale(dim=dim, init_value=layerscale_init)

    def forward(self, x: Tensor, rope: tuple[Tensor, Tensor]) -> Tensor:
        x = x + self.ls1(self.attn(self.norm1(x), rope))
        return x + self.ls2(self.mlp(self.norm2(x)))


class DinoVisionTransformer(nn.Module):
    """DINOv3 vision transformer; ``forward`` returns the normalised CLS token (BxD float32)."""

    def __init__(
        self,
        *,
        patch_size: int = 16,
        embed_dim: int = 384,
        depth: int = 12,
        num_heads: int = 6,
        mlp_ratio: float = 4.0,
        n_storage_tokens: int = 4,
        layerscale_init: float = 1e-5,
        eps: float = 1e-5,
        rope_base: float = 100.0,
    ):
        super().__init__()
        self.patch_size, self.embed_dim, self.n_storage_tokens = patch_size, embed_dim, n_storage_tokens
        self.patch_embed = PatchEmbed(patch_size=patch_size, in_chans=3, embed_dim=embed_dim)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, embed_dim))
        self.storage_tokens = nn.Parameter(torch.zeros(1, n_storage_tokens, embed_dim))
        self.mask_token = nn.Parameter(torch.zeros(1, embed_dim))
        self.rope_embed = RopePositionEmbedding(embed_dim=embed_dim, num_heads=num_heads, base=rope_base)
        self.blocks = nn.ModuleList(
            SelfAttentionBlock(
                dim=embed_dim,
                num_heads=num_heads,
                mlp_ratio=mlp_ratio,
                layerscale_init=layerscale_init,
                eps=eps,
            )
            for _ in range(depth)
        )
        self.norm = nn.LayerNorm(embed_dim, eps=eps)
        self.init_weights()

    def init_weights(self) -> None:
        """DINOv3's initialisation: truncated normal (std 0.02) linears, normal(0.02) CLS/register tokens."""
        nn.init.normal_(self.cls_token, std=0.02)
        nn.init.normal_(self.storage_tokens, std=0.02)
        for module in self.modules():
            if isinstance(module, nn.Linear):
                nn.init.trunc_normal_(module.weight, std=0.02)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)

    def _tokens(self, images: Tensor) -> tuple[Tensor, int, int]:
        patches = self.patch_embed(images)
        b, h, w, _ = patches.shape
        prefix = torch.cat([self.cls_token, self.storage_tokens], dim=1).expand(b, -1, -1)
        return torch.cat([prefix, patches.flatten(1, 2)], dim=1), h, w

    def forward_features(self, images: Tensor) -> dict[str, Tensor]:
        """Run the trunk.

        Args:
            images: BxCxHxW float32, ImageNet-normalised, H and W multiples of ``patch_size``.

        Returns:
            ``x_norm_clstoken`` BxD, ``x_storage_tokens`` BxRxD (normalised registers),
            ``x_norm_patchtokens`` Bx(H/16*W/16)xD, ``x_prenorm`` Bx(1+R+HW)xD.
        """
        x, h, w = self._tokens(images)
        rope = self.rope_embed(h=h, w=w)
        for block in self.blocks:
            x = block(x, rope)
        x_norm = self.norm(x)
        split = 1 + self.n_storage_tokens
        return {
            "x_norm_clstoken": x_norm[:, 0],
            "x_storage_tokens": x_norm[:, 1:split],
            "x_norm_patchtokens": x_norm[:, split:],
            "x_prenorm": x,
        }

    def forward(self, images: Tensor) -> Tensor:
        """BxCxHxW normalised images -> BxD normalised CLS embeddings (not L2-normalised)."""
        return self.forward_features(images)["x_norm_clstoken"]


def dinov3_vits16(
    *, weights: DINOv3Weights = DINOv3Weights.RANDOM, checkpoint: Path | None = None
) -> DinoVisionTransformer:
    """Build DINOv3 ViT-S/16 (21.6M parameters).

    Args:
        weights: RANDOM for DINOv3's initialisation, LVD1689M to load the official pretrained weights.
        checkpoint: with LVD1689M, the official ``.pth``, or an HF ``model.safetensors`` or model folder.

    Raises:
        ValueError: LVD1689M without a checkpoint, or a checkpoint that does not match (keys named).
    """
    model = DinoVisionTransformer()
    if weights is DINOv3Weights.LVD1689M:
        if checkpoint is None:
            raise ValueError("DINOv3Weights.LVD1689M needs checkpoint=<path to the .pth or HF model folder>")
        load_checkpoint(model, Path(checkpoint))
    return model.eval()


# ----------------------------------------------------------------------------------------------------------
# Checkpoint layouts
# ----------------------------------------------------------------------------------------------------------

_HF_BLOCK_RENAMES: dict[str, str] = {
    "norm1.weight": "norm1.weight",
    "norm1.bias": "norm1.bias",
    "attention.o_proj.weight": "attn.proj.weight",
    "attention.o_proj.bias": "attn.proj.bias",
    "layer_scale1.lambda1": "ls1.gamma",
    "norm2.weight": "norm2.weight",
    "norm2.bias": "norm2.bias",
    "mlp.up_proj.weight": "mlp.fc1.weight",
    "mlp.up_proj.bias": "mlp.fc1.bias",
    "mlp.down_proj.weight": "mlp.fc2.weight",
    "mlp.down_proj.bias": "mlp.fc2.bias",
    "layer_scale2.lambda1": "ls2.gamma",
}
_HF_QKV = (
    "attention.q_proj.weight",
    "attention.k_proj.weight",
    "attention.v_proj.weight",
    "attention.q_proj.bias",
    "attention.v_proj.bias",
)
_HF_TOP_RENAMES: dict[str, str] = {
    "embeddings.cls_token": "cls_token",
    "embeddings.register_tokens": "storage_tokens",
    "embeddings.patch_embeddings.weight": "patch_embed.proj.weight",
    "embeddings.patch_embeddings.bias": "patch_embed.proj.bias",
    "norm.weight": "norm.weight",
    "norm.bias": "norm.bias",
}


class CheckpointMismatchError(ValueError):
    """A checkpoint's keys do not match the model: ``missing`` and ``unexpected`` name them."""

    def __init__(self, layout: str, missing: list[str], unexpected: list[str]):
        self.missing, self.unexpected = missing, unexpected
        super().__init__(
            f"{layout} checkpoint does not match DINOv3 ViT-S/16: missing keys {missing}; "
            f"unexpected keys {unexpected}"
        )


def _check_keys(layout: str, got: set[str], expected: set[str]) -> None:
    missing, unexpected = sorted(expected - got), sorted(got - expected)
    if missing or unexpected:
        raise CheckpointMismatchError(layout, missing, unexpected)


def _hf_block_prefix(state: dict[str, Tensor]) -> str:
    """``layer.`` on the hub (transformers 4.x) or ``model.layer.`` when saved by transformers 5."""
    return "model.layer." if any(k.startswith("model.layer.") for k in state) else "layer."


def hf_expected_keys(*, depth: int, prefix: str = "layer.") -> set[str]:
    """Every key of a Hugging Face ``DINOv3ViTModel`` state dict of ``depth`` blocks (ViT-S/16 settings)."""
    keys = set(_HF_TOP_RENAMES) | {"embeddings.mask_token"}
    for i in range(depth):
        keys |= {f"{prefix}{i}.{name}" for name in (*_HF_BLOCK_RENAMES, *_HF_QKV)}
    return keys


def _hf_block_to_official(state: dict[str, Tensor], src: str, dst: str) -> dict[str, Tensor]:
    out = {f"{dst}{new}": state[f"{src}{old}"] for old, new in _HF_BLOCK_RENAMES.items()}
    q_bias, v_bias = state[f"{src}attention.q_proj.bias"], state[f"{src}attention.v_proj.bias"]
    out[f"{dst}attn.qkv.weight"] = torch.cat([state[f"{src}attention.{p}_proj.weight"] for p in "qkv"])
    out[f"{dst}attn.qkv.bias"] = torch.cat([q_bias, torch.zeros_like(q_bias), v_bias])
    mask = torch.ones(3 * len(q_bias), dtype=q_bias.dtype)
    mask[len(q_bias) : 2 * len(q_bias)] = 0
    out[f"{dst}attn.bias_mask"] = mask
    return out


def hf_to_official(state: dict[str, Tensor], *, model: DinoVisionTransformer) -> dict[str, Tensor]:
    """Map a Hugging Face ``DINOv3ViTModel`` state dict onto the official layout, strictly.

    q/k/v projections are fused into ``qkv`` (key bias zero and masked, as HF has none); the RoPE
    ``periods`` (not stored by HF) are taken from ``model``.

    Raises:
        CheckpointMismatchError: keys missing from or unexpected in ``state`` (names in HF layout).
    """
    prefix = _hf_block_prefix(state)
    _check_keys("Hugging Face", set(state), hf_expected_keys(depth=len(model.blocks), prefix=prefix))
    out = {new: state[old] for old, new in _HF_TOP_RENAMES.items()}
    out["mask_token"] = state["embeddings.mask_token"].reshape(1, -1)
    out["rope_embed.periods"] = model.rope_embed.periods.detach().clone()
    for i in range(len(model.blocks)):
        out.update(_hf_block_to_official(state, f"{prefix}{i}.", f"blocks.{i}."))
    return out


def official_to_hf(state: dict[str, Tensor], *, prefix: str = "layer.") -> dict[str, Tensor]:
    """Map an official-layout state dict to the Hugging Face layout (the masked key bias is dropped)."""
    out = {old: state[new] for old, new in _HF_TOP_RENAMES.items()}
    out["embeddings.mask_token"] = state["mask_token"].reshape(1, 1, -1)
    depth = 1 + max(int(k.split(".")[1]) for k in state if k.startswith("blocks."))
    for i in range(depth):
        src, dst = f"blocks.{i}.", f"{prefix}{i}."
        out.update({f"{dst}{old}": state[f"{src}{new}"] for old, new in _HF_BLOCK_RENAMES.items()})
        q, k, v = state[f"{src}attn.qkv.weight"].chunk(3)
        q_bias, _, v_bias = state[f"{src}attn.qkv.bias"].chunk(3)
        out |= {f"{dst}attention.q_proj.weight": q, f"{dst}attention.k_proj.weight": k}
        out |= {f"{dst}attention.v_proj.weight": v, f"{dst}attention.q_proj.bias": q_bias}
        out[f"{dst}attention.v_proj.bias"] = v_bias
    return {k: t.contiguous() for k, t in out.items()}


def _read_state_dict(path: Path) -> dict[str, Tensor]:
    """Read a ``.pth``/``.pt`` (torch, weights only), a ``.safetensors`` file, or an HF model folder."""
    if path.is_dir():
        path = path / "model.safetensors"
    if not path.exists():
        raise FileNotFoundError(f"no DINOv3 checkpoint at {path}")
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        return load_file(str(path))
    state = torch.load(path, map_location="cpu", weights_only=True)
    for wrapper in ("model", "state_dict", "teacher"):
        if isinstance(state, dict) and wrapper in state and isinstance(state[wrapper], dict):
            state = state[wrapper]
    return dict(state)


def is_hf_layout(state: dict[str, Tensor]) -> bool:
    """True for a Hugging Face ``DINOv3ViTModel`` state dict, False for the official layout."""
    return any(k.startswith("embeddings.") for k in state)


def load_state_dict_any(model: DinoVisionTransformer, state: dict[str, Tensor]) -> str:
    """Load ``state`` in either layout into ``model`` strictly; returns the layout name ("official"/"hf").

    Raises:
        CheckpointMismatchError: missing or unexpected keys, named.
    """
    layout = "hf" if is_hf_layout(state) else "official"
    if layout == "hf":
        state = hf_to_official(state, model=model)
    else:
        _check_keys("official DINOv3", set(state), set(model.state_dict()))
    model.load_state_dict(state, strict=True)
    return layout


def load_checkpoint(model: DinoVisionTransformer, path: Path) -> str:
    """Load a checkpoint file or HF folder into ``model`` (layout detected); returns the layout name."""
    return load_state_dict_any(model, _read_state_dict(Path(path)))
