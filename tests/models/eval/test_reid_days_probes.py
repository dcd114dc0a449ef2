"""Probes of track scoring on cached reid-days renders: the pieces, on small synthetic days."""

from __future__ import annotations

import numpy as np
import pytest

from models.eval.reid_days import ClipTrack
from models.eval.reid_days_probes import (
    chunk_csls,
    outcomes,
    per_crop_scores,
    scoring_variants,
    similarity_drift,
    sinkhorn,
    size_cue,
    whitener,
)


def unit(*values: float) -> np.ndarray:
    vector = np.asarray(values, np.float32)
    return vector / np.linalg.norm(vector)


LOOKS = {1: unit(1, 0, 0, 0), 2: unit(0, 1, 0, 0), 3: unit(0, 0, 1, 0)}


def clip(looks: dict[int, np.ndarray], rng: np.random.Generator) -> list[ClipTrack]:
    """Overlapping tracks, 4 noisy crops each."""
    tracks = []
    for pig, look in looks.items():
        crops = look + rng.normal(0, 0.05, (4, 4)).astype(np.float32)
        tracks.append(ClipTrack(pig, 0.0, 30.0, crops / np.linalg.norm(crops, axis=1, keepdims=True)))
    return tracks


def test_sinkhorn_is_a_soft_one_to_one_assignment() -> None:
    # Both tracks prefer animal 0; track 1 far more, so track 0's mass moves to animal 1.
    got = sinkhorn(np.array([[0.9, 0.8, 0.1], [0.85, 0.2, 0.1]]), 0.05)
    assert got.sum(1) == pytest.approx([1, 1], abs=0.1)
    assert (got.sum(0) <= 1.0 + 1e-6).all()
    assert got.argmax(1).tolist() == [1, 0]


def test_whitener_makes_within_pig_scatter_isotropic() -> None:
    rng = np.random.default_rng(0)
    pigs = np.repeat([1, 2], 200)
    vectors = rng.normal(0, [1.0, 0.1, 0.1], (400, 3)) + np.where(pigs[:, None] == 1, 5.0, -5.0)
    white = whitener(vectors, pigs, 0.0)
    centred = vectors - np.where(pigs[:, None] == 1, vectors[pigs == 1].mean(0), vectors[pigs == 2].mean(0))
    scatter = (centred @ white).T @ (centred @ white) / len(vectors)
    np.testing.assert_allclose(scatter, np.eye(3), atol=1e-6)


def test_per_crop_scores_variants() -> None:
    pool = np.stack([unit(1, 0), unit(1, 1), unit(0, 1)])
    owners = np.array([7, 7, 9])
    crop = unit(1, 0)[None]
    assert per_crop_scores(crop, pool, owners, [7, 9], "max")[0] == pytest.approx([1.0, 0.0])
    assert per_crop_scores(crop, pool, owners, [7, 9], "mean")[0] == pytest.approx([(1 + 0.5**0.5) / 2, 0.0])
    centroid = per_crop_scores(crop, pool, owners, [7, 9], "centroid")[0]
    assert centroid[0] == pytest.approx(float(unit(1 + 0.5**0.5, 0.5**0.5)[0]))


def test_outcomes_count_rank1_and_hungarian_separately() -> None:
    tracks = [ClipTrack(1, 0, 1, np.zeros((1, 2))), ClipTrack(2, 0, 1, np.zeros((1, 2)))]
    days = [(0, [tracks]), (1, [tracks])]
    scores = np.array([[0.9, 0.1], [0.8, 0.7]])  # pig 2 prefers animal 1, exclusion gives it 2
    rank1, hung = outcomes(days, [1, 2], lambda _: scores)
    assert rank1 == [True, False] and hung == [True, True]


def test_chunk_csls_penalises_an_animal_every_track_likes() -> None:
    scores = np.array([[0.9, 0.5], [0.85, 0.8]])
    got = chunk_csls(lambda _: scores, 1)([])
    assert got.argmax(1).tolist() == [0, 1]


def test_scoring_variants_and_size_cue_on_distinct_pigs_are_perfect() -> None:
    rng = np.random.default_rng(1)
    days = [(0, [clip(LOOKS, rng), clip(LOOKS, rng)]), (6, [clip(LOOKS, rng), clip(LOOKS, rng)])]
    for rank1, hung in scoring_variants(days).values():
        assert len(rank1) == len(hung) == 6
    variants = scoring_variants(days)
    assert all(all(h) for _, h in variants.values())
    sizes = [{1: 100.0, 2: 200.0, 3: 400.0}] * 4
    for rank1, hung in size_cue(days, sizes, (0.0, 0.5)).values():
        assert all(rank1) and all(hung)
    within, across = similarity_drift(days)
    assert 0.9 < within <= 1.0 and 0.9 < across <= 1.0
