"""SAM 3's vision encoder (the Perception Encoder ViT) as a frozen distillation teacher.

The teacher's target is the ViT's last hidden state, ``Sam3ViTModel(...).last_hidden_state`` reshaped to
``[B, hidden, H/patch, W/patch]``: ``[B, 1024, 72, 72]`` for ``facebook/sam3`` at 1008 px. This is the map
that SAM 3's own necks (detector and tracker FPNs) consume, so a student that imitates it can replace the
whole ViT while the necks, detector, memory attention and mask decoder stay.

Only the ViT's weights are read from the checkpoint (by safetensors key prefix), so the 446M-parameter
backbone is loaded without the rest of the 840M-parameter video model. These checkpoint layouts work:

* ``Sam3VideoModel`` (the official ``facebook/sam3``): ``detector_model.vision_encoder.backbone.*``
* ``Sam3Model``: ``vision_encoder.backbone.*``
* ``Sam3TrackerVideoModel`` / ``Sam3TrackerModel``: ``vision_encoder.backbone.*``
* ``Sam3VisionModel``: ``backbone.*``
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from torch import nn

_PREFIXES = ("detector_model.vision_encoder.backbone.", "vision_encoder.backbone.", "backbone.")
SAM3_MEAN = (0.5, 0.5, 0.5)
SAM3_STD = (0.5, 0.5, 0.5)


class TeacherLoadError(ValueError):
    """The checkpoint directory is not a SAM 3 checkpoint this loader understands."""


def _backbone_config(checkpoint_dir: Path):
    """The ``Sam3ViTConfig`` inside whatever SAM 3 config the directory holds."""
    from transformers import AutoConfig

    config_path = checkpoint_dir / "config.json"
    if not config_path.is_file():
        raise TeacherLoadError(f"{checkpoint_dir} has no config.json; expected a SAM 3 checkpoint directory")
    config = AutoConfig.from_pretrained(str(checkpoint_dir))
    for path in ("detector_config.vision_config.backbone_config", "vision_config.backbone_config",
                 "backbone_config"):
        node = config
        for part in path.split("."):
            node = getattr(node, part, None)
        if node is not None and getattr(node, "model_type", "") == "sam3_vit_model":
            return node
    kind = config.model_type
    raise TeacherLoadError(f"config.json in {checkpoint_dir} (model_type={kind!r}) has no SAM 3 ViT")


def _weight_files(checkpoint_dir: Path) -> list[Path]:
    index = checkpoint_dir / "model.safetensors.index.json"
    if index.is_file():
        shards = sorted(set(json.loads(index.read_text())["weight_map"].values()))
        return [checkpoint_dir / s for s in shards]
    single = checkpoint_dir / "model.safetensors"
    if single.is_file():
        return [single]
    raise TeacherLoadError(f"no model.safetensors (or index) in {checkpoint_dir}")


def read_backbone_state(checkpoint_dir: Path) -> dict[str, torch.Tensor]:
    """The ViT's tensors from the checkpoint's safetensors, with the layout's prefix removed."""
    from safetensors import safe_open

    files = _weight_files(checkpoint_dir)
    for prefix in _PREFIXES:
        state: dict[str, torch.Tensor] = {}
        for file in files:
            with safe_open(str(file), framework="pt") as handle:
                for key in handle.keys():  # noqa: SIM118 - safe_open handles are not iterable
                    if key.startswith(prefix):
                        state[key[len(prefix):]] = handle.get_tensor(key)
        if state:
            return state
    raise TeacherLoadError(f"no SAM 3 ViT weights (prefixes {_PREFIXES}) in {checkpoint_dir}")


