"""Pen geometry, camera mapping, lighting and body-collision helpers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from models.sim.gait import body_circles, overlap_push
from models.sim.pen import PenView, is_night, lighting_lut
from models.sim.places import Places
from models.sim.scenario import pen_zones


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (320, 180), (100, 100)])
def test_view_fits_pen_and_walls(width: int, height: int) -> None:
    size = (5.0, 2.8)
    view = PenView.fit(size, width=width, height=height)
    corners = view.to_px(np.array([[0.0, 0.0], [size[0], size[1]]]))
    assert np.all(corners >= 0) and corners[1, 0] <= width and corners[1, 1] <= height
    assert view.normalised(np.array([[0.0, 0.0]]))[0] == pytest.approx(
        [corners[0, 0] / width, corners[0, 1] / height], abs=1e-5
    )


@pytest.mark.parametrize(
    ("hour", "night"), [(0.0, True), (5.9, True), (6.0, False), (12.0, False), (21.0, True)]
)
def test_night_hours(hour: float, night: bool) -> None:
    assert is_night(hour) is night


def test_noon_is_brighter_than_dawn() -> None:
    assert lighting_lut(12.0)[200, 0, 1] > lighting_lut(6.5)[200, 0, 1]
    assert lighting_lut(12.0).shape == (256, 1, 3)


@pytest.mark.parametrize("point", [[-1.0, -1.0], [100.0, 100.0], [1.0, 0.05], [2.0, 1.5]])
def test_clamp_keeps_points_in_pen_and_out_of_trough(point: list[float]) -> None:
    size = (5.0, 2.8)
    places = Places(size, pen_zones(size))
    out = places.clamp(np.array(point), margin=0.3)
    assert np.all(out >= 0.3) and np.all(out <= np.array(size) - 0.3)
    lo, hi = places.boxes["feeder"]
    if lo[0] - 0.3 < out[0] < hi[0] + 0.3:
        assert out[1] >= places.feeder_front_y + 0.24 - 1e-9


def test_feeder_places_fill_up() -> None:
    size = (5.0, 2.8)
    places = Places(size, pen_zones(size))
    rng = np.random.default_rng(0)
    taken: list[np.ndarray] = []
    while (spot := places.free_feeder_spot(rng, taken, 1.0)) is not None:
        assert spot[1] == pytest.approx(-math.pi / 2)
        taken.append(spot[0])
    assert len(taken) == len(places.feeder_x) > 0


def test_body_circles_lie_along_the_heading() -> None:
    circles = body_circles(np.array([[1.0, 2.0]]), np.array([math.pi / 2]), np.array([1.0]))
    assert circles.shape == (1, 3, 2)
    assert np.allclose(circles[0], [[1.0, 1.7], [1.0, 2.0], [1.0, 2.3]])
    assert body_circles(np.zeros((0, 2)), np.zeros(0), np.zeros(0)).shape == (0, 3, 2)


@pytest.mark.parametrize(
    ("other", "expected"),
    [
        ([5.0, 0.0], [0.0, 0.0]),  # far apart: no push
        ([0.0, 0.2], [0.0, -0.08]),  # side by side, 0.2 apart, radii 0.14: pushed 0.08 away
    ],
)
def test_overlap_push(other: list[float], expected: list[float]) -> None:
    circles = body_circles(np.array([[0.0, 0.0], other]), np.zeros(2), np.ones(2))
    push = overlap_push(0, circles, np.array([0.14, 0.14]))
    assert push.tolist() == pytest.approx(expected)


@pytest.mark.parametrize(
    ("length_px", "size"), [(400.0, 224), (149.0, 224), (60.0, 112), (20.0, 56), (0.0, 28)]
)
def test_texture_for_size_halves_while_detailed_enough(length_px: float, size: int) -> None:
    from models.sim.body import TEX, texture_for_size

    rgba = np.zeros((TEX, TEX, 4), np.uint8)
    assert texture_for_size(rgba, length_px).shape == (size, size, 4)
