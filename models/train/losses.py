"""The "direction-then-scale" feature-distillation loss (Yang & Hostens 2026), as pure functions.

Every function takes a student map and a teacher map of the same shape ``[B, C, H, W]`` (float) and returns a
0-dim float tensor. "Per position" means the C-vector at one (b, y, x); "per channel" means the H*W values of
one (b, c). The published weighting is 1.0 / 0.5 / 0.3 / 0.1 (:class:`LossWeights`), combined by
:func:`distillation_loss`.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

EPS = 1e-6


def _check(student: torch.Tensor, teacher: torch.Tensor) -> None:
    if student.shape != teacher.shape or student.ndim != 4:
        raise ValueError(f"student and teacher must both be [B,C,H,W]; got {tuple(student.shape)} and "
                         f"{tuple(teacher.shape)}")
    if student.numel() == 0:
        raise ValueError(f"cannot compare empty maps of shape {tuple(student.shape)}")


def normalized_mse(student: torch.Tensor, teacher: torch.Tensor) -> torch.Tensor:
    """MSE between the maps after L2-normalising each position's C-vector (the direction term)."""
    _check(student, teacher)
    return F.mse_loss(F.normalize(student, dim=1, eps=EPS), F.normalize(teacher, dim=1, eps=EPS))


def position_cosine(student: torch.Tensor, teacher: torch.Tensor) -> torch.Tensor:
    """[B,H,W] cosine similarity between the student's and teacher's C-vectors at each position."""
    _check(student, teacher)
    return F.cosine_similarity(student, teacher, dim=1, eps=EPS)


def cosine_distance(student: torch.Tensor, teacher: torch.Tensor) -> torch.Tensor:
    """1 - cosine similarity per position, averaged over positions."""
    return 1.0 - position_cosine(student, teacher).mean()


def channel_statistics_mse(student: torch.Tensor, teacher: torch.Tensor) -> torch.Tensor:
    """MSE of per-channel spatial std plus MSE of per-channel spatial mean (the scale term).

    Std is the population std (divisor H*W) of each (b, c) map.
    """
    _check(student, teacher)
    s_std, s_mean = torch.std_mean(student.flatten(2), dim=2, correction=0)
    t_std, t_mean = torch.std_mean(teacher.flatten(2), dim=2, correction=0)
    return F.mse_loss(s_std, t_std) + F.mse_loss(s_mean, t_mean)


def raw_mse(student: torch.Tensor, teacher: torch.Tensor) -> torch.Tensor:
    """Plain element-wise MSE."""
    _check(student, teacher)
    return F.mse_loss(student, teacher)


@dataclass(frozen=True)
class LossWeights:
    """Weights of the four terms; the defaults are the published ones."""

    normalized_mse: float = 1.0
    cosine: float = 0.5
    channel_stats: float = 0.3
    raw_mse: float = 0.1


def distillation_loss(
    student: torch.Tensor, teacher: torch.Tensor, weights: LossWeights | None = None
) -> tuple[torch.Tensor, dict[str, float]]:
    """The weighted four-term loss.

    Args:
        student: [B,C,H,W] float student map (requires grad while training).
        teacher: [B,C,H,W] float teacher map, same shape.
        weights: term weights; defaults to :class:`LossWeights` ().

    Returns:
        (total loss as a 0-dim tensor, dict of each unweighted term as a float for logging).
    """
    w = weights or LossWeights()
    terms = {
        "normalized_mse": normalized_mse(student, teacher),
        "cosine": cosine_distance(student, teacher),
        "channel_stats": channel_statistics_mse(student, teacher),
        "raw_mse": raw_mse(student, teacher),
    }
    total = (w.normalized_mse * terms["normalized_mse"] + w.cosine * terms["cosine"]
             + w.channel_stats * terms["channel_stats"] + w.raw_mse * terms["raw_mse"])
    return total, {name: float(value.detach()) for name, value in terms.items()}


@torch.no_grad()
def feature_cosine(student: torch.Tensor, teacher: torch.Tensor) -> float:
    """Mean per-position cosine similarity (the published "feature cosine", 0.808 at best)."""
    return float(position_cosine(student.float(), teacher.float()).mean())


@torch.no_grad()
def scale_ratio(student: torch.Tensor, teacher: torch.Tensor) -> float:
    """Mean per-position L2 norm of the student over that of the teacher (published: 0.949)."""
    _check(student, teacher)
    s_norm = student.float().norm(dim=1).mean()
    t_norm = teacher.float().norm(dim=1).mean().clamp_min(EPS)
    return float(s_norm / t_norm)
