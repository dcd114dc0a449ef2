"""Across-day re-ID metrics on hand-built vectors whose answers are known."""

from __future__ import annotations

import numpy as np
import pytest

from models.embed.metrics import reid_across_days


def _axes(ids: list[int]) -> np.ndarray:
    return np.eye(4, dtype=np.float32)[ids]


def test_perfect_embeddings_score_one() -> None:
    ids = np.asarray([0, 1, 2, 0, 1, 2])
    scores = reid_across_days(_axes(list(ids)), ids, np.asarray([0, 0, 0, 1, 1, 1]), np.zeros(6, int))
    assert (scores.rank1, scores.mean_ap, scores.queries) == (1.0, 1.0, 6)


def test_swapped_animals_on_day_two_score_zero() -> None:
    ids = np.asarray([0, 1, 0, 1])
    vectors = _axes([0, 1, 1, 0])  # on day 1 the vectors of animals 0 and 1 are swapped
    scores = reid_across_days(vectors, ids, np.asarray([0, 0, 1, 1]), np.zeros(4, int))
    assert scores.rank1 == 0.0 and scores.mean_ap == pytest.approx(0.5)


def test_same_day_matches_do_not_count() -> None:
    ids = np.asarray([0, 0, 1])
    scores = reid_across_days(_axes([0, 0, 1]), ids, np.asarray([0, 0, 0]), np.zeros(3, int))
    assert scores.queries == 0 and scores.rank1 == 0.0


def test_pens_are_searched_separately() -> None:
    ids = np.asarray([0, 0, 1000, 1000])  # same vector for both pens' animals, but pens never mix
    scores = reid_across_days(_axes([0, 0, 0, 0]), ids, np.asarray([0, 1, 0, 1]), np.asarray([0, 0, 1, 1]))
    assert scores.rank1 == 1.0 and scores.queries == 4


def test_empty_input() -> None:
    empty = np.zeros(0, int)
    scores = reid_across_days(np.zeros((0, 4), np.float32), empty, empty, empty)
    assert scores.queries == 0
