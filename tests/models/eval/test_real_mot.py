"""Tracking metrics on real MOT data from the shared folder: two flies, 1,500 frames, proofread ids."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pytest

from models.eval.mot_io import read_mot
from models.eval.tracking import evaluate_tracking
from models.pipeline.types import Detections

SHARED = Path(
    os.environ.get("PIGWATCH_SHARED_DATA", Path(__file__).resolve().parents[3] / ".." / "shared" / "data")
)
FLIES = SHARED / "real-mot" / "flies-2" / "gt.txt"
pytestmark = pytest.mark.skipif(
    not FLIES.is_file(), reason=f"shared data absent: {FLIES} (set PIGWATCH_SHARED_DATA)"
)


@pytest.fixture(scope="module")
def flies() -> dict[int, Detections]:
    return read_mot(FLIES)


def test_real_ground_truth_fed_back(flies: dict[int, Detections]) -> None:
    assert len(flies) == 1500 and all(len(d) == 2 for d in flies.values())
    metrics = evaluate_tracking(flies, flies)
    assert metrics["mota"] == 1.0 and metrics["idf1"] == 1.0 and metrics["hota"] == pytest.approx(1.0)


def test_real_identity_swap_halfway(flies: dict[int, Detections]) -> None:
    swap_from = 750
    swapped = {
        f: Detections(xyxy=d.xyxy, score=d.score, track_id=(3 - d.track_id) if f >= swap_from else d.track_id)  # type: ignore[operator]
        for f, d in flies.items()
    }
    metrics = evaluate_tracking(flies, swapped)
    # Both flies switch once: MOTA = 1 - 2/3000. Best id map keeps 750 frames per fly: IDF1 = 1500/3000.
    assert metrics["id_switches"] == 2
    assert metrics["mota"] == pytest.approx(1 - 2 / 3000)
    assert metrics["idf1"] == pytest.approx(0.5)
    # HOTA: DetA = 1; every (fly, pred id) pair has 750 matches of 1500 + 1500 - 750 -> A = 1/3, AssA = 1/3.
    assert metrics["deta"] == pytest.approx(1.0)
    assert metrics["assa"] == pytest.approx(1 / 3)
    assert metrics["hota"] == pytest.approx(math.sqrt(1 / 3))
    assert np.isclose(metrics["motp"], 1.0)
