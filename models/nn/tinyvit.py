"""TinyViT (Wu et al., ECCV 2022), written here so that pigwatch needs neither timm nor torchvision.

Parameter and buffer names match timm's ``timm/models/tiny_vit.py`` exactly
(``patch_embed.conv1.conv.weight``, ``stages.2.blocks.3.attn.attention_biases``,
``stages.1.downsample.conv2.bn.running_var``, ...), so a timm state dict such as
``tiny_vit_21m_512.dist_in22k_ft_in1k`` loads with :func:`load_timm_checkpoint` (strict: missing or
unexpected keys raise). The classifier head (``head.*``) is not built: the model is always used as a
``features_only`` trunk.

Differences from timm (none changes a parameter):

* The forward pass works at any input size (timm fixes ``input_resolution`` at build time): every block reads
  its spatial size from the tensor and pads to whole windows, so 1024 px and 1008 px inputs both work.
* A map smaller than one attention window is attended as it is (timm zero-pads it to the window, and the
  padding tokens take part as keys); maps larger than a window are padded exactly as in timm.
* ``norm="gn"`` swaps every BatchNorm2d for GroupNorm (same ``weight``/``bias`` names; the BatchNorm running
  statistics of a timm checkpoint are dropped on load, since GroupNorm has none).

Usage::

    trunk = build_tinyvit("tiny_vit_5m", img_size=512, out_stages=(1, 2, 3), norm="gn")
    maps = trunk(images)                 # images: [B,3,H,W] float32, ImageNet-normalised
    trunk.feature_info.channels()        # [128, 160, 320]
    trunk.feature_info.reductions()      # [8, 16, 32]; maps[i] is [B, C_i, ceil(H/r_i), ceil(W/r_i)]
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

NormKind = Literal["bn", "gn"]

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


@dataclass(frozen=True)
class TinyVitSpec:
    """Width, depth, heads and attention windows of one TinyViT variant (stages 0-3)."""

    embed_dims: tuple[int, int, int, int]
    depths: tuple[int, int, int, int]
    num_heads: tuple[int, int, int, int]
    window_sizes: tuple[int, int, int, int]


_W224 = (7, 7, 14, 7)
VARIANTS: dict[str, TinyVitSpec] = {
    "tiny_vit_5m": TinyVitSpec((64, 128, 160, 320), (2, 2, 6, 2), (2, 4, 5, 10), _W224),
    "tiny_vit_11m": TinyVitSpec((64, 128, 256, 448), (2, 2, 6, 2), (2, 4, 8, 14), _W224),
    "tiny_vit_21m": TinyVitSpec((96, 192, 384, 576), (2, 2, 6, 2), (3, 6, 12, 18), _W224),
    "tiny_vit_21m_384": TinyVitSpec((96, 192, 384, 576), (2, 2, 6, 2), (3, 6, 12, 18), (12, 12, 24, 12)),
    "tiny_vit_21m_512": TinyVitSpec((96, 192, 384, 576), (2, 2, 6, 2), (3, 6, 12, 18), (16, 16, 32, 16)),
    # Not a timm model: a narrower, shallower trunk (same block types and parameter names) that trains
    # about 4x faster per step than 5M on a CPU; used by the lite tracker (no pretrained weights exist).
    "tiny_vit_1m": TinyVitSpec((32, 64, 128, 160), (1, 1, 2, 1), (1, 2, 4, 5), _W224),
}
"""Variant registry. ``*_224`` timm names use the plain entries; window sizes follow timm's configs.
``tiny_vit_1m`` is pigwatch's own small configuration (no timm checkpoint exists for it)."""


@dataclass(frozen=True)
class StageInfo:
    """One returned feature map: channels, stride in input pixels, and the module that produced it."""

    num_chs: int
    reduction: int
    module: str


class FeatureInfo(list[StageInfo]):
    """The returned maps in order, like timm's ``feature_info`` (``channels()``, ``reductions()``)."""

    def channels(self) -> list[int]:
        """Channels of each returned map."""
        return [s.num_chs for s in self]

    def reductions(self) -> list[int]:
        """Stride (input pixels per map cell) of each returned map."""
        return [s.reduction for s in self]


def _group_count(channels: int, max_groups: int = 32) -> int:
    """The largest divisor of ``channels`` that is at most ``max_groups``."""
    return max(g for g in range(1, max_groups + 1) if channels % g == 0)


