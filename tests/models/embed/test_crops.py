"""Crops: square windows, frame borders, mask neutralisation, normalisation, empty inputs."""

from __future__ import annotations

import numpy as np
import pytest

from models.embed.crops import CropSpec, crop_batch, crop_one, square_window
from models.pipeline.types import Detections

SPEC = CropSpec(size=32, margin=0.0)


def _frame(h: int = 60, w: int = 80) -> np.ndarray:
    img = np.zeros((h, w, 3), np.uint8)
    img[..., 0] = 200  # red everywhere
    return img


@pytest.mark.parametrize(
    ("box", "margin", "want"),
    [
        ((10, 10, 30, 20), 0.0, (10, 5, 20)),  # wide box: side = width, centred vertically
        ((0, 0, 10, 40), 0.0, (-15, 0, 40)),  # tall box at the border: window leaves the frame
        ((5, 5, 5, 5), 0.0, (4, 4, 1)),  # degenerate box still yields a 1-px window
        ((0, 0, 100, 100), 0.1, (-5, -5, 110)),
    ],
)
def test_square_window(box: tuple[float, ...], margin: float, want: tuple[int, int, int]) -> None:
    assert square_window(np.asarray(box, np.float32), margin=margin) == want


def test_empty_detections_give_an_empty_batch() -> None:
    out = crop_batch(_frame(), Detections.empty(height=60, width=80), SPEC)
    assert out.shape == (0, 3, 32, 32) and out.dtype == np.float32


@pytest.mark.parametrize(
    "box",
    [(0, 0, 20, 20), (70, 50, 80, 60), (-10, -10, 5, 5), (60, 0, 95, 70), (100, 100, 120, 120)],
)
def test_border_boxes_are_padded_with_the_mean(box: tuple[float, ...]) -> None:
    dets = Detections(xyxy=np.asarray([box], np.float32), score=np.ones(1))
    out = crop_batch(_frame(), dets, SPEC)
    assert out.shape == (1, 3, 32, 32) and np.isfinite(out).all()
    x0, y0, side = square_window(np.asarray(box, np.float32), margin=0.0)
    inside_fraction = (
        max(0, min(x0 + side, 80) - max(x0, 0)) * max(0, min(y0 + side, 60) - max(y0, 0)) / side**2
    )
    padded = np.isclose(np.abs(out[0]).max(axis=0), 0.0, atol=0.02).mean()
    assert padded == pytest.approx(1.0 - inside_fraction, abs=0.1)


def test_background_outside_the_mask_is_neutral() -> None:
    img = _frame()
    img[20:40, 20:40] = (0, 255, 0)  # a green animal on red ground
    mask = np.zeros((1, 60, 80), bool)
    mask[0, 20:40, 20:40] = True
    dets = Detections(xyxy=np.asarray([[15, 15, 45, 45]], np.float32), score=np.ones(1), mask=mask)
    with_mask = crop_one(img, dets.xyxy[0], mask[0], SPEC)
    without = crop_one(img, dets.xyxy[0], None, SPEC)
    assert (with_mask[1, 1] == SPEC.fill_rgb).all()  # corner: background, neutralised
    assert (without[1, 1] == (200, 0, 0)).all()  # corner kept without a mask
    assert (with_mask[16, 16] == (0, 255, 0)).all()  # the animal itself is kept


def test_normalisation_makes_the_fill_zero() -> None:
    frame = np.empty((60, 80, 3), np.uint8)
    frame[:] = SPEC.fill_rgb
    out = crop_batch(frame, Detections(xyxy=[[10, 10, 30, 30]], score=[1.0]), SPEC)
    assert np.abs(out).max() < 0.02


@pytest.mark.parametrize("covered", [0, 10])
def test_a_failed_mask_keeps_the_animal(covered: int) -> None:
    """An empty or nearly empty mask (under 5 % of its box) is ignored instead of blanking the crop."""
    img = _frame()
    img[20:40, 20:40] = (0, 255, 0)
    mask = np.zeros((60, 80), bool)
    mask[20 : 20 + covered // 10, 20 : 20 + covered] = True  # 0 or 10 of 400 box pixels
    box = np.asarray([20, 20, 40, 40], np.float32)
    np.testing.assert_array_equal(crop_one(img, box, mask, SPEC), crop_one(img, box, None, SPEC))


@pytest.mark.parametrize(("shape", "dtype"), [((60, 80), np.uint8), ((60, 80, 3), np.float32)])
def test_bad_frames_raise(shape: tuple[int, ...], dtype: type) -> None:
    with pytest.raises(ValueError, match="HxWx3 uint8"):
        crop_batch(np.zeros(shape, dtype), Detections.empty(), SPEC)


def test_mask_of_another_size_raises() -> None:
    dets = Detections(xyxy=[[0, 0, 5, 5]], score=[1.0], mask=np.zeros((1, 10, 10), bool))
    with pytest.raises(ValueError, match="masks are"):
        crop_batch(_frame(), dets, SPEC)