class Sam3Teacher(nn.Module):
    """Frozen SAM 3 ViT: ``[B,3,S,S]`` normalised images -> ``[B, hidden, S/patch, S/patch]`` float32.

    Attributes:
        backbone: the transformers ``Sam3ViTModel`` (eval mode, no gradients).
        image_size: input side in pixels the checkpoint expects (1008 for facebook/sam3).
        patch_size: pixels per token (14).
        hidden_size: channels of the output map (1024).
    """

    def __init__(self, backbone: nn.Module, *, image_size: int, patch_size: int, hidden_size: int) -> None:
        super().__init__()
        self.backbone = backbone.eval().requires_grad_(False)
        self.image_size, self.patch_size, self.hidden_size = image_size, patch_size, hidden_size

    def train(self, mode: bool = True) -> Sam3Teacher:
        """The teacher stays in eval mode whatever is asked."""
        return super().train(False)

    @property
    def map_size(self) -> int:
        """Side of the output map in tokens (72 for facebook/sam3)."""
        return self.image_size // self.patch_size

    @torch.no_grad()
    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """images: [B,3,H,W] float32 normalised with mean=std=0.5 -> [B, hidden, H/patch, W/patch] float32."""
        b, _, h, w = images.shape
        tokens = self.backbone(pixel_values=images).last_hidden_state  # [B, HW, C]
        return tokens.view(b, h // self.patch_size, w // self.patch_size, -1).permute(0, 3, 1, 2).float()

    def encode_unit(self, images: torch.Tensor) -> torch.Tensor:
        """images: [B,3,H,W] float32 RGB in [0,1] -> [B, hidden, H/patch, W/patch] (normalised as SAM 3)."""
        device = next(self.backbone.parameters()).device
        return self((images.to(device) - 0.5) / 0.5)

    def encode_numpy(self, images: np.ndarray) -> np.ndarray:
        """images: [B,3,H,W] float32 normalised -> [B, hidden, H/patch, W/patch] float32 numpy."""
        device = next(self.backbone.parameters()).device
        return self(torch.from_numpy(images).to(device)).cpu().numpy()


def load_sam3_teacher(checkpoint_dir: str | Path, *, device: str | torch.device = "cpu") -> Sam3Teacher:
    """Load SAM 3's ViT from a checkpoint directory (``config.json`` + safetensors), strictly.

    Args:
        checkpoint_dir: a directory saved by ``save_pretrained`` of any SAM 3 class listed in the module doc.
        device: where to put the teacher.

    Raises:
        TeacherLoadError: not a SAM 3 checkpoint, no ViT weights, or missing/unexpected ViT keys.
    """
    from transformers.models.sam3.modeling_sam3 import Sam3ViTModel

    directory = Path(checkpoint_dir)
    if not directory.is_dir():
        raise TeacherLoadError(f"teacher checkpoint directory {directory} does not exist")
    config = _backbone_config(directory)
    backbone = Sam3ViTModel(config)
    result = backbone.load_state_dict(read_backbone_state(directory), strict=False)
    if result.missing_keys or result.unexpected_keys:
        raise TeacherLoadError(f"SAM 3 ViT weights do not match: missing={result.missing_keys[:5]}, "
                               f"unexpected={result.unexpected_keys[:5]}")
    size = config.image_size if isinstance(config.image_size, int) else config.image_size[0]
    patch = config.patch_size if isinstance(config.patch_size, int) else config.patch_size[0]
    teacher = Sam3Teacher(backbone, image_size=size, patch_size=patch, hidden_size=config.hidden_size)
    return teacher.to(device)


def tiny_sam3_video_config(*, image_size: int = 56, vit_width: int = 64, hidden: int = 128,
                           num_queries: int = 8, max_objects: int = 4):
    """A tiny random-weight ``Sam3VideoConfig`` (2 ViT layers) for tests and CPU benchmarks.

    Real SAM 3 is ``image_size=1008, vit_width=1024, hidden=256``. The tracker's memory attention reads
    64-channel memories (fixed in transformers), so ``memory_encoder_output_channels`` stays 64.

    Args:
        image_size: input side in pixels, a multiple of 28 (patch 14, windows of half the token grid).
        vit_width: the ViT hidden size (the map the student imitates has this many channels).
        hidden: width of the FPN, detector and tracker.
        num_queries: detector queries per frame.
        max_objects: the most objects the video model tracks at once.
    """
    from transformers import Sam3VideoConfig

    feat = image_size // 14
    vit = {"model_type": "sam3_vit_model", "hidden_size": vit_width, "intermediate_size": 2 * vit_width,
           "num_hidden_layers": 2, "num_attention_heads": 2, "image_size": image_size, "patch_size": 14,
           "window_size": max(feat // 2, 1), "global_attn_indexes": [1], "pretrain_image_size": image_size}
    vision = {"backbone_config": vit, "fpn_hidden_size": hidden,
              "backbone_feature_sizes": [[feat * 4] * 2, [feat * 2] * 2, [feat] * 2]}
    text = {"model_type": "clip_text_model", "vocab_size": 49408, "hidden_size": 32, "intermediate_size": 64,
            "projection_dim": 32, "num_hidden_layers": 1, "num_attention_heads": 2,
            "max_position_embeddings": 32}
    small = {"hidden_size": hidden, "num_layers": 1, "num_attention_heads": 2, "intermediate_size": 64}
    detector = {"vision_config": vision, "text_config": text, "geometry_encoder_config": small,
                "detr_encoder_config": small, "detr_decoder_config": {**small, "num_queries": num_queries},
                "mask_decoder_config": {"hidden_size": hidden, "num_attention_heads": 2}}
    tracker = {"vision_config": vision,
               "prompt_encoder_config": {"hidden_size": hidden, "image_size": image_size, "patch_size": 14},
               "mask_decoder_config": {"hidden_size": hidden, "mlp_dim": 64, "num_attention_heads": 2,
                                       "iou_head_hidden_dim": 32},
               "memory_attention_hidden_size": hidden, "memory_attention_num_layers": 1,
               "memory_attention_feed_forward_hidden_size": 64,
               "memory_attention_rope_feat_sizes": [feat, feat],
               "memory_encoder_hidden_size": hidden, "memory_encoder_output_channels": 64,
               "mask_downsampler_embed_dim": hidden, "memory_fuser_embed_dim": hidden,
               "memory_fuser_intermediate_dim": 64, "memory_fuser_num_layers": 1}
    config = Sam3VideoConfig(detector_config=detector, tracker_config=tracker, low_res_mask_size=feat * 4,
                             max_num_objects=max_objects)
    config.image_size = image_size
    return config
