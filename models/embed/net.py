"""The default embedder that ships: a small residual CNN, fast on CPU, 384-d output.

``PigEmbedNet`` maps Nx3xSxS float32 crops (normalised as in `models.embed.crops.CropSpec`, S = 96 by default)
to Nx384 float32 raw vectors; the `Embedder` stage L2-normalises them. About 0.8M parameters (3 MB fp32).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

EMBED_DIM = 384


class ResidualBlock(nn.Module):
    """Two 3x3 conv-BN layers with a projected shortcut; halves the resolution when ``stride`` is 2."""

    def __init__(self, in_ch: int, out_ch: int, *, stride: int):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(in_ch, out_ch, 3, stride=stride, padding=1, bias=False),
            nn.BatchNorm2d(out_ch),
            nn.ReLU(inplace=True),
            nn.Conv2d(out_ch, out_ch, 3, padding=1, bias=False),
            nn.BatchNorm2d(out_ch),
        )
        self.shortcut = nn.Sequential(
            nn.Conv2d(in_ch, out_ch, 1, stride=stride, bias=False),
            nn.BatchNorm2d(out_ch),
        )
        self.act = nn.ReLU(inplace=True)

    def forward(self, x: Tensor) -> Tensor:
        return self.act(self.body(x) + self.shortcut(x))


class PigEmbedNet(nn.Module):
    """Small CNN embedder.

    Args:
        widths: channels of the stem and of the three residual stages (each stage halves the resolution).
        dim: output dimension.
    """

    def __init__(self, *, widths: tuple[int, int, int, int] = (32, 48, 96, 192), dim: int = EMBED_DIM):
        super().__init__()
        stem, *stages = widths
        self.stem = nn.Sequential(
            nn.Conv2d(3, stem, 3, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(stem),
            nn.ReLU(inplace=True),
        )
        blocks, in_ch = [], stem
        for out_ch in stages:
            blocks.append(ResidualBlock(in_ch, out_ch, stride=2))
            in_ch = out_ch
        self.stages = nn.Sequential(*blocks)
        self.head = nn.Linear(2 * in_ch, dim)

    def forward(self, images: Tensor) -> Tensor:
        """Nx3xSxS float32 normalised crops -> Nx``dim`` float32 raw vectors (not yet L2-normalised)."""
        features = self.stages(self.stem(images))
        pooled = torch.cat([features.mean(dim=(2, 3)), features.amax(dim=(2, 3))], dim=1)
        return self.head(pooled)
