"""Tests of the per-frame mask-shape numbers (posture cues from instance masks)."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from models.behaviour.mask_shape import MASK_SHAPE_NAMES, mask_shape, mask_shapes

ELONGATION = MASK_SHAPE_NAMES.index("mask_elongation")
ELLIPSE_FILL = MASK_SHAPE_NAMES.index("mask_ellipse_fill")
SOLIDITY = MASK_SHAPE_NAMES.index("mask_solidity")


def ellipse(size: int, axes: tuple[int, int], angle: float, legs: bool = False) -> np.ndarray:
    """size x size bool mask of a filled ellipse (semi-axes in px, angle in degrees), optionally with legs."""
    img = np.zeros((size, size), np.uint8)
    centre = (size // 2, size // 2)
    cv2.ellipse(img, centre, axes, angle, 0, 360, 1, -1)
    if legs:  # four thin limbs sticking out sideways, like a pig lying on its side
        a = math.radians(angle)
        along, across = np.array([math.cos(a), math.sin(a)]), np.array([-math.sin(a), math.cos(a)])
        for s in (-0.5, 0.5):
            start = np.array(centre) + along * s * axes[0] + across * axes[1] * 0.8
            end = start + across * axes[1] * 1.2
            cv2.line(img, tuple(int(v) for v in start), tuple(int(v) for v in end), 1, max(2, size // 40))
    return img.astype(bool)


def shape_of(mask: np.ndarray) -> np.ndarray:
    ys, xs = np.nonzero(mask)
    box = np.array([[xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]], np.float32)
    return mask_shapes(mask[None], box)[0]


def test_an_ellipse_has_its_axis_ratio_and_fills_its_ellipse():
    out = shape_of(ellipse(200, (60, 20), 0.0))
    assert out.shape == (len(MASK_SHAPE_NAMES),) and out.dtype == np.float32
    assert out[ELONGATION] == pytest.approx(math.log(3.0), abs=0.03)
    assert out[ELLIPSE_FILL] == pytest.approx(1.0, abs=0.03)
    assert out[SOLIDITY] == pytest.approx(1.0, abs=0.03)
    assert out[MASK_SHAPE_NAMES.index("mask_box_fill")] == pytest.approx(math.pi / 4, abs=0.03)
    assert out[MASK_SHAPE_NAMES.index("mask_log_area")] == pytest.approx(
        math.log(math.pi * 60.5 * 20.5 / 200**2), abs=0.02
    )


@pytest.mark.parametrize("angle", [30.0, 45.0, 90.0, 135.0])
def test_shape_does_not_depend_on_the_heading(angle):
    upright, turned = shape_of(ellipse(200, (60, 20), 0.0)), shape_of(ellipse(200, (60, 20), angle))
    for column in (ELONGATION, ELLIPSE_FILL, SOLIDITY):
        assert turned[column] == pytest.approx(upright[column], abs=0.03)


def test_shape_does_not_depend_on_the_resolution():
    small, large = shape_of(ellipse(100, (30, 12), 20.0)), shape_of(ellipse(400, (120, 48), 20.0))
    for column in (ELONGATION, ELLIPSE_FILL, SOLIDITY):
        assert small[column] == pytest.approx(large[column], abs=0.04)


def test_legs_sticking_out_lower_solidity_and_ellipse_fill_and_widen():
    plain, legs = shape_of(ellipse(200, (50, 18), 25.0)), shape_of(ellipse(200, (50, 18), 25.0, legs=True))
    assert legs[SOLIDITY] < plain[SOLIDITY] - 0.05
    assert legs[ELLIPSE_FILL] < plain[ELLIPSE_FILL] - 0.03
    assert legs[ELONGATION] < plain[ELONGATION] - 0.1


def test_missing_or_tiny_masks_give_nan_rows():
    box = np.array([[10, 10, 60, 60]], np.float32)
    assert np.isnan(mask_shapes(None, box)).all()
    assert np.isnan(mask_shapes(np.zeros((1, 100, 100), bool), box)).all()
    tiny = np.zeros((1, 100, 100), bool)
    tiny[0, 20:23, 20:23] = True  # 9 px in a 2,500 px box: under MIN_BOX_FILL
    assert np.isnan(mask_shapes(tiny, box)).all()
    assert np.isnan(mask_shape(np.zeros((5, 5), bool), 25.0, 100.0)).all()
    assert mask_shapes(np.zeros((0, 10, 10), bool), np.zeros((0, 4))).shape == (0, len(MASK_SHAPE_NAMES))


def test_each_detection_reads_its_own_mask_inside_its_box():
    masks = np.stack([ellipse(200, (60, 20), 0.0), ellipse(200, (25, 25), 0.0)])
    box = np.array([[40, 80, 161, 121], [75, 75, 126, 126]], np.float32)
    out = mask_shapes(masks, box)
    assert out[0, ELONGATION] == pytest.approx(math.log(3.0), abs=0.03)
    assert out[1, ELONGATION] == pytest.approx(0.0, abs=0.03)
