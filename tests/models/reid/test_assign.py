"""Tests of the per-window one-to-one assignment and its bands."""

from __future__ import annotations

import numpy as np
import pytest

from models.reid.assign import BandThresholds, TrackSpan, assign_tracks, next_window, overlaps

ANIMALS = [101, 102, 103]


def spans_of(*intervals: tuple[float, float]) -> list[TrackSpan]:
    return [TrackSpan(key=10 + i, start_s=a, end_s=b) for i, (a, b) in enumerate(intervals)]


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ((0, 10), (5, 15), True),
        ((0, 10), (10, 20), False),
        ((0, 10), (11, 12), False),
        ((3, 4), (0, 10), True),
    ],
)
def test_overlaps(a, b, expected):
    assert overlaps(TrackSpan(0, *a), TrackSpan(1, *b)) is expected


@pytest.mark.parametrize(
    ("intervals", "expected"),
    [
        ([(0, 10)], [0]),
        ([(0, 10), (1, 12), (2, 5)], [0, 1, 2]),
        ([(0, 10), (1, 3), (4, 12)], [0, 1]),  # (4, 12) starts after (1, 3) ended
    ],
)
def test_next_window_takes_tracks_sharing_one_instant(intervals, expected):
    spans = spans_of(*intervals)
    assert next_window(list(range(len(spans))), spans) == expected


def test_empty_chunk_gives_no_assignments():
    assert assign_tracks([], np.zeros((0, 3)), ANIMALS) == []


def test_no_known_animals_makes_every_track_a_new_animal():
    result = assign_tracks(spans_of((0, 10), (2, 8)), np.zeros((2, 0)), [])
    assert [r.band for r in result] == ["unknown", "unknown"]
    assert all(r.new_animal for r in result)


def test_overlapping_tracks_never_share_an_animal_even_if_both_prefer_it():
    scores = np.array([[0.95, 0.80, 0.1], [0.93, 0.20, 0.1]])  # both look most like 101
    result = assign_tracks(spans_of((0, 10), (5, 15)), scores, ANIMALS)
    assert {r.candidate_animal_id for r in result} == {101, 102}
    assert result[1].candidate_animal_id == 101  # joint optimum: 0.80 + 0.93 > 0.95 + 0.20


def test_non_overlapping_fragments_may_be_the_same_animal():
    scores = np.array([[0.9, 0.2, 0.1], [0.1, 0.9, 0.1], [0.9, 0.2, 0.1]])
    result = assign_tracks(spans_of((0, 10), (0, 30), (12, 30)), scores, ANIMALS)
    assert [r.animal_id for r in result] == [101, 102, 101]
    assert all(r.band == "assigned" for r in result)


def test_chaining_keeps_animals_held_by_earlier_overlapping_tracks():
    # Track 2 prefers 101 but 101 is held by the long track 0 during its whole span.
    scores = np.array([[0.9, 0.2, 0.1], [0.2, 0.9, 0.1], [0.85, 0.3, 0.75]])
    result = assign_tracks(spans_of((0, 60), (0, 10), (20, 30)), scores, ANIMALS)
    assert result[2].candidate_animal_id == 103


@pytest.mark.parametrize(
    ("row", "band", "animal"),
    [
        ([0.90, 0.30, 0.20], "assigned", 101),
        ([0.90, 0.87, 0.20], "suggested", None),  # small margin
        ([0.55, 0.10, 0.05], "suggested", None),  # weak similarity
        ([0.30, 0.20, 0.10], "unknown", None),
        ([np.nan, np.nan, np.nan], "unknown", None),  # no pool evidence
    ],
)
def test_bands(row, band, animal):
    (result,) = assign_tracks(spans_of((0, 10)), np.array([row]), ANIMALS)
    assert result.band == band
    assert result.animal_id == animal
    assert 0.0 <= result.confidence <= 1.0


def test_confidence_grows_with_margin_and_similarity():
    scores = np.array([[0.6, 0.5, 0], [0.95, 0.2, 0]])
    weak, strong = assign_tracks(spans_of((0, 10), (20, 30)), scores, ANIMALS)
    assert strong.confidence > weak.confidence


