"""The `lite` tracker's network: TinyViT trunk (GroupNorm; `LiteConfig.variant`, default 5M, the shipped model
uses the CPU-trainable ``tiny_vit_1m``) + small FPN + light dense heads.

All heads sit on one stride-8 map (P3) of the FPN:

* **detection** (CenterNet, Zhou et al. 2019): a centre heatmap (sigmoid, one class: pig), the box size as
  ``log(w / stride), log(h / stride)`` and the sub-cell centre offset in cells;
* **instance mask** (YOLACT-style prototypes): ``K`` prototype maps at stride 8 shared by the image and ``K``
  coefficients per centre cell; an instance's mask is ``sigmoid(coef . protos)``, cropped to its box;
* **appearance**: a 64-d embedding per cell, L2-normalised, read at each centre for re-identification.

`LiteNet.forward` returns plain tensors (ONNX-friendly, peaks already found with a 3x3 max-pool);
`decode` turns one image's outputs (numpy) into boxes, scores, masks and embeddings in frame pixels.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from models.nn.tinyvit import IMAGENET_MEAN, IMAGENET_STD, build_tinyvit

OUTPUT_NAMES = ("heat", "size", "offset", "embed", "coef", "proto")
STRIDE = 8


@dataclass(frozen=True)
class LiteConfig:
    """Sizes of the lite network.

    Attributes:
        variant: TinyViT variant of the trunk (a key of `models.nn.tinyvit.VARIANTS`).
        input_height, input_width: network input, pixels (multiples of 32); frames are letterboxed to it.
            Exported into the sidecar's ``input_size``, which is what the runtime reads.
        fpn_channels: width of the FPN and heads.
        embed_dim: appearance embedding size.
        num_prototypes: mask prototypes (K).
    """

    variant: str = "tiny_vit_5m"
    input_height: int = 288
    input_width: int = 512
    fpn_channels: int = 64
    embed_dim: int = 64
    num_prototypes: int = 8

    def to_dict(self) -> dict:
        """Plain dict (for JSON configs and sidecars)."""
        return asdict(self)


def _conv_gn(cin: int, cout: int, k: int = 3) -> nn.Sequential:
    """Conv k x k + GroupNorm + GELU, same spatial size."""
    conv = nn.Conv2d(cin, cout, k, padding=k // 2, bias=False)
    return nn.Sequential(conv, nn.GroupNorm(8, cout), nn.GELU())


class SmallFpn(nn.Module):
    """Top-down FPN fusing stride 8/16/32 maps into one stride-8 map of ``channels``."""

    def __init__(self, in_channels: list[int], channels: int) -> None:
        super().__init__()
        self.lateral = nn.ModuleList(nn.Conv2d(c, channels, 1) for c in in_channels)
        self.smooth = _conv_gn(channels, channels)

    def forward(self, maps: list[torch.Tensor]) -> torch.Tensor:
        """maps: [B,C_i,H_i,W_i] finest first -> [B, channels, H_0, W_0]."""
        x = self.lateral[-1](maps[-1])
        for lateral, m in zip(list(self.lateral)[-2::-1], maps[-2::-1], strict=True):
            x = lateral(m) + F.interpolate(x, size=m.shape[-2:], mode="nearest")
        return self.smooth(x)


def _head(cin: int, cout: int, *, bias: float = 0.0) -> nn.Sequential:
    """Two-layer head: 3x3 conv + GN + GELU, then a 1x1 conv to ``cout`` with constant bias."""
    last = nn.Conv2d(cin, cout, 1)
    nn.init.normal_(last.weight, std=0.01)
    nn.init.constant_(last.get_parameter("bias"), bias)
    return nn.Sequential(_conv_gn(cin, cin), last)


class LiteNet(nn.Module):
    """Trunk + FPN + heads. Input: [B,3,H,W] float32 RGB in [0, 1] (normalised inside).

    Outputs (``forward``), with h = H/8, w = W/8:
        heat: [B,1,h,w] centre probability, zero except at 3x3 local maxima;
        size: [B,2,h,w] log(box w / 8), log(box h / 8) in input pixels;
        offset: [B,2,h,w] centre offset inside the cell, in cells (x, y);
        embed: [B,D,h,w] L2-normalised appearance;
        coef: [B,K,h,w] mask coefficients; proto: [B,K,h,w] mask prototypes.
    """

    def __init__(self, config: LiteConfig | None = None) -> None:
        super().__init__()
        self.config = cfg = config or LiteConfig()
        self.trunk = build_tinyvit(cfg.variant, img_size=cfg.input_width, out_stages=(1, 2, 3), norm="gn")
        self.fpn = SmallFpn(self.trunk.feature_info.channels(), cfg.fpn_channels)
        c = cfg.fpn_channels
        self.heat_head = _head(c, 1, bias=-math.log((1 - 0.01) / 0.01))
        self.box_head = _head(c, 4)
        self.embed_head = _head(c, cfg.embed_dim)
        self.coef_head = _head(c, cfg.num_prototypes)
        self.proto_head = _head(c, cfg.num_prototypes)
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), persistent=False)

    def features(self, image: torch.Tensor) -> torch.Tensor:
        """[B,3,H,W] in [0, 1] -> stride-8 FPN map [B, fpn_channels, H/8, W/8]."""
        mean, std = self.get_buffer("mean"), self.get_buffer("std")
        return self.fpn(self.trunk((image - mean) / std))

    def raw(self, image: torch.Tensor) -> dict[str, torch.Tensor]:
        """Head outputs before peak finding (for training): heat_logit, size, offset, embed, coef, proto."""
        p = self.features(image)
        box = self.box_head(p)
        return {"heat_logit": self.heat_head(p), "size": box[:, :2], "offset": box[:, 2:].sigmoid(),
                "embed": F.normalize(self.embed_head(p), dim=1), "coef": self.coef_head(p),
                "proto": self.proto_head(p)}

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """Inference outputs in `OUTPUT_NAMES` order (see the class docstring)."""
        r = self.raw(image)
        heat = r["heat_logit"].sigmoid()
        peaks = heat * (F.max_pool2d(heat, 3, stride=1, padding=1) == heat).float()
        return peaks, r["size"], r["offset"], r["embed"], r["coef"], r["proto"]


@dataclass(frozen=True)
class Letterbox:
    """How a frame was fitted into the network input: input = frame * scale + (pad_x, pad_y)."""

    scale: float
    pad_x: int
    pad_y: int


def letterbox_params(frame_hw: tuple[int, int], input_hw: tuple[int, int]) -> Letterbox:
    """Scale that fits ``frame_hw`` inside ``input_hw`` keeping aspect, centred padding (pixels)."""
    fh, fw = frame_hw
    ih, iw = input_hw
    scale = min(ih / fh, iw / fw)
    return Letterbox(scale, (iw - round(fw * scale)) // 2, (ih - round(fh * scale)) // 2)


def decode(
    outputs: dict[str, np.ndarray], box: Letterbox, frame_hw: tuple[int, int], *,
    score_threshold: float = 0.1, max_detections: int = 100, with_masks: bool = True,
) -> dict[str, np.ndarray]:
    """One image's network outputs -> detections in frame pixels.

    Args:
        outputs: `OUTPUT_NAMES` -> arrays with batch dimension 1 (as `LiteNet.forward` / onnxruntime give).
        box: the letterbox used to make the input from the frame.
        frame_hw: (height, width) of the original frame, pixels.
        score_threshold: peaks below this are dropped.
        max_detections: keep at most this many (highest scores).
        with_masks: also build NxHxW bool masks at frame resolution.

    Returns:
        {"xyxy": Nx4 float32 px, "score": N float32, "embedding": NxD float32, "mask": NxHxW bool or None,
        "cells": Nx2 int64 (row, col) of each centre on the output grid, for `instance_masks` later}.
    """
    heat = outputs["heat"][0, 0]
    ys, xs = np.nonzero(heat >= score_threshold)
    order = np.argsort(-heat[ys, xs], kind="stable")[:max_detections]
    ys, xs = ys[order], xs[order]
    size = np.exp(outputs["size"][0][:, ys, xs]) * STRIDE
    off = outputs["offset"][0][:, ys, xs]
    cx, cy = (xs + off[0]) * STRIDE, (ys + off[1]) * STRIDE
    xyxy = np.stack([cx - size[0] / 2, cy - size[1] / 2, cx + size[0] / 2, cy + size[1] / 2], axis=1)
    xyxy = (xyxy - [box.pad_x, box.pad_y, box.pad_x, box.pad_y]) / box.scale
    fh, fw = frame_hw
    xyxy = np.clip(xyxy, 0, [fw, fh, fw, fh]).astype(np.float32)
    cells = np.stack([ys, xs], axis=1).astype(np.int64)
    masks = instance_masks(outputs, cells, xyxy, box, frame_hw) if with_masks else None
    return {"xyxy": xyxy, "score": heat[ys, xs].astype(np.float32),
            "embedding": outputs["embed"][0][:, ys, xs].T.astype(np.float32), "mask": masks, "cells": cells}


def instance_masks(
    outputs: dict[str, np.ndarray], cells: np.ndarray, xyxy: np.ndarray, box: Letterbox,
    frame_hw: tuple[int, int],
) -> np.ndarray:
    """NxHxW bool masks at frame resolution: each instance's prototype mix, cropped to its box.

    Args:
        outputs: network outputs (batch 1); cells: Nx2 (row, col) centre cells; xyxy: Nx4 frame-pixel boxes.
        box: the letterbox of the frame; frame_hw: (height, width) of the frame.
    """
    import cv2

    ys, xs = cells[:, 0], cells[:, 1]
    coef = outputs["coef"][0][:, ys, xs].T  # N x K
    proto = outputs["proto"][0]  # K x h x w
    logits = np.einsum("nk,khw->nhw", coef, proto)
    fh, fw = frame_hw
    out = np.zeros((len(ys), fh, fw), bool)
    for i in range(len(ys)):
        x1, y1, x2, y2 = np.clip(np.round(xyxy[i]).astype(int), 0, [fw, fh, fw, fh])
        if x2 <= x1 or y2 <= y1:
            continue
        up = cv2.resize(logits[i], None, fx=STRIDE, fy=STRIDE, interpolation=cv2.INTER_LINEAR)
        ix1, iy1 = x1 * box.scale + box.pad_x, y1 * box.scale + box.pad_y
        ix2, iy2 = x2 * box.scale + box.pad_x, y2 * box.scale + box.pad_y
        rows = slice(int(iy1), max(int(np.ceil(iy2)), int(iy1) + 1))
        crop = up[rows, int(ix1) : max(int(np.ceil(ix2)), int(ix1) + 1)]
        out[i, y1:y2, x1:x2] = cv2.resize(crop, (x2 - x1, y2 - y1), interpolation=cv2.INTER_LINEAR) > 0
    return out


def count_parameters(module: nn.Module) -> int:
    """Number of parameters."""
    return sum(p.numel() for p in module.parameters())