def _make_norm(channels: int, norm: NormKind) -> nn.Module:
    if norm == "gn":
        return nn.GroupNorm(_group_count(channels), channels)
    return nn.BatchNorm2d(channels)


def drop_path(x: torch.Tensor, rate: float, training: bool) -> torch.Tensor:
    """Stochastic depth: zero whole samples of a residual branch with probability ``rate``."""
    if rate <= 0.0 or not training:
        return x
    keep = torch.empty((x.shape[0],) + (1,) * (x.ndim - 1), device=x.device, dtype=x.dtype)
    return x * keep.bernoulli_(1.0 - rate) / (1.0 - rate)


class ConvNorm(nn.Sequential):
    """Conv2d without bias followed by a norm (children ``conv`` and ``bn``, as in timm)."""

    def __init__(self, in_chs: int, out_chs: int, ks: int = 1, stride: int = 1, pad: int = 0,
                 groups: int = 1, *, norm: NormKind = "bn", norm_weight_init: float = 1.0) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_chs, out_chs, ks, stride, pad, groups=groups, bias=False)
        self.bn = _make_norm(out_chs, norm)
        nn.init.constant_(self.bn.weight, norm_weight_init)  # type: ignore[arg-type]
        nn.init.constant_(self.bn.bias, 0.0)  # type: ignore[arg-type]