def test_unknown_track_is_new_only_when_all_known_animals_are_accounted_for():
    scores = np.array([[0.9, 0.1], [0.1, 0.9], [0.2, 0.2]])
    all_present = assign_tracks(spans_of((0, 10), (0, 10), (2, 8)), scores, [101, 102])
    assert all_present[2].band == "unknown" and all_present[2].new_animal
    one_missing = assign_tracks(spans_of((0, 10), (20, 30), (2, 8)), scores, [101, 102])
    assert one_missing[2].band == "unknown" and not one_missing[2].new_animal


def test_thresholds_are_validated():
    with pytest.raises(ValueError):
        BandThresholds(assign_similarity=0.4, suggest_similarity=0.6)


def test_assignment_depends_on_scores_not_on_track_keys():
    scores = np.array([[0.2, 0.9, 0.1], [0.9, 0.2, 0.1]])
    first = assign_tracks([TrackSpan(1, 0, 10), TrackSpan(2, 0, 10)], scores, ANIMALS)
    second = assign_tracks([TrackSpan(2, 0, 10), TrackSpan(1, 0, 10)], scores, ANIMALS)
    assert [r.animal_id for r in first] == [r.animal_id for r in second] == [102, 101]


def test_joint_margin_makes_a_track_confident_by_exclusion():
    # Track 0 alone hesitates between 101 and 102 (lead 0.04), but track 1 clearly holds 102.
    scores = np.array([[0.92, 0.88, 0.1], [0.30, 0.90, 0.1]])
    spans = spans_of((0, 10), (0, 10))
    row = assign_tracks(spans, scores, ANIMALS, thresholds=BandThresholds(margin_rule="row"))
    joint = assign_tracks(spans, scores, ANIMALS, thresholds=BandThresholds(margin_rule="joint"))
    assert [r.candidate_animal_id for r in row] == [r.candidate_animal_id for r in joint] == [101, 102]
    assert row[0].band == "suggested" and row[0].margin == pytest.approx(0.04)
    # Best total without 0->101: 0->102 (0.88) + 1 unknown (0.45) = 1.33, or 0 unknown (0.45) + 1->102 (0.90).
    assert joint[0].margin == pytest.approx(0.92 + 0.90 - 1.35)
    assert joint[0].band == "assigned" and joint[0].animal_id == 101


def test_joint_margin_is_small_when_two_tracks_could_swap():
    # Both tracks fit both animals about equally: each row has a clear lead over 103 but a swap costs 0.02.
    scores = np.array([[0.90, 0.89, 0.1], [0.88, 0.89, 0.1]])
    spans = spans_of((0, 10), (0, 10))
    joint = assign_tracks(spans, scores, ANIMALS, thresholds=BandThresholds(margin_rule="joint"))
    assert [r.candidate_animal_id for r in joint] == [101, 102]
    assert all(r.margin == pytest.approx(0.02) for r in joint)
    assert all(r.band == "suggested" for r in joint)


def test_margin_rule_both_takes_the_smaller_and_refuses_a_track_pushed_off_its_favourite():
    # Track 1 prefers 101 (0.93) but loses it to track 0; its joint margin is large, its row lead negative.
    scores = np.array([[0.99, 0.20, 0.1], [0.93, 0.80, 0.1]])
    spans = spans_of((0, 10), (0, 10))
    joint = assign_tracks(spans, scores, ANIMALS, thresholds=BandThresholds(margin_rule="joint"))
    both = assign_tracks(spans, scores, ANIMALS, thresholds=BandThresholds(margin_rule="both"))
    assert joint[1].candidate_animal_id == both[1].candidate_animal_id == 102
    assert joint[1].band == "assigned"
    assert both[1].margin == pytest.approx(0.80 - 0.93) and both[1].band == "suggested"
    assert both[0].band == "assigned"


def test_unknown_margin_rule_is_refused():
    with pytest.raises(ValueError):
        BandThresholds(margin_rule="mean")
