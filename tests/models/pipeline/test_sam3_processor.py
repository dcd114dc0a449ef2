"""The ``sam3`` worker pipeline: settings, a distilled student from disk, a tiny SAM 3 checkpoint end to end.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from models.nn.student import StudentConfig, build_student
from models.pipeline.default import PipelineConfig
from models.pipeline.processor import ChunkContext
from models.pipeline.sam3 import (
    CHECKPOINT_ENV,
    DEVICE_ENV,
    STUDENT_ENV,
    WINDOW_ENV,
    Sam3SettingsError,
    build_processor,
    load_distilled_student,
    sam3_settings_from_env,
)
from models.pipeline.types import Frame

SIZE = 28  # the smallest SAM 3 that runs (2x2 tokens)
STUDENT = StudentConfig(trunk="tiny_vit_5m", img_size=SIZE, out_size=2, level_channels=32, out_channels=64,
                        groups=8)


@pytest.fixture(autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in (CHECKPOINT_ENV, STUDENT_ENV, WINDOW_ENV, DEVICE_ENV):
        monkeypatch.delenv(name, raising=False)


def write_tiny_checkpoint(directory: Path) -> Path:
    """A random tiny ``Sam3VideoModel`` and a tiny CLIP tokenizer saved as a facebook/sam3-style directory."""
    from transformers import CLIPTokenizer, Sam3VideoModel

    from models.nn.sam3_teacher import tiny_sam3_video_config

    torch.manual_seed(0)
    model = Sam3VideoModel(tiny_sam3_video_config(image_size=SIZE, num_queries=4, max_objects=2))
    model.save_pretrained(directory)
    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1, "p": 2, "i": 3, "g</w>": 4, "pi": 5, "pig</w>": 6}
    (directory / "vocab.json").write_text(json.dumps(vocab))
    (directory / "merges.txt").write_text("#version: 0.2\np i\npi g</w>\n")
    tokenizer = CLIPTokenizer(vocab_file=str(directory / "vocab.json"),
                              merges_file=str(directory / "merges.txt"), pad_token="<|endoftext|>")
    tokenizer.save_pretrained(directory)
    return directory


def write_distill_run(directory: Path, config: StudentConfig = STUDENT) -> Path:
    """``config.json`` + ``ema.pt`` as `models.train.distill.Distiller.save` writes them."""
    from models.train.distill import DistillConfig

    directory.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(1)
    torch.save(build_student(config).state_dict(), directory / "ema.pt")
    (directory / "config.json").write_text(json.dumps(DistillConfig(student=config).to_dict()))
    return directory


def test_settings_need_a_checkpoint_directory(tmp_path, monkeypatch) -> None:
    with pytest.raises(Sam3SettingsError, match=CHECKPOINT_ENV):
        sam3_settings_from_env()
    monkeypatch.setenv(CHECKPOINT_ENV, str(tmp_path / "missing"))
    with pytest.raises(Sam3SettingsError, match="checkpoint directory"):
        sam3_settings_from_env()


@pytest.mark.parametrize("window", ["0", "-3", "eight"])
def test_settings_refuse_a_bad_window(tmp_path, monkeypatch, window: str) -> None:
    monkeypatch.setenv(CHECKPOINT_ENV, str(tmp_path))
    monkeypatch.setenv(WINDOW_ENV, window)
    with pytest.raises(Sam3SettingsError, match="positive integer"):
        sam3_settings_from_env()


def test_settings_read_student_window_and_device(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(CHECKPOINT_ENV, str(tmp_path))
    monkeypatch.setenv(STUDENT_ENV, str(tmp_path))
    monkeypatch.setenv(WINDOW_ENV, "12")
    monkeypatch.setenv(DEVICE_ENV, "cpu")
    assert sam3_settings_from_env() == (tmp_path, tmp_path, 12, "cpu")


def test_distilled_student_loads_its_ema_weights(tmp_path) -> None:
    run = write_distill_run(tmp_path / "run")
    student = load_distilled_student(run)
    saved = torch.load(run / "ema.pt", weights_only=True)
    assert all(torch.equal(value, saved[name]) for name, value in student.state_dict().items())
    assert not student.training


def test_distilled_student_of_another_shape_is_refused(tmp_path) -> None:
    run = write_distill_run(tmp_path / "run")
    other = StudentConfig(trunk="tiny_vit_5m", img_size=SIZE, out_size=2, level_channels=16, out_channels=64,
                          groups=8)
    (run / "config.json").write_text(json.dumps({**json.loads((run / "config.json").read_text()),
                                                  "student": other.__dict__}))
    with pytest.raises(Sam3SettingsError, match="does not match"):
        load_distilled_student(run)
    with pytest.raises(Sam3SettingsError, match="not a distillation run"):
        load_distilled_student(tmp_path / "empty")


def test_sam3_processor_runs_a_chunk_from_disk_checkpoints(tmp_path, monkeypatch) -> None:
    """Checkpoint, tokenizer and student written to disk, loaded through the environment; one chunk run."""
    monkeypatch.setenv(CHECKPOINT_ENV, str(write_tiny_checkpoint(tmp_path / "sam3")))
    monkeypatch.setenv(STUDENT_ENV, str(write_distill_run(tmp_path / "run")))
    monkeypatch.setenv(DEVICE_ENV, "cpu")
    processor = build_processor(config=PipelineConfig(min_track_frames=1), threads=1)  # random weights
    model = processor.tracker.tracker.model  # type: ignore[attr-defined]
    model.score_threshold_detection = 0.0  # random weights: accept detections so objects exist to track
    model.new_det_thresh = 0.0
    rng = np.random.default_rng(0)
    frames = [Frame(i, i / 3.0, rng.integers(0, 255, (48, 64, 3), dtype=np.uint8)) for i in range(9)]
    context = ChunkContext(fps=3.0, width=64, height=48, start_s=0.0, end_s=3.0, zones={},
                           clock_start_s=36000.0)
    progress: list[float] = []
    result = processor.process(frames, context=context, on_progress=progress.append)
    assert result.frames_decoded == 9 and progress[-1] == 1.0
    assert result.tracks, "the text-prompted tracker produced no track"
    for track in result.tracks:
        assert track.xyxy.shape == (len(track.frame_indices), 4)
        assert track.embeddings.ndim == 2 and track.embeddings.shape[1] == 384  # the bundle's embedder
        np.testing.assert_allclose(np.linalg.norm(track.embeddings, axis=1), 1.0, atol=1e-3)