class PatchEmbed(nn.Module):
    """Stem: two stride-2 3x3 ConvNorms with GELU between; [B,3,H,W] -> [B,C,ceil(H/4),ceil(W/4)]."""

    def __init__(self, in_chans: int, embed_dim: int, *, norm: NormKind) -> None:
        super().__init__()
        self.conv1 = ConvNorm(in_chans, embed_dim // 2, 3, 2, 1, norm=norm)
        self.act = nn.GELU()
        self.conv2 = ConvNorm(embed_dim // 2, embed_dim, 3, 2, 1, norm=norm)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv2(self.act(self.conv1(x)))


class MBConv(nn.Module):
    """Inverted residual block (1x1 expand, 3x3 depthwise, 1x1 project), NCHW in and out."""

    def __init__(self, dim: int, expand_ratio: float, drop_path_rate: float, *, norm: NormKind) -> None:
        super().__init__()
        hidden = int(dim * expand_ratio)
        self.conv1 = ConvNorm(dim, hidden, norm=norm)
        self.act1 = nn.GELU()
        self.conv2 = ConvNorm(hidden, hidden, 3, 1, 1, groups=hidden, norm=norm)
        self.act2 = nn.GELU()
        self.conv3 = ConvNorm(hidden, dim, norm=norm, norm_weight_init=0.0)
        self.act3 = nn.GELU()
        self.drop_path_rate = drop_path_rate

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv3(self.act2(self.conv2(self.act1(self.conv1(x)))))
        return self.act3(x + drop_path(y, self.drop_path_rate, self.training))


class ConvLayer(nn.Module):
    """Stage 0: a stack of MBConv blocks (child ``blocks``)."""

    def __init__(self, dim: int, depth: int, drop_path_rates: Sequence[float], *, norm: NormKind) -> None:
        super().__init__()
        self.blocks = nn.Sequential(*[MBConv(dim, 4.0, drop_path_rates[i], norm=norm) for i in range(depth)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.blocks(x)


class PatchMerging(nn.Module):
    """Downsample between stages 1x1, dw 3x3/2, 1x1;: [B,C,H,W] -> [B,C',ceil(H/2),ceil(W/2)]."""

    def __init__(self, dim: int, out_dim: int, *, norm: NormKind) -> None:
        super().__init__()
        self.act = nn.GELU()
        self.conv1 = ConvNorm(dim, out_dim, 1, 1, 0, norm=norm)
        self.conv2 = ConvNorm(out_dim, out_dim, 3, 2, 1, groups=out_dim, norm=norm)
        self.conv3 = ConvNorm(out_dim, out_dim, 1, 1, 0, norm=norm)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv3(self.act(self.conv2(self.act(self.conv1(x)))))


class Mlp(nn.Module):
    """Pre-norm MLP on tokens [..., C] (children ``norm``, ``fc1``, ``fc2``)."""

    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.act(self.fc1(self.norm(x))))


def window_bias_index(window_size: int, region: tuple[int, int] | None = None) -> torch.Tensor:
    """[N,N] int64 index into the per-head bias table, N = number of positions in ``region``.

    The table holds one entry per absolute offset (|dy|, |dx|) at index ``|dy| * window_size + |dx|``, the
    order in which TinyViT enumerates offsets, so trained tables index identically. ``region`` (h, w), each at
    most ``window_size``, indexes a map smaller than one window; default: the whole window.
    """
    h, w = region or (window_size, window_size)
    coords = torch.stack(torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")).flatten(1)  # [2, N]
    delta = (coords[:, :, None] - coords[:, None, :]).abs()
    return delta[0] * window_size + delta[1]


class Attention(nn.Module):
    """Multi-head self-attention inside one window, with a learned bias per head and relative offset."""

    def __init__(self, dim: int, num_heads: int, window_size: int) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.key_dim = dim // num_heads
        self.scale = self.key_dim**-0.5
        self.norm = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.attention_biases = nn.Parameter(torch.zeros(num_heads, window_size * window_size))
        self.register_buffer("attention_bias_idxs", window_bias_index(window_size), persistent=False)

    def forward(self, x: torch.Tensor, region: tuple[int, int] | None = None) -> torch.Tensor:
        """x: [B_windows, N, C] tokens of each window -> same shape.

        ``region`` (h, w) marks x as one whole map smaller than a window (N = h*w), attended without padding.
        """
        b, n, _ = x.shape
        qkv = self.qkv(self.norm(x)).view(b, n, self.num_heads, 3 * self.key_dim)
        q, k, v = qkv.permute(0, 2, 1, 3).split(self.key_dim, dim=3)
        window = int(self.attention_biases.shape[1] ** 0.5)
        idx = self.attention_bias_idxs if region is None else window_bias_index(window, region).to(x.device)
        bias = self.attention_biases[:, idx]  # type: ignore[index]
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=bias.to(q.dtype), scale=self.scale)
        return self.proj(out.transpose(1, 2).reshape(b, n, self.num_heads * self.key_dim))


def window_partition(x: torch.Tensor, window: int) -> tuple[torch.Tensor, tuple[int, int]]:
    """[B,H,W,C] -> ([B*nH*nW, window**2, C], padded (pH, pW)); zero-pads bottom/right to whole windows."""
    b, h, w, c = x.shape
    pad_b, pad_r = (window - h % window) % window, (window - w % window) % window
    if pad_b or pad_r:
        x = F.pad(x, (0, 0, 0, pad_r, 0, pad_b))
    ph, pw = h + pad_b, w + pad_r
    x = x.view(b, ph // window, window, pw // window, window, c).transpose(2, 3)
    return x.reshape(b * (ph // window) * (pw // window), window * window, c), (ph, pw)


def window_reverse(
    x: torch.Tensor, window: int, padded: tuple[int, int], size: tuple[int, int]
) -> torch.Tensor:
    """Inverse of :func:`window_partition`: -> [B,H,W,C] cropped back to ``size`` (H, W)."""
    ph, pw = padded
    c = x.shape[-1]
    b = x.shape[0] // ((ph // window) * (pw // window))
    x = x.view(b, ph // window, pw // window, window, window, c).transpose(2, 3).reshape(b, ph, pw, c)
    return x[:, : size[0], : size[1]]


class TinyVitBlock(nn.Module):
    """Window attention, depthwise 3x3 ConvNorm, MLP; NCHW in and out at any spatial size."""

    def __init__(self, dim: int, num_heads: int, window_size: int, drop_path_rate: float, *,
                 norm: NormKind, mlp_ratio: float = 4.0) -> None:
        super().__init__()
        self.window_size = window_size
        self.attn = Attention(dim, num_heads, window_size)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))
        self.local_conv = ConvNorm(dim, dim, 3, 1, 1, groups=dim, norm=norm)
        self.drop_path_rate = drop_path_rate

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _, _, h, w = x.shape
        tokens = x.permute(0, 2, 3, 1)  # [B,H,W,C]
        if h <= self.window_size and w <= self.window_size and (h, w) != (self.window_size,) * 2:
            attended = self.attn(tokens.reshape(-1, h * w, tokens.shape[-1]), (h, w)).view(tokens.shape)
        else:
            windows, padded = window_partition(tokens, self.window_size)
            attended = window_reverse(self.attn(windows), self.window_size, padded, (h, w))
        tokens = tokens + drop_path(attended, self.drop_path_rate, self.training)
        tokens = self.local_conv(tokens.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)
        tokens = tokens + drop_path(self.mlp(tokens), self.drop_path_rate, self.training)
        return tokens.permute(0, 3, 1, 2).contiguous()


class TinyVitStage(nn.Module):
    """Stages 1-3: PatchMerging (child ``downsample``) then attention blocks (child ``blocks``)."""

    def __init__(self, in_dim: int, dim: int, depth: int, num_heads: int, window_size: int,
                 drop_path_rates: Sequence[float], *, norm: NormKind) -> None:
        super().__init__()
        self.downsample = PatchMerging(in_dim, dim, norm=norm)
        self.blocks = nn.Sequential(
            *[TinyVitBlock(dim, num_heads, window_size, drop_path_rates[i], norm=norm) for i in range(depth)]
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.blocks(self.downsample(x))


class TinyVit(nn.Module):
    """TinyViT trunk returning the maps of ``out_stages`` (0-3) as a list of NCHW tensors.

    Attributes:
        feature_info: one :class:`StageInfo` per returned map (channels, stride in input pixels).
        img_size: the input size (pixels, square) the variant was configured for; other sizes work too.
    """

    def __init__(self, spec: TinyVitSpec, *, img_size: int, out_stages: Sequence[int] = (1, 2, 3),
                 norm: NormKind = "bn", drop_path_rate: float = 0.0, in_chans: int = 3) -> None:
        super().__init__()
        increasing = list(out_stages) == sorted(set(out_stages))
        if not out_stages or not increasing or any(s not in range(4) for s in out_stages):
            raise ValueError(f"out_stages must be increasing stage indices in 0..3, got {tuple(out_stages)}")
        self.img_size, self.norm, self.spec = img_size, norm, spec
        self.out_stages = tuple(out_stages)
        dpr = torch.linspace(0, drop_path_rate, sum(spec.depths)).tolist()
        starts = [sum(spec.depths[:i]) for i in range(4)]
        rates = [dpr[starts[i] : starts[i] + spec.depths[i]] for i in range(4)]
        self.patch_embed = PatchEmbed(in_chans, spec.embed_dims[0], norm=norm)
        stages: list[nn.Module] = [ConvLayer(spec.embed_dims[0], spec.depths[0], rates[0], norm=norm)]
        for i in range(1, self.out_stages[-1] + 1):
            stages.append(TinyVitStage(spec.embed_dims[i - 1], spec.embed_dims[i], spec.depths[i],
                                       spec.num_heads[i], spec.window_sizes[i], rates[i], norm=norm))
        self.stages = nn.Sequential(*stages)
        self.feature_info = FeatureInfo(
            StageInfo(spec.embed_dims[i], 4 * 2**i, f"stages.{i}") for i in self.out_stages
        )
        self.apply(_init_weights)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        """x: [B,3,H,W] float32 -> list of [B, C_i, ceil(H/r_i), ceil(W/r_i)] per ``feature_info`` entry."""
        x = self.patch_embed(x)
        maps = []
        for i, stage in enumerate(self.stages):
            x = stage(x)
            if i in self.out_stages:
                maps.append(x)
        return maps


def _init_weights(module: nn.Module) -> None:
    if isinstance(module, nn.Linear):
        nn.init.trunc_normal_(module.weight, std=0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.LayerNorm):
        nn.init.ones_(module.weight)
        nn.init.zeros_(module.bias)


def build_tinyvit(variant: str, *, img_size: int = 224, out_stages: Sequence[int] = (1, 2, 3),
                  norm: NormKind = "bn", drop_path_rate: float = 0.0,
                  window_sizes: Sequence[int] | None = None) -> TinyVit:
    """Build a TinyViT trunk.

    Args:
        variant: a key of :data:`VARIANTS` ("tiny_vit_5m", "tiny_vit_11m", "tiny_vit_21m", "tiny_vit_21m_384",
            "tiny_vit_21m_512", pigwatch's "tiny_vit_1m"); a timm name with a "_224" suffix is accepted too.
        img_size: nominal square input size in pixels (recorded; any input size runs).
        out_stages: which stages' maps to return (0: stride 4, 1: 8, 2: 16, 3: 32).
        norm: "bn" (as timm) or "gn" (GroupNorm in place of every BatchNorm).
        drop_path_rate: stochastic depth, linearly increasing over blocks.
        window_sizes: override the four per-stage window sizes (stage 0 has no attention).

    Returns:
        The trunk; ``forward`` gives a list of maps described by ``.feature_info``.
    """
    key = variant.removesuffix("_224")
    if key not in VARIANTS:
        raise ValueError(f"unknown TinyViT variant {variant!r}; choose from {sorted(VARIANTS)}")
    spec = VARIANTS[key]
    if window_sizes is not None:
        spec = TinyVitSpec(spec.embed_dims, spec.depths, spec.num_heads, tuple(window_sizes))  # type: ignore[arg-type]
    return TinyVit(spec, img_size=img_size, out_stages=out_stages, norm=norm, drop_path_rate=drop_path_rate)


_BN_BUFFERS = ("running_mean", "running_var", "num_batches_tracked")


class CheckpointMismatchError(ValueError):
    """A checkpoint's keys or shapes do not match the model."""


def _resample_bias_table(table: torch.Tensor, window: int) -> torch.Tensor:
    """[heads, w0*w0] bias table -> [heads, window*window], bicubic over the (|dy|, |dx|) grid."""
    side = math.isqrt(table.shape[1])
    grid = table.reshape(1, table.shape[0], side, side).float()
    out = F.interpolate(grid, size=(window, window), mode="bicubic", align_corners=False)
    return out.reshape(table.shape[0], window * window).to(table.dtype)


def timm_state_dict_for(model: TinyVit, state: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Adapt a timm/official TinyViT state dict to ``model``.

    Unwraps ``{"model": ...}``, drops the classifier (``head.*``), the non-persistent ``attention_bias_idxs``,
    stages past the last returned one, and (for ``norm="gn"``) BatchNorm running statistics; resamples
    attention-bias tables whose window size differs. Every other key is passed through unchanged.
    """
    if "model" in state and isinstance(state["model"], Mapping):
        state = state["model"]
    last = model.out_stages[-1]
    own = model.state_dict()
    out: dict[str, torch.Tensor] = {}
    for key, value in state.items():
        if key.startswith("head.") or key.endswith("attention_bias_idxs"):
            continue
        if key.startswith("stages.") and int(key.split(".")[1]) > last:
            continue
        if model.norm == "gn" and key.rsplit(".", 1)[-1] in _BN_BUFFERS:
            continue
        if key.endswith("attention_biases") and key in own and value.shape != own[key].shape:
            value = _resample_bias_table(value, math.isqrt(own[key].shape[1]))
        out[key] = value
    return out


def load_timm_checkpoint(model: TinyVit, source: str | Path | Mapping[str, torch.Tensor]) -> None:
    """Load a timm-layout TinyViT checkpoint strictly into ``model``.

    Args:
        model: a trunk from :func:`build_tinyvit` of the same variant.
        source: a ``.pth``/``.pt``/``.safetensors`` path, or an already loaded state dict.

    Raises:
        CheckpointMismatchError: keys missing from or unexpected in the checkpoint, or shapes that differ.
        FileNotFoundError: the path does not exist.
    """
    state = _read_state(source)
    adapted = timm_state_dict_for(model, state)
    own = model.state_dict()
    missing = sorted(set(own) - set(adapted))
    unexpected = sorted(set(adapted) - set(own))
    bad_shapes = sorted(k for k in set(own) & set(adapted) if own[k].shape != adapted[k].shape)
    if missing or unexpected or bad_shapes:
        raise CheckpointMismatchError(
            f"TinyViT checkpoint does not match: missing={missing[:5]} ({len(missing)}), "
            f"unexpected={unexpected[:5]} ({len(unexpected)}), shape mismatch={bad_shapes[:5]}"
        )
    model.load_state_dict(adapted, strict=True)


def _read_state(source: str | Path | Mapping[str, torch.Tensor]) -> Mapping[str, torch.Tensor]:
    if isinstance(source, Mapping):
        return source
    path = Path(source)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint file at {path}")
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        return load_file(str(path))
    return torch.load(path, map_location="cpu", weights_only=True)
