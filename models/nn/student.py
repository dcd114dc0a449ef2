"""The student encoder that stands in for SAM 3's Perception Encoder (Yang & Hostens 2026).

A TinyViT trunk (published: ``tiny_vit_21m_512``, stages 1-3, GroupNorm in place of BatchNorm) and a fusion
head that turns its three maps into one map shaped like the ViT's last hidden state:

    stage maps (192/384/576 ch at stride 8/16/32)
      -> per level: 1x1 conv -> 256, GroupNorm, GELU, bilinear resize to 72x72
      -> concat (768) -> 1x1 conv -> 1024, GroupNorm, GELU
      -> + residual branch: 3x3 conv, GN, GELU, 3x3 conv, GN (zero-initialised, so the branch starts at 0)
      -> per-channel scale and bias
      = [B, 1024, 72, 72] float32

Input size. SAM 3 feeds 1008 px frames (72 patches of 14 px); the TinyViT-512 windows (16/16/32/16) tile a
1024 px input exactly (maps 128/64/32). At 1008 px the maps are 126/63/32: every attention block zero-pads its
map to whole windows (126 -> 128, 63 -> 64) and crops back, and the stride-2 merges round up (63 -> 32), so
both sizes run and both end in the same 72x72 output after the resize. The published total (40.66M
parameters) does not depend on the input size.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from models.nn.tinyvit import NormKind, TinyVit, build_tinyvit


@dataclass(frozen=True)
class StudentConfig:
    """Shape of a student encoder.

    Attributes:
        trunk: TinyViT variant name (see ``models.nn.tinyvit.VARIANTS``).
        img_size: square input size in pixels (1008 for SAM 3).
        out_size: side of the output map in cells (72 for SAM 3 at 1008 px).
        level_channels: channels of each level after its 1x1 projection (256).
        out_channels: channels of the output map, the teacher's hidden size (1024 for SAM 3).
        trunk_norm: "gn" (published) or "bn".
        groups: GroupNorm groups in the head.
    """

    trunk: str = "tiny_vit_21m_512"
    img_size: int = 1008
    out_size: int = 72
    level_channels: int = 256
    out_channels: int = 1024
    trunk_norm: NormKind = "gn"
    groups: int = 32

    def to_dict(self) -> dict[str, object]:
        """JSON-ready dict (see :meth:`from_dict`)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> StudentConfig:
        """Inverse of :meth:`to_dict`; unknown keys raise ``TypeError``."""
        return cls(**data)  # type: ignore[arg-type]


def _conv_gn_gelu(in_ch: int, out_ch: int, kernel: int, groups: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(in_ch, out_ch, kernel, padding=kernel // 2), nn.GroupNorm(groups, out_ch), nn.GELU()
    )


class ResidualRefine(nn.Module):
    """Two 3x3 convs at full width, last GroupNorm zero-initialised: y = x + GN(conv(GELU(GN(conv(x)))))."""

    def __init__(self, channels: int, groups: int) -> None:
        super().__init__()
        self.branch = nn.Sequential(
            _conv_gn_gelu(channels, channels, 3, groups),
            nn.Conv2d(channels, channels, 3, padding=1),
            nn.GroupNorm(groups, channels),
        )
        nn.init.zeros_(self.branch[2].weight)  # type: ignore[arg-type]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.branch(x)


class FusionHead(nn.Module):
    """Maps the trunk's levels to one ``[B, out_channels, out_size, out_size]`` map."""

    def __init__(self, in_channels: list[int], config: StudentConfig) -> None:
        super().__init__()
        self.out_size = config.out_size
        width, groups = config.level_channels, config.groups
        self.lateral = nn.ModuleList(_conv_gn_gelu(c, width, 1, groups) for c in in_channels)
        self.fuse = _conv_gn_gelu(width * len(in_channels), config.out_channels, 1, groups)
        self.refine = ResidualRefine(config.out_channels, groups)
        self.scale = nn.Parameter(torch.ones(config.out_channels))
        self.bias = nn.Parameter(torch.zeros(config.out_channels))

    def forward(self, maps: list[torch.Tensor]) -> torch.Tensor:
        """maps: the trunk's [B, C_i, H_i, W_i] levels -> [B, out_channels, out_size, out_size]."""
        size = (self.out_size, self.out_size)
        levels = [
            F.interpolate(lat(m), size=size, mode="bilinear", align_corners=False)
            for lat, m in zip(self.lateral, maps, strict=True)
        ]
        x = self.refine(self.fuse(torch.cat(levels, dim=1)))
        return x * self.scale[None, :, None, None] + self.bias[None, :, None, None]


class StudentEncoder(nn.Module):
    """TinyViT trunk + fusion head; ``forward`` maps [B,3,S,S] normalised images to the teacher-shaped map.

    Attributes:
        config: the :class:`StudentConfig` it was built from.
        trunk: the TinyViT (stages 1-3); load timm weights with ``models.nn.tinyvit.load_timm_checkpoint``.
        head: the :class:`FusionHead`.
    """

    def __init__(self, config: StudentConfig) -> None:
        super().__init__()
        self.config = config
        self.trunk: TinyVit = build_tinyvit(
            config.trunk, img_size=config.img_size, out_stages=(1, 2, 3), norm=config.trunk_norm
        )
        self.head = FusionHead(self.trunk.feature_info.channels(), config)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """images: [B,3,H,W] float32, ImageNet-normalised -> [B, out_channels, out_size, out_size] float32."""
        return self.head(self.trunk(images))

    def trunk_parameters(self) -> Iterator[nn.Parameter]:
        """Parameters of the TinyViT trunk (the published run trains them at 1e-4)."""
        return self.trunk.parameters()

    def head_parameters(self) -> Iterator[nn.Parameter]:
        """Parameters of the fusion head (the published run trains them at 3e-4)."""
        return self.head.parameters()


def build_student(config: StudentConfig | None = None) -> StudentEncoder:
    """Build the student; with no config, the published one (40.66M parameters, 1008 px -> [B,1024,72,72])."""
    return StudentEncoder(config or StudentConfig())


def count_parameters(module: nn.Module) -> int:
    """Number of parameters (trainable or not) of ``module``."""
    return sum(p.numel() for p in module.parameters())
