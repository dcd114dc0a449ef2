"""Tracking metrics: motmetrics reference values, perfect tracks, and planted errors checked by hand."""

from __future__ import annotations

import math
from pathlib import Path

import motmetrics
import numpy as np
import pytest

from models.eval.mot_io import read_mot
from models.eval.tracking import box_iou_matrix, evaluate_tracking, mask_iou_matrix
from models.pipeline.types import Detections

TUD_DIR = Path(motmetrics.__file__).parent / "data"

# Expected values from motmetrics 1.4's own tests (motmetrics/tests/test_metrics.py,
# test_motchallenge_files): idf1, idp, idr, recall, precision, objects, MT, PT, ML, FP, FN, IDs, FM, MOTA,
# MOTP (motmetrics' distance form, 1 - mean IoU).
TUD_EXPECTED = {
    "TUD-Campus": (
        0.557659, 0.729730, 0.451253, 0.582173, 0.941441, 8, 1, 6, 1, 13, 150, 7, 7, 0.526462, 0.277201,
    ),
    "TUD-Stadtmitte": (
        0.644619, 0.819760, 0.531142, 0.608997, 0.939920, 10, 5, 4, 1, 45, 452, 7, 6, 0.564014, 0.345904,
    ),
}  # fmt: skip
TUD_KEYS = (
    "idf1", "idp", "idr", "recall", "precision", "gt_ids", "mostly_tracked", "partially_tracked",
    "mostly_lost", "false_positives", "misses", "id_switches", "fragmentations", "mota", "motp_distance",
)  # fmt: skip


# HOTA, DetA, AssA, LocA of the same files from TrackEval 1.3.0's HOTA class (trackeval/metrics/hota.py, PyPI
# `trackeval`, not a dependency: it needs opencv-python and pycocotools), run once on the same IoU matrices.
TUD_HOTA = {
    "TUD-Campus": (0.3913974378, 0.4180470301, 0.3691206812, 0.7700522074),
    "TUD-Stadtmitte": (0.3978490170, 0.3922675724, 0.4088407518, 0.7375211765),
}


@pytest.mark.parametrize("sequence", sorted(TUD_EXPECTED))
def test_reproduces_motmetrics_reference_values_on_tud(sequence: str) -> None:
    gt = read_mot(TUD_DIR / sequence / "gt.txt")
    pred = read_mot(TUD_DIR / sequence / "test.txt")
    result = evaluate_tracking(gt, pred)
    got = [result[key] for key in TUD_KEYS]
    np.testing.assert_allclose(got, TUD_EXPECTED[sequence], atol=1e-3)
    hota_got = [result[key] for key in ("hota", "deta", "assa", "loca")]
    np.testing.assert_allclose(hota_got, TUD_HOTA[sequence], atol=1e-8)


def _box(cx: float, cy: float = 50.0, size: float = 20.0) -> list[float]:
    return [cx - size / 2, cy - size / 2, cx + size / 2, cy + size / 2]


def _frames(tracks: dict[int, dict[int, float]]) -> dict[int, Detections]:
    """tracks: id -> {frame: centre x}; boxes 20x20 px."""
    per_frame: dict[int, list[tuple[int, float]]] = {}
    for tid, xs in tracks.items():
        for frame, cx in xs.items():
            per_frame.setdefault(frame, []).append((tid, cx))
    return {
        f: Detections(
            xyxy=[_box(cx) for _, cx in rows], score=np.ones(len(rows)), track_id=[t for t, _ in rows]
        )
        for f, rows in per_frame.items()
    }


# Two pigs, far apart, 4 frames.
PIG_1 = {f: 100.0 + 5 * f for f in range(4)}
PIG_2 = {f: 300.0 - 5 * f for f in range(4)}
GT = _frames({1: PIG_1, 2: PIG_2})


def test_ground_truth_fed_back_scores_perfectly() -> None:
    result = evaluate_tracking(GT, GT)
    for key in ("mota", "idf1", "hota", "deta", "assa", "motp", "precision", "recall"):
        assert result[key] == pytest.approx(1.0), key
    assert result["id_switches"] == 0 and result["misses"] == 0 and result["false_positives"] == 0


def test_planted_id_switch_matches_hand_calculation() -> None:
    # Pig 1 is output as id 1 on frames 0-1 and as a new id 7 on frames 2-3.
    pred = _frames({1: {0: PIG_1[0], 1: PIG_1[1]}, 7: {2: PIG_1[2], 3: PIG_1[3]}, 2: PIG_2})
    result = evaluate_tracking(GT, pred)
    # 8 gt boxes, all matched, one switch: MOTA = 1 - 1/8.
    assert result["mota"] == pytest.approx(1 - 1 / 8)
    assert result["id_switches"] == 1
    # IDF1: best one-to-one id map gives IDTP = 4 (pig 2) + 2 (pig 1 via id 1 or 7); IDFN = IDFP = 2.
    assert result["idf1"] == pytest.approx(2 * 6 / (2 * 6 + 2 + 2))
    # HOTA: DetA = 1 at every alpha (IoU 1). AssA = (1/8)(4*1 + 2*(2/(4+2-2)) + 2*(2/(4+2-2))) = 0.75.
    assert result["deta"] == pytest.approx(1.0)
    assert result["assa"] == pytest.approx(0.75)
    assert result["hota"] == pytest.approx(math.sqrt(0.75))


def test_planted_swap_of_two_pigs_counts_two_switches() -> None:
    pred = _frames({1: {**{f: PIG_1[f] for f in (0, 1)}, **{f: PIG_2[f] for f in (2, 3)}},
                    2: {**{f: PIG_2[f] for f in (0, 1)}, **{f: PIG_1[f] for f in (2, 3)}}})  # fmt: skip
    result = evaluate_tracking(GT, pred)
    assert result["id_switches"] == 2
    assert result["mota"] == pytest.approx(1 - 2 / 8)
    assert result["idf1"] == pytest.approx(0.5)  # IDTP = 2 + 2 of 8 on each side


