"""The ``sam3`` tracker back-end as a worker pipeline: SAM 3 video (optionally with the distilled student as
its vision encoder), text-prompted with "pig", then the bundle's embedder and behaviour model.

Workers select it with ``PIGWATCH_PROCESSOR=models.pipeline.sam3:build_processor``. Settings (environment):

- ``PIGWATCH_SAM3_CHECKPOINT``: a ``facebook/sam3``-style directory (``config.json``, weights, CLIP tokenizer
  files), as ``transformers.Sam3VideoModel.from_pretrained`` and ``AutoTokenizer`` read it. Required.
- ``PIGWATCH_SAM3_STUDENT``: optional distillation run directory written by ``pigwatch distill``
  (``config.json`` + ``ema.pt``); its EMA student replaces SAM 3's Perception Encoder.
- ``PIGWATCH_SAM3_WINDOW``: non-conditioning memory frames kept per object (default 8; memory stays flat).
- ``PIGWATCH_SAM3_DEVICE``: ``cuda`` or ``cpu`` (default: ``cuda`` when available).

The full model needs a GPU for real time; the shipped default remains the ``lite`` tracker.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import torch

from models.nn.student import StudentEncoder, build_student
from models.pipeline.default import DefaultProcessor, PipelineConfig, behaviour_fn_from_stage
from models.pipeline.types import Detections, Frame
from models.tracking.sam3_backend import Sam3StreamTracker, load_sam3_tracker

CHECKPOINT_ENV, STUDENT_ENV = "PIGWATCH_SAM3_CHECKPOINT", "PIGWATCH_SAM3_STUDENT"
WINDOW_ENV, DEVICE_ENV = "PIGWATCH_SAM3_WINDOW", "PIGWATCH_SAM3_DEVICE"


class Sam3SettingsError(ValueError):
    """The SAM 3 back-end is selected but its checkpoint or student cannot be used."""


class Sam3TrackerStage:
    """Adapts `Sam3StreamTracker` (``update(image)``) to the pipeline's ``TrackerStage`` (``update(frame)``).
    """

    def __init__(self, tracker: Sam3StreamTracker) -> None:
        self.tracker = tracker

    def reset(self) -> None:
        """Start a new stream (every chunk is tracked on its own; identity comes from re-ID)."""
        self.tracker.reset()

    def update(self, frame: Frame) -> Detections:
        """Boxes (xyxy, frame pixels), scores, masks at frame resolution and SAM 3 object ids as track ids."""
        return self.tracker.update(frame.image)


def load_distilled_student(run_dir: Path) -> StudentEncoder:
    """The EMA student of a ``pigwatch distill`` run (``config.json`` + ``ema.pt``), in eval mode.

    Raises:
        Sam3SettingsError: files missing or weights that do not fit the recorded student config.
    """
    from models.train.distill import DistillConfig

    config_path, weights_path = run_dir / "config.json", run_dir / "ema.pt"
    if not config_path.is_file() or not weights_path.is_file():
        raise Sam3SettingsError(f"{run_dir} is not a distillation run (needs config.json and ema.pt)")
    config = DistillConfig.from_dict(json.loads(config_path.read_text()))
    student = build_student(config.student)
    try:
        student.load_state_dict(torch.load(weights_path, map_location="cpu", weights_only=True), strict=True)
    except RuntimeError as error:
        raise Sam3SettingsError(f"{weights_path} does not match its config.json: {error}") from error
    return student.eval()


def sam3_settings_from_env() -> tuple[Path, Path | None, int, str]:
    """(checkpoint dir, student run dir or None, memory window, device) from the environment.

    Raises:
        Sam3SettingsError: the checkpoint is unset or not a directory, the student is not a directory, or the
            window is not a positive integer.
    """
    checkpoint = os.environ.get(CHECKPOINT_ENV, "")
    if not checkpoint or not Path(checkpoint).is_dir():
        raise Sam3SettingsError(f"set {CHECKPOINT_ENV} to a SAM 3 checkpoint directory (got {checkpoint!r})")
    student = os.environ.get(STUDENT_ENV) or None
    if student is not None and not Path(student).is_dir():
        raise Sam3SettingsError(f"{STUDENT_ENV}={student!r} is not a directory")
    window_text = os.environ.get(WINDOW_ENV, "8")
    if not window_text.isdigit() or int(window_text) < 1:
        raise Sam3SettingsError(f"{WINDOW_ENV} must be a positive integer, got {window_text!r}")
    device = os.environ.get(DEVICE_ENV) or ("cuda" if torch.cuda.is_available() else "cpu")
    return Path(checkpoint), Path(student) if student else None, int(window_text), device


def build_processor(bundle_dir: Path | None = None, *, config: PipelineConfig | None = None,
                    threads: int = 0) -> DefaultProcessor:
    """SAM 3 (student-swapped when configured) -> the bundle's embedder -> behaviour, per chunk.

    Raises:
        Sam3SettingsError: see `sam3_settings_from_env`.
        models.pipeline.bundle.BundleError: the embedder/behaviour bundle is missing or incomplete.
    """
    from models.behaviour.stage import BehaviourStage
    from models.behaviour.train import load_bundle as load_behaviour
    from models.embed.embedder import Embedder
    from models.pipeline.bundle import bundle_dir_from_env, load_bundle_manifest

    checkpoint, student_dir, window, device = sam3_settings_from_env()
    student = load_distilled_student(student_dir) if student_dir is not None else None
    tracker = load_sam3_tracker(checkpoint, student=student, window=window, device=device)
    bundle = load_bundle_manifest(bundle_dir or bundle_dir_from_env())
    embedder = Embedder.from_onnx(bundle.embedder, threads=threads)
    behaviour = behaviour_fn_from_stage(BehaviourStage(load_behaviour(bundle.behaviour)))
    return DefaultProcessor(Sam3TrackerStage(tracker), embedder, behaviour, config)
