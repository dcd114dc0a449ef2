"""The ``sam3`` tracker back-end: SAM 3's video model prompted by text, with memory bounded on any stream.

* Detection by text: the session is prompted with "pig"; SAM 3's detector runs on every frame, so pigs are
  found without box prompts, new pigs are picked up and lost ones re-acquired (SAM 3's own detector-tracker
  association assigns the ids).
* Optional student encoder: :class:`StudentBackbone` replaces the Perception Encoder ViT inside the detector's
  vision encoder. It returns the ViT's ``last_hidden_state`` layout, so SAM 3's own necks (detector FPN and
  tracker FPN), memory attention and mask decoders are kept unchanged.
* Bounded memory: after every frame :func:`prune_session` keeps, per object, only the newest ``window``
  non-conditioning memory entries and the newest ``max_cond_frame_num`` conditioning entries, and drops the
  stored frames, per-frame scores, suppression sets and hotstart bookkeeping the window no longer needs.
  (transformers keeps every frame's pixels and every memory entry, so an unpruned session grows without end.)

Streaming frames go in as ``HxWx3 uint8 RGB`` numpy arrays; :meth:`Sam3StreamTracker.update` returns
``Detections`` (boxes XYXY in frame pixels, masks at frame resolution, SAM 3 object ids as track ids).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch
from torch import nn

from models.nn.student import StudentEncoder
from models.nn.tinyvit import IMAGENET_MEAN, IMAGENET_STD
from models.pipeline.types import Detections


class StudentBackbone(nn.Module):
    """Drop-in for ``Sam3ViTModel``: SAM 3-normalised pixels -> student ``last_hidden_state`` [B, h*w, C].

    SAM 3 normalises frames with mean = std = 0.5; the student was distilled on ImageNet-normalised input, so
    the adapter converts before calling it.
    """

    mean: torch.Tensor
    std: torch.Tensor

    def __init__(self, student: StudentEncoder) -> None:
        super().__init__()
        self.student = student.eval()
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN)[None, :, None, None], persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD)[None, :, None, None], persistent=False)

    def forward(self, pixel_values: torch.Tensor, **_: object):
        from transformers.modeling_outputs import BaseModelOutput

        unit = pixel_values * 0.5 + 0.5
        fmap = self.student((unit - self.mean) / self.std)  # [B, C, h, w]
        return BaseModelOutput(last_hidden_state=fmap.flatten(2).transpose(1, 2))


def swap_in_student(video_model: Any, student: StudentEncoder) -> None:
    """Replace the ViT inside ``video_model`` (a ``Sam3VideoModel``) by the student, in place.

    Raises:
        ValueError: the student's output map does not have the ViT's channels and token grid.
    """
    vit_config = video_model.config.detector_config.vision_config.backbone_config
    grid = vit_config.image_size // vit_config.patch_size
    shape = (student.config.out_channels, student.config.out_size)
    if shape != (vit_config.hidden_size, grid):
        raise ValueError(f"student map (C={shape[0]}, {shape[1]}x{shape[1]}) does not match SAM 3's ViT "
                         f"(C={vit_config.hidden_size}, {grid}x{grid})")
    video_model.detector_model.vision_encoder.backbone = StudentBackbone(student)


def _trim_dict(frames: dict, keep: int) -> None:
    """Delete all but the ``keep`` largest frame-index keys of ``frames`` in place."""
    for key in sorted(frames)[: max(len(frames) - keep, 0)]:
        del frames[key]


def _drop_before(frames: dict, oldest: int) -> None:
    for key in [k for k in frames if k < oldest]:
        del frames[key]


def prune_session(session, frame_idx: int, *, window: int, max_cond: int, hotstart: int) -> None:
    """Bound a ``Sam3VideoInferenceSession`` after ``frame_idx`` was processed (in place).

    Args:
        session: the transformers inference session.
        frame_idx: the frame just processed.
        window: non-conditioning memory entries kept per object (the published pruning keeps 8).
        max_cond: conditioning entries kept per object (SAM 3 attends to at most ``max_cond_frame_num``).
        hotstart: frames of hotstart bookkeeping kept (``hotstart_delay``).
    """
    oldest = frame_idx - max(window, hotstart)
    for outputs in session.output_dict_per_obj.values():
        _trim_dict(outputs["non_cond_frame_outputs"], window)
        _trim_dict(outputs["cond_frame_outputs"], max_cond)
    per_frame = (session.frames_tracked_per_obj, session.mask_inputs_per_obj, session.point_inputs_per_obj)
    for per_obj in per_frame:
        for frames in per_obj.values():
            _drop_before(frames, oldest)
    if session.processed_frames is not None:
        _drop_before(session.processed_frames, frame_idx)
    _drop_before(session.obj_id_to_tracker_score_frame_wise, oldest)
    _drop_before(session.suppressed_obj_ids, oldest)
    for indices in (*session.unmatched_frame_inds.values(), *session.overlap_pair_to_frame_inds.values()):
        indices[:] = [i for i in indices if i >= frame_idx - hotstart]


def tensor_bytes(obj: object, _seen: set[int] | None = None) -> int:
    """Bytes of all tensors reachable from ``obj`` via dicts, lists, tuples, sets and object attributes."""
    seen = set() if _seen is None else _seen
    if id(obj) in seen:
        return 0
    seen.add(id(obj))
    if isinstance(obj, torch.Tensor):
        return obj.numel() * obj.element_size()
    if isinstance(obj, dict):
        return sum(tensor_bytes(k, seen) + tensor_bytes(v, seen) for k, v in obj.items())
    if isinstance(obj, list | tuple | set | frozenset):
        return sum(tensor_bytes(v, seen) for v in obj)
    if hasattr(obj, "__dict__") and not isinstance(obj, type | nn.Module):
        return tensor_bytes(vars(obj), seen)
    return 0


def masks_to_detections(obj_masks: dict[int, torch.Tensor], obj_scores: dict[int, float], hidden: set[int],
                        height: int, width: int) -> Detections:
    """SAM 3 low-res mask logits per object id -> ``Detections`` at frame resolution (empty masks dropped)."""
    ids = [i for i in sorted(obj_masks) if i not in hidden]
    if not ids:
        return Detections.empty(height=height, width=width)
    logits = torch.cat([obj_masks[i].float().reshape(1, 1, *obj_masks[i].shape[-2:]) for i in ids])
    masks = (nn.functional.interpolate(logits, size=(height, width), mode="bilinear") > 0)[:, 0].cpu().numpy()
    keep = masks.any(axis=(1, 2))
    boxes = np.zeros((len(ids), 4), np.float32)
    for n in np.flatnonzero(keep):
        ys, xs = np.nonzero(masks[n])
        boxes[n] = (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)
    scores = np.array([obj_scores.get(i, 0.0) for i in ids], np.float32).clip(0, 1)
    found = Detections(xyxy=boxes, score=scores, mask=masks, track_id=np.array(ids, np.int64))
    return found[np.flatnonzero(keep)]


class Sam3StreamTracker:
    """Streaming text-prompted SAM 3 tracker with bounded session memory (``Tracker.update`` style).

    Attributes:
        model: the ``Sam3VideoModel`` (possibly with the student swapped in).
        window: non-conditioning memory entries kept per object.
    """

    def __init__(self, model: Any, *, prompt_ids: torch.Tensor, prompt_mask: torch.Tensor,
                 prompt: str = "pig", window: int = 8, device: str | torch.device = "cpu") -> None:
        self.model = model.eval().to(device)
        self.device = torch.device(device)
        self.prompt, self.window = prompt, window
        self._prompt_ids, self._prompt_mask = prompt_ids, prompt_mask
        self.image_size = int(model.config.image_size)
        self.reset()

    def reset(self) -> None:
        """Forget every object and frame; the next frame starts a new stream."""
        from transformers.models.sam3_video.modeling_sam3_video import Sam3VideoInferenceSession

        self.session = Sam3VideoInferenceSession(
            inference_device=self.device, inference_state_device=self.device,
            video_storage_device=self.device, dtype=torch.float32,
        )
        prompt_id = self.session.add_prompt(self.prompt)
        self.session.prompt_input_ids[prompt_id] = self._prompt_ids.to(self.device)
        self.session.prompt_attention_masks[prompt_id] = self._prompt_mask.to(self.device)
        self.frames_seen = 0

    def _pixels(self, image: np.ndarray) -> torch.Tensor:
        """HxWx3 uint8 RGB -> [3,S,S] float32 normalised as SAM 3 (mean = std = 0.5)."""
        resized = cv2.resize(image, (self.image_size, self.image_size), interpolation=cv2.INTER_LINEAR)
        return (torch.from_numpy(resized).permute(2, 0, 1).float() / 255.0 - 0.5) / 0.5

    @torch.inference_mode()
    def update(self, image: np.ndarray) -> Detections:
        """Track one frame (HxWx3 uint8 RGB) -> Detections with ``track_id`` and masks at frame resolution."""
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError(f"frame must be HxWx3 uint8 RGB, got {image.shape} {image.dtype}")
        out = self.model(inference_session=self.session, frame=self._pixels(image).to(self.device),
                         frame_idx=self.frames_seen)
        config = self.model.config
        prune_session(self.session, self.frames_seen, window=self.window,
                      max_cond=config.tracker_config.max_cond_frame_num, hotstart=config.hotstart_delay)
        self.frames_seen += 1
        hidden = set(out.suppressed_obj_ids or ()) | set(self.session.hotstart_removed_obj_ids)
        return masks_to_detections(out.obj_id_to_mask, out.obj_id_to_score, hidden, *image.shape[:2])

    def session_tensor_bytes(self) -> int:
        """Bytes of every tensor the session holds (frames, features, memories, prompts)."""
        return tensor_bytes(self.session)


def tokenize_prompt(checkpoint_dir: str | Path, prompt: str = "pig") -> tuple[torch.Tensor, torch.Tensor]:
    """Token ids and attention mask ([1, 32] int64 each) of ``prompt`` by the checkpoint's CLIP tokenizer."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(checkpoint_dir))
    encoded = tokenizer(prompt, return_tensors="pt", padding="max_length", max_length=32)
    return encoded.input_ids, encoded.attention_mask


def load_sam3_tracker(checkpoint_dir: str | Path, *, student: StudentEncoder | None = None,
                      prompt: str = "pig", window: int = 8, device: str = "cpu") -> Sam3StreamTracker:
    """A streaming tracker from a ``facebook/sam3``-style checkpoint directory, optionally with a student."""
    from transformers import Sam3VideoModel

    model = Sam3VideoModel.from_pretrained(str(checkpoint_dir))
    if student is not None:
        swap_in_student(model, student)
    ids, mask = tokenize_prompt(checkpoint_dir, prompt)
    return Sam3StreamTracker(model, prompt_ids=ids, prompt_mask=mask, prompt=prompt, window=window,
                             device=device)