def test_dropped_pig_matches_hand_calculation() -> None:
    pred = _frames({1: PIG_1})
    result = evaluate_tracking(GT, pred)
    assert result["misses"] == 4 and result["false_positives"] == 0
    assert result["mota"] == pytest.approx(1 - 4 / 8)
    assert result["idf1"] == pytest.approx(2 * 4 / (2 * 4 + 0 + 4))
    assert result["recall"] == pytest.approx(0.5) and result["precision"] == pytest.approx(1.0)
    # DetA = 4 / (4 + 4 + 0); AssA = 1; HOTA = sqrt(0.5).
    assert result["hota"] == pytest.approx(math.sqrt(0.5))
    assert result["mostly_lost"] == 1 and result["mostly_tracked"] == 1


def test_shifted_box_below_threshold_is_a_miss_and_a_false_positive() -> None:
    # IoU of two 20x20 boxes shifted by 10 px = 200 / 600 = 1/3 < 0.5.
    pred = _frames({1: {0: PIG_1[0] + 10.0}})
    gt = _frames({1: {0: PIG_1[0]}})
    result = evaluate_tracking(gt, pred)
    assert result["misses"] == 1 and result["false_positives"] == 1 and result["mota"] == pytest.approx(-1.0)
    # HOTA: matched only for alpha <= 1/3 (alphas 0.05..0.30, 6 of 19), then DetA = AssA = 1.
    assert result["hota"] == pytest.approx(6 / 19)


@pytest.mark.parametrize(
    ("gt", "pred", "expect_nan"),
    [({}, {}, True), (GT, {}, False), ({}, GT, False)],
    ids=["both-empty", "no-predictions", "no-ground-truth"],
)
def test_empty_inputs(gt: dict, pred: dict, expect_nan: bool) -> None:
    result = evaluate_tracking(gt, pred)
    assert math.isnan(result["hota"]) is expect_nan
    if gt and not pred:
        assert result["mota"] == 0.0 and result["idf1"] == 0.0 and result["hota"] == 0.0
    if pred and not gt:
        assert result["false_positives"] == 8 and result["hota"] == 0.0


def test_mask_matching_uses_mask_iou() -> None:
    mask_gt = np.zeros((1, 10, 10), bool)
    mask_gt[0, :, :5] = True
    mask_pred = np.zeros((1, 10, 10), bool)
    mask_pred[0, :, 3:] = True  # IoU 20/100 with gt although the boxes coincide
    box = [[0.0, 0.0, 10.0, 10.0]]
    gt = {0: Detections(xyxy=box, score=[1.0], track_id=[1], mask=mask_gt)}
    pred = {0: Detections(xyxy=box, score=[1.0], track_id=[1], mask=mask_pred)}
    assert evaluate_tracking(gt, pred)["mota"] == pytest.approx(1.0)
    assert evaluate_tracking(gt, pred, use_masks=True)["mota"] == pytest.approx(-1.0)


def test_mask_matching_without_masks_is_an_error() -> None:
    with pytest.raises(ValueError, match="no masks"):
        evaluate_tracking(GT, GT, use_masks=True)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ([[0, 0, 10, 10]], [[0, 0, 10, 10]], [[1.0]]),
        ([[0, 0, 10, 10]], [[5, 0, 15, 10]], [[50 / 150]]),
        ([[0, 0, 10, 10]], [[20, 20, 30, 30]], [[0.0]]),
        (np.zeros((0, 4)), [[0, 0, 1, 1]], np.zeros((0, 1))),
    ],
)
def test_box_iou_matrix(a: list, b: list, expected: list) -> None:
    np.testing.assert_allclose(box_iou_matrix(np.asarray(a), np.asarray(b)), expected)


def test_mask_iou_matrix_on_empty_masks_is_zero() -> None:
    empty = np.zeros((1, 4, 4), bool)
    assert mask_iou_matrix(empty, empty)[0, 0] == 0.0


def test_progress_callback_sees_every_frame() -> None:
    calls: list[tuple[int, int]] = []
    evaluate_tracking(GT, {}, on_frame=lambda done, total: calls.append((done, total)))
    assert calls == [(k, 4) for k in range(1, 5)]


def test_pooled_tracking_equals_motmetrics_overall_row_on_both_tud_sequences() -> None:
    from models.eval.tracking import frame_pairs, mot_accumulator, pooled_tracking

    per_clip, accumulators = [], []
    for sequence in sorted(TUD_EXPECTED):
        gt, pred = read_mot(TUD_DIR / sequence / "gt.txt"), read_mot(TUD_DIR / sequence / "test.txt")
        accumulators.append(mot_accumulator(frame_pairs(gt, pred)))
        per_clip.append(evaluate_tracking(gt, pred))
    overall = motmetrics.metrics.create().compute_many(
        accumulators, metrics=["mota", "idf1", "precision", "recall", "num_false_positives"],
        names=sorted(TUD_EXPECTED), generate_overall=True,
    ).loc["OVERALL"]
    pooled = pooled_tracking(per_clip)
    for ours, theirs in (("mota", "mota"), ("idf1", "idf1"), ("precision", "precision"),
                         ("recall", "recall"), ("false_positives", "num_false_positives")):
        assert pooled[ours] == pytest.approx(float(overall[theirs]), abs=1e-6), ours
    # pooling one clip gives that clip back
    single = pooled_tracking(per_clip[:1])
    assert single["mota"] == pytest.approx(per_clip[0]["mota"]) and single["idf1"] == pytest.approx(
        per_clip[0]["idf1"])
