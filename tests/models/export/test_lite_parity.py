"""The lite export's parity measure: a peak handed to an almost equal neighbour is forgiven, nothing else."""

from __future__ import annotations

import numpy as np

from models.export.lite import peak_tolerant_diff
from models.nn.lite import OUTPUT_NAMES

HEAT = OUTPUT_NAMES.index("heat")


def _dense(values: dict[tuple[int, int], float]) -> np.ndarray:
    dense = np.zeros((1, 1, 4, 6), np.float32)
    for (r, c), v in values.items():
        dense[0, 0, r, c] = v
    return dense


def test_a_peak_moved_to_a_near_tie_neighbour_is_forgiven() -> None:
    dense = _dense({(1, 1): 0.510, (1, 2): 0.505})
    torch_peaks = _dense({(1, 1): 0.510})
    onnx_peaks = _dense({(1, 2): 0.506})
    assert peak_tolerant_diff(dense, 0.02)(HEAT, onnx_peaks, torch_peaks) == 0.0


def test_a_peak_where_torch_had_a_clear_non_peak_is_not_forgiven() -> None:
    dense = _dense({(1, 1): 0.9, (1, 2): 0.3})
    torch_peaks = _dense({(1, 1): 0.9})
    onnx_peaks = _dense({(1, 1): 0.9, (1, 2): 0.3})
    assert abs(peak_tolerant_diff(dense, 0.02)(HEAT, onnx_peaks, torch_peaks) - 0.3) < 1e-6


def test_a_lost_clear_peak_and_other_outputs_count_in_full() -> None:
    dense = _dense({(2, 4): 0.7})
    torch_peaks = _dense({(2, 4): 0.7})
    diff = peak_tolerant_diff(dense, 0.02)
    assert abs(diff(HEAT, np.zeros_like(torch_peaks), torch_peaks) - 0.7) < 1e-6
    size = OUTPUT_NAMES.index("size")
    a = np.zeros((1, 2, 4, 6), np.float32)
    assert abs(diff(size, a + 0.25, a) - 0.25) < 1e-6
