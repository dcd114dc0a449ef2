"""The behaviour network: a small temporal CNN over a window of per-frame track features.

Input ``[B, F, W]`` float32 (F = `FEATURE_NAMES`, W = window frames centred on the labelled frame, already
standardised by the mean/std stored with the weights); output ``[B, 9]`` logits in `BEHAVIOURS` order.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from models.behaviour.features import FEATURE_NAMES
from models.pipeline.types import BEHAVIOURS

DEFAULT_WINDOW = 24
"""Frames per window (4 s at 6 fps)."""


LYING, SLEEP = BEHAVIOURS.index("lying"), BEHAVIOURS.index("sleep")


class RestSplit(nn.Module):
    """A small MLP over a few channels averaged over the window -> the logit of sleep vs lying.

    Lying and sleep differ only in posture (lateral vs sternal, seen in the mask's shape) and in how likely
    sleep is at that hour; a separate head on just those channels, trained on the natural lying/sleep mix,
    cannot memorise individual rest bouts (whose label is partly a coin flip) the way the full net can.

    Args:
        columns: indices of the input channels it reads.
        hidden: hidden units.
    """

    columns: torch.Tensor

    def __init__(self, columns: Sequence[int], hidden: int = 32) -> None:
        super().__init__()
        self.register_buffer("columns", torch.tensor(list(columns), dtype=torch.int64))
        self.mlp = nn.Sequential(nn.Linear(len(columns), hidden), nn.GELU(), nn.Linear(hidden, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``[B, F, W]`` standardised features -> ``[B]`` logit of sleep (vs lying)."""
        return self.mlp(x.index_select(1, self.columns).mean(2)).squeeze(1)


class BehaviourNet(nn.Module):
    """Two dilated 1-D conv blocks, mean+max pooling over time, a linear head; optionally a `RestSplit`
    that decides between lying and sleep within the probability the head gives to rest.

    Args:
        features: F input channels.
        hidden: channels of the conv blocks.
        classes: number of output classes.
        rest_columns: input channels of the `RestSplit` (empty: none; the head alone decides).
    """

    def __init__(
        self,
        features: int = len(FEATURE_NAMES),
        hidden: int = 64,
        classes: int = len(BEHAVIOURS),
        rest_columns: Sequence[int] = (),
    ) -> None:
        super().__init__()
        self.trunk = nn.Sequential(
            nn.Conv1d(features, hidden, 5, padding=2),
            nn.GroupNorm(8, hidden),
            nn.GELU(),
            nn.Conv1d(hidden, hidden, 5, padding=4, dilation=2),
            nn.GroupNorm(8, hidden),
            nn.GELU(),
        )
        self.centre = nn.Conv1d(hidden, hidden, 1)
        self.head = nn.Linear(3 * hidden, classes)
        self.rest = RestSplit(rest_columns) if len(rest_columns) else None
        if self.rest is not None:  # offsets added to the composed output (tuned for macro-F1 on val)
            self.out_bias = nn.Parameter(torch.zeros(classes))

    def head_logits(self, x: torch.Tensor) -> torch.Tensor:
        """``[B, F, W]`` standardised features -> ``[B, classes]`` logits of the conv head alone."""
        h = self.trunk(x)
        middle = self.centre(h[:, :, h.shape[2] // 2 : h.shape[2] // 2 + 1]).squeeze(2)
        return self.head(torch.cat([h.mean(2), h.amax(2), middle], dim=1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``[B, F, W]`` standardised features -> ``[B, classes]`` logits (log-probabilities when a
        `RestSplit` shares the head's rest probability out between lying and sleep)."""
        logits = self.head_logits(x)
        if self.rest is None:
            return logits
        log_p = torch.log_softmax(logits, dim=1)
        rest = torch.logsumexp(log_p[:, [LYING, SLEEP]], dim=1)
        sleep = self.rest(x)
        columns = [log_p[:, k] for k in range(log_p.shape[1])]
        columns[LYING] = rest + nn.functional.logsigmoid(-sleep)
        columns[SLEEP] = rest + nn.functional.logsigmoid(sleep)
        return torch.stack(columns, dim=1) + self.out_bias


def windows(features: np.ndarray, centres: np.ndarray, window: int = DEFAULT_WINDOW) -> np.ndarray:
    """Windows of ``window`` frames centred on ``centres`` (edges repeat the first/last frame).

    Args:
        features: TxF float32 features of one track.
        centres: K int row indices into ``features``.
        window: frames per window.

    Returns:
        KxFxW float32.
    """
    if len(features) == 0 or len(centres) == 0:
        return np.zeros((0, features.shape[1] if features.ndim == 2 else 0, window), np.float32)
    offsets = np.arange(window) - window // 2
    rows = np.clip(np.asarray(centres)[:, None] + offsets[None, :], 0, len(features) - 1)
    return np.ascontiguousarray(features[rows].transpose(0, 2, 1)).astype(np.float32)


def predict_probabilities(
    net: nn.Module, features: np.ndarray, mean: np.ndarray, std: np.ndarray, *, window: int, batch: int = 512
) -> np.ndarray:
    """Class probabilities for every frame of one track.

    Args:
        net: a trained `BehaviourNet` (eval mode is set here).
        features: TxF float32.
        mean, std: F float32 standardisation.
        window: frames per window.
        batch: windows per forward pass.

    Returns:
        Tx9 float32 probabilities.
    """
    net.eval()
    standard = (features - mean) / std
    out = np.zeros((len(features), len(BEHAVIOURS)), np.float32)
    with torch.inference_mode():
        for start in range(0, len(features), batch):
            centres = np.arange(start, min(start + batch, len(features)))
            logits = net(torch.from_numpy(windows(standard, centres, window)))
            out[centres] = torch.softmax(logits, dim=1).numpy()
    return out
