"""Exponential moving average of a model's weights (the published run uses decay 0.9995)."""

from __future__ import annotations

import copy

import torch
from torch import nn


class ModelEma:
    """Keeps ``shadow = decay * shadow + (1 - decay) * live`` for every float parameter and buffer.

    Integer buffers (e.g. BatchNorm's ``num_batches_tracked``) are copied. The shadow is a frozen deep copy in
    eval mode; use ``ema.module`` for evaluation and export.
    """

    def __init__(self, model: nn.Module, *, decay: float = 0.9995) -> None:
        if not 0.0 <= decay < 1.0:
            raise ValueError(f"EMA decay must be in [0, 1), got {decay}")
        self.decay = decay
        self.module = copy.deepcopy(model).eval().requires_grad_(False)

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        """Move the shadow weights towards ``model``'s current weights."""
        live = model.state_dict()
        for name, shadow in self.module.state_dict().items():
            if shadow.dtype.is_floating_point:
                shadow.lerp_(live[name].detach(), 1.0 - self.decay)
            else:
                shadow.copy_(live[name])

    def state_dict(self) -> dict[str, torch.Tensor]:
        """The shadow weights."""
        return self.module.state_dict()

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        """Restore shadow weights saved by :meth:`state_dict` (strict)."""
        self.module.load_state_dict(state, strict=True)
