"""Training pieces: triplet loss, PK sampling, augmentation, and a short real training run."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from models.embed.crops import CropSpec
from models.embed.dataset import CropSet
from models.embed.net import PigEmbedNet
from models.embed.train import (
    CosineClassifier,
    TrainConfig,
    augment,
    batch_hard_triplet_loss,
    evaluate,
    sample_pk,
    train_embedder,
)


@pytest.mark.parametrize(
    ("vectors", "labels", "want"),
    [
        ([[1, 0], [1, 0], [0, 1], [0, 1]], [0, 0, 1, 1], 0.0),  # separated by more than the margin
        ([[1, 0], [0, 1], [1, 0], [0, 1]], [0, 0, 1, 1], 1.2),  # positives orthogonal, negatives identical
    ],
)
def test_batch_hard_triplet_loss(vectors: list[list[float]], labels: list[int], want: float) -> None:
    loss = batch_hard_triplet_loss(
        torch.tensor(vectors, dtype=torch.float32), torch.tensor(labels), margin=0.2
    )
    assert float(loss) == pytest.approx(want, abs=1e-6)


@pytest.mark.parametrize(("p", "k", "n_ids"), [(2, 2, 5), (8, 4, 3), (1, 3, 1)])
def test_sample_pk(p: int, k: int, n_ids: int) -> None:
    ids = np.repeat(np.arange(n_ids), 2)
    idx = sample_pk(ids, p=p, k=k, rng=np.random.default_rng(0))
    groups = ids[idx].reshape(-1, k)
    assert len(groups) == min(p, n_ids)
    assert (groups == groups[:, :1]).all() and len(np.unique(groups[:, 0])) == len(groups)


@pytest.mark.parametrize(("same_pen", "pen_size"), [(3, 5), (8, 4)])
def test_sample_pk_draws_pen_mates(same_pen: int, pen_size: int) -> None:
    n_pens = 6
    ids = np.repeat(np.arange(n_pens * pen_size), 2)
    pens = ids // pen_size
    for seed in range(5):
        idx = sample_pk(ids, p=6, k=2, rng=np.random.default_rng(seed), pens=pens, same_pen=same_pen)
        chosen = ids[idx].reshape(-1, 2)[:, 0]
        assert len(np.unique(chosen)) == 6
        first_pen = pens[ids == chosen[0]][0]
        # the first min(same_pen, p, pen size) animals share one pen; the rest fill up to p
        assert (pens[np.searchsorted(ids, chosen[: min(same_pen, 6, pen_size)])] == first_pen).all()


def test_sample_pk_same_pen_needs_pens() -> None:
    with pytest.raises(ValueError, match="pen"):
        sample_pk(np.arange(4), p=2, k=1, rng=np.random.default_rng(0), same_pen=2)


def test_augment_keeps_shape_and_content() -> None:
    batch = torch.randn(6, 3, 8, 8)
    out = augment(batch, generator=torch.Generator().manual_seed(0))
    assert out.shape == batch.shape
    # flips and turns permute pixels; the gain is within 10%
    ratio = out.abs().sum(dim=(1, 2, 3)) / batch.abs().sum(dim=(1, 2, 3))
    assert ((ratio > 0.89) & (ratio < 1.11)).all()


def _colour_set(n_ids: int, per_day: int, days: int, size: int, seed: int) -> CropSet:
    """Animals are similar grey-ish colours under heavy noise: learnable, but not by an untrained net."""
    rng = np.random.default_rng(seed)
    colours = rng.integers(100, 156, (n_ids, 3))
    images, ids, day_of = [], [], []
    for day in range(days):
        for pig in range(n_ids):
            for _ in range(per_day):
                img = np.clip(colours[pig] + rng.normal(0, 60, (size, size, 3)), 0, 255).astype(np.uint8)
                images.append(img)
                ids.append(pig)
                day_of.append(day)
    n = len(images)
    return CropSet(np.stack(images), np.asarray(ids), np.zeros(n, np.int64), np.asarray(day_of))


@pytest.mark.slow
def test_short_training_improves_across_day_retrieval() -> None:
    spec = CropSpec(size=32)
    train, val = _colour_set(12, 3, 2, 32, seed=0), _colour_set(6, 3, 2, 32, seed=1)
    config = TrainConfig(steps=30, ids_per_batch=6, crops_per_id=3, eval_every=15, threads=1)
    torch.manual_seed(config.seed)
    untrained = evaluate(PigEmbedNet(), val, spec)  # the same initial weights train_embedder starts from
    result = train_embedder(train, val, spec, config)
    assert isinstance(result.model, PigEmbedNet) and len(result.history) == 2
    assert result.best_val.mean_ap > untrained.mean_ap + 0.1


def test_cosine_classifier_logits_are_scaled_cosines() -> None:
    head = CosineClassifier(4, 3, scale=16.0)
    with torch.no_grad():
        head.weight.copy_(torch.eye(3, 4))
    logits = head(torch.tensor([[2.0, 0, 0, 0], [0, 0, 0, 5.0]]))
    assert logits.shape == (2, 3)
    assert torch.allclose(logits, torch.tensor([[16.0, 0, 0], [0, 0, 0]]))


def test_training_with_identity_loss_runs_and_records_history() -> None:
    spec = CropSpec(size=32)
    train, val = _colour_set(4, 2, 2, 32, seed=0), _colour_set(3, 2, 2, 32, seed=1)
    config = TrainConfig(
        steps=2, ids_per_batch=4, crops_per_id=2, eval_every=2, threads=1, id_loss_weight=1.0
    )
    seen: list[float] = []
    result = train_embedder(train, val, spec, config, on_step=lambda _, loss: seen.append(loss))
    # the identity loss adds about ln(4 animals) = 1.39 to the triplet loss (<= margin + 2) at the start
    assert len(seen) == 2 and seen[0] > 1.0
    assert len(result.history) == 1
