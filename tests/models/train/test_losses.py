"""Each loss term and metric on hand-made tensors with hand-computed values."""

from __future__ import annotations

import pytest
import torch

from models.train.losses import (
    LossWeights,
    channel_statistics_mse,
    cosine_distance,
    distillation_loss,
    feature_cosine,
    normalized_mse,
    raw_mse,
    scale_ratio,
)


def _map(values: list[float], shape: tuple[int, int, int, int]) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float32).reshape(shape)


# one position, two channels: s = (3, 4) has direction (0.6, 0.8); t = (0, 2) has direction (0, 1)
S1, T1 = _map([3.0, 4.0], (1, 2, 1, 1)), _map([0.0, 2.0], (1, 2, 1, 1))
# one channel over two positions: s = (1, 3): mean 2, std 1; t = (0, 0)
S2, T2 = _map([1.0, 3.0], (1, 1, 1, 2)), _map([0.0, 0.0], (1, 1, 1, 2))
# two positions, two channels, teacher exactly opposite the student
S3 = _map([1.0, 0.0, 0.0, 1.0], (1, 2, 1, 2))


@pytest.mark.parametrize(
    ("fn", "student", "teacher", "expected"),
    [
        (normalized_mse, S1, T1, (0.6**2 + 0.2**2) / 2),  # 0.2
        (normalized_mse, S1, S1, 0.0),
        (normalized_mse, S3, -S3, 4.0 / 2),  # each unit vector differs by 2u: sum of squares 4 over C=2
        (cosine_distance, S1, T1, 1.0 - 0.8),
        (cosine_distance, S3, -S3, 2.0),
        (cosine_distance, S1, 2.0 * S1, 0.0),
        (channel_statistics_mse, S1, T1, 0.0 + (9.0 + 4.0) / 2),  # no spatial spread; means 3,4 vs 0,2
        (channel_statistics_mse, S2, T2, 1.0 + 4.0),  # std 1 vs 0, mean 2 vs 0
        (channel_statistics_mse, S2, S2 + 1.0, 0.0 + 1.0),  # a shift changes the mean only
        (raw_mse, S1, T1, (9.0 + 4.0) / 2),
        (raw_mse, S2, T2, (1.0 + 9.0) / 2),
    ],
)
def test_terms_hand_computed(fn, student: torch.Tensor, teacher: torch.Tensor, expected: float) -> None:
    assert float(fn(student, teacher)) == pytest.approx(expected, abs=1e-5)


def test_weighted_combination_hand_computed() -> None:
    total, terms = distillation_loss(S1, T1)
    expected = {"normalized_mse": 0.2, "cosine": 0.2, "channel_stats": 6.5, "raw_mse": 6.5}
    assert terms == pytest.approx(expected)
    assert float(total) == pytest.approx(1.0 * 0.2 + 0.5 * 0.2 + 0.3 * 6.5 + 0.1 * 6.5, abs=1e-5)


def test_custom_weights() -> None:
    total, _ = distillation_loss(S1, T1, LossWeights(normalized_mse=0.0, cosine=0.0, channel_stats=0.0,
                                                     raw_mse=1.0))
    assert float(total) == pytest.approx(6.5)


def test_loss_has_gradient() -> None:
    student = S1.clone().requires_grad_(True)
    total, _ = distillation_loss(student, T1)
    total.backward()
    assert student.grad is not None and student.grad.abs().sum() > 0


@pytest.mark.parametrize(
    ("student", "teacher", "cosine", "ratio"),
    [(S1, T1, 0.8, 5.0 / 2.0), (S3, -S3, -1.0, 1.0), (S3, 0.5 * S3, 1.0, 2.0)],
)
def test_metrics_hand_computed(
    student: torch.Tensor, teacher: torch.Tensor, cosine: float, ratio: float
) -> None:
    assert feature_cosine(student, teacher) == pytest.approx(cosine, abs=1e-6)
    assert scale_ratio(student, teacher) == pytest.approx(ratio, abs=1e-6)


@pytest.mark.parametrize(
    ("student", "teacher", "message"),
    [
        (torch.zeros(0, 2, 1, 1), torch.zeros(0, 2, 1, 1), "empty"),
        (torch.zeros(1, 2, 1, 1), torch.zeros(1, 3, 1, 1), "same shape|must both"),
        (torch.zeros(2, 1, 1), torch.zeros(2, 1, 1), "must both"),
    ],
)
def test_bad_inputs_raise(student: torch.Tensor, teacher: torch.Tensor, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        distillation_loss(student, teacher)
