"""Metric learning for the default embedder: PK batches, batch-hard triplet loss, light augmentation.

Pure functions (loss, sampler, augmentation) plus `train_embedder`, which runs the loop on a `CropSet` and
keeps the checkpoint with the best validation mAP (`models.embed.metrics.reid_across_days`).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from models.embed.crops import CropSpec, normalise
from models.embed.dataset import CropSet
from models.embed.metrics import ReidScores, reid_across_days
from models.embed.net import PigEmbedNet


@dataclass(frozen=True)
class TrainConfig:
    """Training settings (all recorded in the run's config JSON).

    Attributes:
        seed: seeds numpy and torch.
        steps: optimiser steps.
        ids_per_batch: P, animals per batch.
        crops_per_id: K, crops per animal per batch.
        lr: AdamW peak learning rate (cosine decay to 5% of it).
        weight_decay: AdamW weight decay.
        margin: triplet margin on cosine distance.
        eval_every: steps between validation runs.
        threads: torch CPU threads.
        same_pen_ids: of the P animals of a batch, this many come from one randomly chosen pen (all of its
            animals if it has fewer), the rest from anywhere; pen-mates, look-alikes included, are the
            negatives that across-day re-ID must separate (0 = draw all P from anywhere, the default: with 8
            the loss stayed at the margin, i.e. collapsed, for 480 steps; see docs/embedder.md).
        id_loss_weight: weight of an added identity-classification loss (cosine softmax, scale 16, over the
            train animals; the classifier is thrown away after training); 0 = triplet loss only.
    """

    seed: int = 0
    steps: int = 1500
    ids_per_batch: int = 16
    crops_per_id: int = 4
    lr: float = 2e-3
    weight_decay: float = 5e-4
    margin: float = 0.2
    eval_every: int = 250
    threads: int = 2
    same_pen_ids: int = 0
    id_loss_weight: float = 0.0


def batch_hard_triplet_loss(vectors: Tensor, labels: Tensor, *, margin: float) -> Tensor:
    """Batch-hard triplet loss (Hermans et al. 2017) on cosine distance.

    Args:
        vectors: BxD float32 (L2-normalised inside).
        labels: B int64 identities; every identity should appear at least twice.
        margin: required gap between hardest positive and hardest negative distance.

    Returns:
        Scalar: mean over anchors of relu(hardest positive - hardest negative + margin).
    """
    unit = F.normalize(vectors, dim=1)
    distance = 1.0 - unit @ unit.T
    same = labels[:, None] == labels[None, :]
    eye = torch.eye(len(labels), dtype=torch.bool, device=labels.device)
    hardest_positive = distance.masked_fill(~same | eye, -1.0).amax(dim=1)
    hardest_negative = distance.masked_fill(same, 4.0).amin(dim=1)
    return F.relu(hardest_positive - hardest_negative + margin).mean()


def sample_pk(
    ids: np.ndarray,
    *,
    p: int,
    k: int,
    rng: np.random.Generator,
    pens: np.ndarray | None = None,
    same_pen: int = 0,
) -> np.ndarray:
    """Indices of a PK batch: ``p`` distinct identities, ``k`` crops each (with replacement if fewer).

    Args:
        ids: N int identity of each crop.
        pens: N int pen of each crop; needed when ``same_pen`` > 0.
        same_pen: up to this many of the ``p`` identities are drawn from one random pen (hard negatives:
            pen-mates), the remaining ones from all identities not yet chosen.

    Returns:
        (p*k) int64 indices into ``ids``, grouped by identity.
    """
    chosen = _choose_identities(ids, p=p, rng=rng, pens=pens, same_pen=same_pen)
    picks = []
    for identity in chosen:
        members = np.flatnonzero(ids == identity)
        picks.append(rng.choice(members, size=k, replace=len(members) < k))
    return np.concatenate(picks).astype(np.int64)


def _choose_identities(
    ids: np.ndarray, *, p: int, rng: np.random.Generator, pens: np.ndarray | None, same_pen: int
) -> np.ndarray:
    """``min(p, #identities)`` distinct identities, up to ``same_pen`` of them from one random pen."""
    unique = np.unique(ids)
    p = min(p, len(unique))
    if same_pen <= 0:
        return rng.choice(unique, size=p, replace=False)
    if pens is None or len(pens) != len(ids):
        raise ValueError("same_pen > 0 needs one pen per crop")
    pen = rng.choice(np.unique(pens))
    mates = np.unique(ids[pens == pen])
    first = rng.choice(mates, size=min(same_pen, p, len(mates)), replace=False)
    rest = np.setdiff1d(unique, first)
    return np.concatenate([first, rng.choice(rest, size=p - len(first), replace=False)])


def augment(batch: Tensor, *, generator: torch.Generator) -> Tensor:
    """Top-down-camera augmentation of a Bx3xSxS normalised batch: random flips, 90-degree turns, gain.

    Turns and flips are exact symmetries of a top-down view; the brightness/contrast gain imitates lighting
    across days. Padding (zero after normalisation) stays near zero.
    """
    out = batch.clone()
    flip = torch.rand(len(out), generator=generator) < 0.5
    out[flip] = out[flip].flip(-1)
    turns = torch.randint(0, 4, (len(out),), generator=generator)
    for t in range(1, 4):
        sel = turns == t
        out[sel] = torch.rot90(out[sel], t, dims=(2, 3))
    gain = 1.0 + 0.2 * (torch.rand(len(out), 1, 1, 1, generator=generator) - 0.5)
    return out * gain


def embed_set(
    model: torch.nn.Module, crops: np.ndarray, spec: CropSpec, *, batch_size: int = 128
) -> np.ndarray:
    """NxSxSx3 uint8 crops -> NxD float32 L2-normalised vectors, model in eval mode."""
    model.eval()
    parts = []
    with torch.inference_mode():
        for i in range(0, len(crops), batch_size):
            batch = torch.from_numpy(normalise(crops[i : i + batch_size], spec))
            parts.append(F.normalize(model(batch), dim=1).numpy())
    return np.concatenate(parts) if parts else np.zeros((0, 384), np.float32)


def evaluate(model: torch.nn.Module, crops: CropSet, spec: CropSpec) -> ReidScores:
    """Across-day rank-1 / mAP of ``model`` on a crop set."""
    return reid_across_days(embed_set(model, crops.images, spec), crops.ids, crops.days, crops.pens)


@dataclass
class TrainResult:
    """What `train_embedder` returns: the best model (by validation mAP) and the history."""

    model: PigEmbedNet
    best_step: int
    best_val: ReidScores
    history: list[dict[str, float]]


class CosineClassifier(torch.nn.Module):
    """Identity logits for training only: ``scale`` x cosine(embedding, class weight); Bx D -> B x classes."""

    def __init__(self, dim: int, classes: int, *, scale: float = 16.0) -> None:
        super().__init__()
        self.weight = torch.nn.Parameter(torch.randn(classes, dim) * 0.01)
        self.scale = scale

    def forward(self, vectors: Tensor) -> Tensor:
        return self.scale * F.normalize(vectors, dim=1) @ F.normalize(self.weight, dim=1).T


def _step(
    model: PigEmbedNet,
    optimiser: torch.optim.Optimizer,
    batch: Tensor,
    labels: Tensor,
    margin: float,
    classifier: tuple[CosineClassifier, Tensor, float] | None = None,
) -> float:
    """One optimiser step; ``classifier`` = (head, class index per crop, weight) adds the identity loss."""
    model.train()
    vectors = model(batch)
    loss = batch_hard_triplet_loss(vectors, labels, margin=margin)
    if classifier is not None:
        head, classes, weight = classifier
        loss = loss + weight * F.cross_entropy(head(vectors), classes)
    optimiser.zero_grad(set_to_none=True)
    loss.backward()
    optimiser.step()
    return float(loss.detach())


def train_embedder(
    train: CropSet,
    val: CropSet,
    spec: CropSpec,
    config: TrainConfig,
    *,
    on_step: Callable[[int, float], None] | None = None,
) -> TrainResult:
    """Train a `PigEmbedNet` (batch-hard triplet loss, PK batches); keep the best validation checkpoint."""
    torch.manual_seed(config.seed)
    torch.set_num_threads(config.threads)
    rng, generator = np.random.default_rng(config.seed), torch.Generator().manual_seed(config.seed)
    model = PigEmbedNet()
    train_ids = np.unique(train.ids)
    head = CosineClassifier(model.head.out_features, len(train_ids)) if config.id_loss_weight > 0 else None
    parameters = list(model.parameters()) + (list(head.parameters()) if head is not None else [])
    optimiser = torch.optim.AdamW(parameters, lr=config.lr, weight_decay=config.weight_decay)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimiser, max_lr=config.lr, total_steps=config.steps, pct_start=0.05, final_div_factor=20.0
    )
    best: tuple[float, int, ReidScores, dict] = (-1.0, 0, ReidScores(0.0, 0.0, 0), {})
    history: list[dict[str, float]] = []
    for step in range(1, config.steps + 1):
        idx = sample_pk(
            train.ids,
            p=config.ids_per_batch,
            k=config.crops_per_id,
            rng=rng,
            pens=train.pens,
            same_pen=config.same_pen_ids,
        )
        batch = augment(torch.from_numpy(normalise(train.images[idx], spec)), generator=generator)
        labels = torch.from_numpy(train.ids[idx])
        classes = torch.from_numpy(np.searchsorted(train_ids, train.ids[idx]))
        classifier = (head, classes, config.id_loss_weight) if head is not None else None
        loss = _step(model, optimiser, batch, labels, config.margin, classifier)
        schedule.step()
        if on_step is not None:
            on_step(step, loss)
        if step % config.eval_every == 0 or step == config.steps:
            scores = evaluate(model, val, spec)
            history.append({"step": step, "loss": loss, **scores.as_dict()})
            if scores.mean_ap > best[0]:
                best = (scores.mean_ap, step, scores, copy.deepcopy(model.state_dict()))
    model.load_state_dict(best[3])
    return TrainResult(model=model.eval(), best_step=best[1], best_val=best[2], history=history)


def config_dict(config: TrainConfig) -> dict[str, float]:
    """The config as a JSON-ready dict."""
    return dict(asdict(config))
