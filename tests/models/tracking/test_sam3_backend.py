"""SAM 3 back-end on a tiny random SAM 3: text-prompted streaming, bounded memory, student swap."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from models.nn.sam3_teacher import tiny_sam3_video_config
from models.nn.student import StudentConfig, build_student
from models.tracking.sam3_backend import (
    Sam3StreamTracker,
    StudentBackbone,
    _trim_dict,
    masks_to_detections,
    swap_in_student,
)

SIZE = 28  # 2x2 tokens: the smallest SAM 3 that runs; the pipeline (detector, tracker, memory) is complete


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny tensors: one intra-op thread is far faster than several on a shared 2-core machine."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _model():
    from transformers import Sam3VideoModel

    torch.manual_seed(0)
    model = Sam3VideoModel(tiny_sam3_video_config(image_size=SIZE, num_queries=4, max_objects=2))
    model.score_threshold_detection = 0.0  # random weights: accept detections so objects exist to track
    model.new_det_thresh = 0.0
    return model


def _tracker(model, window: int = 8) -> Sam3StreamTracker:
    ids = torch.randint(0, 1000, (1, 32), generator=torch.Generator().manual_seed(0))
    mask = torch.ones(1, 32, dtype=torch.long)
    return Sam3StreamTracker(model, prompt_ids=ids, prompt_mask=mask, window=window)


def _frames(n: int):
    rng = np.random.default_rng(0)
    for _ in range(n):
        yield rng.integers(0, 255, (48, 64, 3), dtype=np.uint8)


@pytest.mark.parametrize(
    ("keys", "keep", "left"),
    [([], 8, []), ([3, 1, 2], 8, [1, 2, 3]), ([5, 1, 9, 7], 2, [7, 9]), ([4], 0, [])],
)
def test_trim_keeps_newest(keys: list[int], keep: int, left: list[int]) -> None:
    frames = {k: torch.zeros(1) for k in keys}
    _trim_dict(frames, keep)
    assert sorted(frames) == left


def test_masks_to_detections_boxes_and_ids() -> None:
    logits = torch.full((1, 4, 4), -5.0)
    logits[0, 1:3, 0:2] = 5.0
    empty = torch.full((1, 4, 4), -5.0)
    dets = masks_to_detections({7: logits, 3: empty, 9: logits}, {7: 0.9, 9: 0.4}, {9}, 8, 8)
    assert dets.track_id.tolist() == [7]
    assert dets.xyxy.tolist() == [[0.0, 2.0, 4.0, 6.0]]
    assert dets.mask.shape == (1, 8, 8) and dets.score.tolist() == pytest.approx([0.9])
    assert len(masks_to_detections({}, {}, set(), 8, 8)) == 0


def test_session_memory_is_flat_over_500_frames() -> None:
    tracker = _tracker(_model())
    memory, tracked = [], 0
    for frame in _frames(520):
        dets = tracker.update(frame)
        tracked += len(dets)
        memory.append(tracker.session_tensor_bytes())
        assert dets.mask is not None and dets.mask.shape[1:] == (48, 64)
    session = tracker.session
    assert tracked > 0, "the text-prompted detector never produced a track"
    assert len(session.processed_frames) == 1
    assert all(len(o["non_cond_frame_outputs"]) <= 8 for o in session.output_dict_per_obj.values())
    assert len(session.obj_id_to_tracker_score_frame_wise) <= 16
    assert max(memory[100:]) <= 1.02 * max(memory[:100])


def test_unpruned_session_would_grow() -> None:
    """The control for the test above: without pruning the same stream's memory climbs frame after frame."""
    tracker = _tracker(_model(), window=10_000)
    tracker.model.config.hotstart_delay = 10_000
    memory = []
    for frame in _frames(40):
        tracker.update(frame)
        memory.append(tracker.session_tensor_bytes())
    assert memory[-1] > 3 * memory[5]


def test_student_replaces_the_vit_and_tracks() -> None:
    model = _model()
    student = build_student(StudentConfig(trunk="tiny_vit_5m", img_size=SIZE, out_size=2, level_channels=32,
                                          out_channels=64, groups=8))
    swap_in_student(model, student)
    assert isinstance(model.detector_model.vision_encoder.backbone, StudentBackbone)
    tracker = _tracker(model)
    results = [tracker.update(frame) for frame in _frames(5)]
    assert sum(len(d) for d in results) > 0
    assert all(d.track_id is not None for d in results)


def test_student_of_the_wrong_shape_is_refused() -> None:
    student = build_student(StudentConfig(trunk="tiny_vit_5m", img_size=SIZE, out_size=3, level_channels=32,
                                          out_channels=64, groups=8))
    with pytest.raises(ValueError, match="does not match"):
        swap_in_student(_model(), student)


@pytest.mark.parametrize("bad", [np.zeros((4, 4), np.uint8), np.zeros((4, 4, 3), np.float32)])
def test_bad_frames_raise(bad: np.ndarray) -> None:
    with pytest.raises(ValueError, match="HxWx3 uint8"):
        _tracker(_model()).update(bad)
