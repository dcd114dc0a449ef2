"""Re-identification and behaviour metrics against hand calculations."""

from __future__ import annotations

import math

import numpy as np
import pytest

from models.eval.behaviour import behaviour_metrics, confusion_matrix
from models.eval.reid import average_precision, cross_day_retrieval, false_merge_rates, retrieval_metrics


@pytest.mark.parametrize(
    ("relevant", "expected"),
    [([True, False, False], 1.0), ([False, True, False, True], (1 / 2 + 2 / 4) / 2),
     ([False, False], math.nan), ([], math.nan)],
)  # fmt: skip
def test_average_precision(relevant: list[bool], expected: float) -> None:
    got = average_precision(np.asarray(relevant, dtype=bool))
    assert (math.isnan(got) and math.isnan(expected)) or got == pytest.approx(expected)


def test_retrieval_rank1_and_map_by_hand() -> None:
    gallery = np.asarray([[1.0, 0.0], [0.0, 1.0], [0.8, 0.6]])
    gallery_ids = ["a", "b", "a"]
    queries = np.asarray([[1.0, 0.1], [0.9, 0.5], [2.0, 0.0]])  # last one has a scaled vector: cosine
    # q0 ("b"): ranks a(0), a(2), b -> miss, AP = 1/3. q1 ("a"): ranks a(2), a(0) -> hit, AP 1.
    # q2 ("c"): not in the gallery, skipped.
    result = retrieval_metrics(queries, ["b", "a", "c"], gallery, gallery_ids)
    assert result["rank1"] == pytest.approx(0.5)
    assert result["map"] == pytest.approx((1 / 3 + 1.0) / 2)
    assert result["queries"] == 2 and result["skipped"] == 1


def test_retrieval_with_no_matching_identity_is_nan() -> None:
    result = retrieval_metrics(np.ones((1, 2)), ["x"], np.ones((1, 2)), ["y"])
    assert math.isnan(result["rank1"]) and result["queries"] == 0


def test_cross_day_retrieval_never_matches_within_a_day() -> None:
    # Pig p always looks like (1, 0) and q like (0, 1); relabelling day 2 swaps them, so every query
    # must then miss: identical vectors within the query's own day are never in its gallery.
    vectors = np.asarray([[1, 0], [0, 1], [1, 0], [0, 1]], dtype=float)
    result = cross_day_retrieval(vectors, ["p", "q", "p", "q"], [1, 1, 2, 2])
    assert result["rank1"] == 1.0 and result["map"] == 1.0 and result["queries"] == 4 and result["days"] == 2
    swapped = cross_day_retrieval(vectors, ["p", "q", "q", "p"], [1, 1, 2, 2])
    assert swapped["rank1"] == 0.0


@pytest.mark.parametrize(
    ("pred", "true", "identity_rate", "pair_rate"),
    [
        ([1, 1, 2, 2], ["a", "a", "b", "b"], 0.0, 0.0),
        ([1, 1, 1, 2], ["a", "a", "b", "b"], 0.5, 2 / 3),  # identity 1: pairs aa, ab, ab
        ([1, 2, 3], ["a", "a", "b"], 0.0, math.nan),  # split, not merged: no pairs
        ([], [], math.nan, math.nan),
    ],
)
def test_false_merge_rates(pred: list, true: list, identity_rate: float, pair_rate: float) -> None:
    result = false_merge_rates(pred, true)
    for key, want in (("identity_false_merge_rate", identity_rate), ("pairwise_false_merge_rate", pair_rate)):
        got = result[key]
        assert (math.isnan(got) and math.isnan(want)) or got == pytest.approx(want), key


def test_confusion_matrix_and_f1_by_hand() -> None:
    labels = ("eat", "lying", "run")
    true = ["eat", "eat", "lying", "lying", "lying"]
    pred = ["eat", "lying", "lying", "lying", "run"]
    np.testing.assert_array_equal(
        confusion_matrix(true, pred, labels=labels), [[1, 1, 0], [0, 2, 1], [0, 0, 0]]
    )
    result = behaviour_metrics(true, pred, labels=labels)
    assert result["accuracy"] == pytest.approx(3 / 5)
    f1 = result["per_class_f1"]
    assert isinstance(f1, dict)
    # eat: TP1 FP0 FN1 -> 2/3; lying: TP2 FP1 FN1 -> 4/6; run: TP0 FP1 FN0 -> 0.
    assert f1["eat"] == pytest.approx(2 / 3) and f1["lying"] == pytest.approx(2 / 3) and f1["run"] == 0.0
    assert result["macro_f1"] == pytest.approx((2 / 3 + 2 / 3 + 0) / 3)


def test_absent_class_is_left_out_of_macro_f1() -> None:
    result = behaviour_metrics(["eat", "drink"], ["eat", "drink"])
    assert result["macro_f1"] == 1.0
    f1 = result["per_class_f1"]
    assert isinstance(f1, dict) and math.isnan(f1["sleep"])


@pytest.mark.parametrize(
    ("true", "pred", "error"),
    [(["eat"], [], "predictions"), (["dance"], ["eat"], "dance")],
)
def test_behaviour_input_errors(true: list, pred: list, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        behaviour_metrics(true, pred)


def test_behaviour_empty_input() -> None:
    result = behaviour_metrics([], [])
    assert math.isnan(result["accuracy"]) and math.isnan(result["macro_f1"]) and result["samples"] == 0  # type: ignore[arg-type]
