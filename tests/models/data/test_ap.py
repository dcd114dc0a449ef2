"""Tests of AP50."""

from __future__ import annotations

import numpy as np
import pytest

from models.data.ap import average_precision, match_detections

GT = np.array([[0, 0, 10, 10], [20, 20, 30, 30]], np.float32)


@pytest.mark.parametrize(
    ("pred", "score", "gt", "expected"),
    [
        (GT, [0.9, 0.8], GT, 1.0),  # perfect
        (GT[:1], [0.9], GT, 0.5),  # half recall, full precision
        (np.array([[50, 50, 60, 60], *GT]), [0.95, 0.9, 0.8], GT, 2 / 3),  # FP first
        (np.zeros((0, 4)), [], GT, 0.0),  # no predictions
        (GT, [0.9, 0.8], np.zeros((0, 4)), 0.0),  # no ground truth
        (np.array([GT[0], GT[0]]), [0.9, 0.8], GT[:1], 1.0),  # duplicate ranked after the hit
    ],
)
def test_average_precision(pred, score, gt, expected) -> None:
    ap = average_precision([(np.asarray(pred, np.float32), np.asarray(score), gt)])
    assert ap == pytest.approx(expected)


def test_match_detections_claims_each_gt_once() -> None:
    hits = match_detections(np.array([GT[0], GT[0]]), np.array([0.5, 0.9]), GT)
    assert list(hits) == [False, True]


def test_empty_image_list() -> None:
    assert average_precision([]) == 0.0


def test_false_positive_kinds_sorts_duplicates_misplaced_and_background() -> None:
    from models.data.ap import false_positive_kinds

    pred = np.array([GT[0], GT[0], [5, 0, 15, 10], [50, 50, 60, 60], [20, 20, 30, 30]], np.float32)
    score = np.array([0.9, 0.8, 0.7, 0.6, 0.05])  # the last one (a hit) is below the threshold
    kinds = false_positive_kinds([(pred, score, GT)], score_threshold=0.1)
    # GT[0] claimed by the first; the copy is a duplicate; [5,0,15,10] overlaps GT[0] at IoU 1/3
    assert kinds == {"duplicate": 1, "misplaced": 1, "background": 1}
    assert false_positive_kinds([(pred, score, np.zeros((0, 4)))], score_threshold=0.1)["background"] == 4
