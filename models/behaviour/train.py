"""Training, saving/loading and evaluation of the behaviour model (weights + sidecar in a model bundle).

Bundle files: ``behaviour.safetensors`` (state dict), ``behaviour.json`` (feature names, mean/std, window,
classes, training facts) and, after export, ``behaviour.onnx`` with its own sidecar.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from torch import nn

from models.behaviour.bouts import bouts_from_probabilities
from models.behaviour.dataset import SimClip, clip_features
from models.behaviour.features import FEATURE_NAMES
from models.behaviour.model import DEFAULT_WINDOW, BehaviourNet, predict_probabilities
from models.pipeline.types import BEHAVIOURS

WEIGHTS_FILE = "behaviour.safetensors"
SIDECAR_FILE = "behaviour.json"


@dataclass
class BehaviourModel:
    """A trained net with its standardisation and window length.

    Attributes:
        net: the network (reads len(mean) channels).
        mean, std: C float32 standardisation of the columns it reads.
        window: frames per window.
        names: the `FEATURE_NAMES` columns it reads, in order (None: the leading len(mean) ones).
    """

    net: BehaviourNet
    mean: np.ndarray
    std: np.ndarray
    window: int = DEFAULT_WINDOW
    names: tuple[str, ...] | None = None

    @property
    def feature_names(self) -> tuple[str, ...]:
        """`FEATURE_NAMES` columns the net reads (``names``, or the leading ones of old bundles)."""
        return self.names if self.names is not None else FEATURE_NAMES[: len(self.mean)]

    @property
    def columns(self) -> np.ndarray:
        """C int indices of `feature_names` in `FEATURE_NAMES`."""
        return np.array([FEATURE_NAMES.index(name) for name in self.feature_names], np.int64)

    def select(self, features: np.ndarray) -> np.ndarray:
        """The columns the net reads from ...xFx... raw features (axis 1 of 3-D windows, else the last),
        NaN (no usable mask) replaced by the training mean."""
        if features.ndim == 3:
            chosen = features[:, self.columns]
            return np.where(np.isnan(chosen), self.mean[None, :, None], chosen).astype(np.float32)
        chosen = features[..., self.columns]
        return np.where(np.isnan(chosen), self.mean, chosen).astype(np.float32)

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """TxF raw features of one track (`FEATURE_NAMES` order) -> Tx9 probabilities."""
        return predict_probabilities(self.net, self.select(features), self.mean, self.std, window=self.window)


def class_weights(labels: np.ndarray) -> torch.Tensor:
    """Inverse square-root class frequency, normalised to mean 1 (absent classes get weight 0)."""
    counts = np.bincount(labels, minlength=len(BEHAVIOURS)).astype(np.float64)
    weights = np.where(counts > 0, 1.0 / np.sqrt(np.maximum(counts, 1)), 0.0)
    return torch.tensor(weights / weights[counts > 0].mean(), dtype=torch.float32)


def balanced_rows(
    rng: np.random.Generator, labels: np.ndarray, *, per_class: int, max_repeat: int = 4
) -> np.ndarray:
    """Shuffled row indices of one class-balanced epoch.

    Each class contributes ``min(per_class, max_repeat * count)`` rows: large classes are subsampled,
    rare ones repeated (drawn with replacement) at most ``max_repeat`` times over.

    Args:
        rng: random generator.
        labels: N int class indices.
        per_class: rows per class at most.
        max_repeat: bound on how often a rare class's rows are repeated on average.

    Returns:
        M int64 row indices into ``labels``.
    """
    chosen = []
    for label in np.unique(labels):
        rows = np.flatnonzero(labels == label)
        take = min(per_class, max_repeat * len(rows))
        chosen.append(rng.choice(rows, size=take, replace=take > len(rows)))
    return rng.permutation(np.concatenate(chosen)) if chosen else np.zeros(0, np.int64)


def learning_rate(share: float, *, peak: float = 3e-3, warmup: float = 0.1) -> float:
    """One-cycle learning rate at ``share`` (0-1) of the run: linear warm-up, then cosine decay to ~0.

    The share is the larger of steps done and time used, so a run cut by its time limit still anneals.
    """
    share = min(max(share, 0.0), 1.0)
    if share < warmup:
        return peak * (0.04 + 0.96 * share / warmup)
    return peak * (0.5 * (1.0 + math.cos(math.pi * (share - warmup) / (1.0 - warmup))) + 1e-3)


def train_behaviour(
    x: np.ndarray,
    y: np.ndarray,
    *,
    epochs: int = 8,
    batch: int = 512,
    per_class: int | None = 5000,
    seed: int = 0,
    time_limit_s: float = 600.0,
    progress: Callable[[int, float], None] | None = None,
    feature_names: tuple[str, ...] = FEATURE_NAMES,
) -> BehaviourModel:
    """Train a `BehaviourNet` on NxFxW raw windows with AdamW and a class-weighted cross-entropy.

    Args:
        x: NxFxW float32 raw window features (`FEATURE_NAMES`; NaN allowed in the mask columns);
            y: N int64 labels.
        epochs: passes over the data (stops early at ``time_limit_s``).
        batch: windows per step.
        seed: torch and shuffling seed.
        per_class: class-balanced epochs of at most this many windows per class (`balanced_rows`);
            None: every window once per epoch.
        time_limit_s: wall-clock bound of the training loop.
        progress: called with (epoch, mean loss) after each epoch.
        feature_names: the columns of ``x`` to train on (any subset of `FEATURE_NAMES`, in that order).

    Returns:
        The trained model.
    """
    torch.manual_seed(seed)
    columns = [FEATURE_NAMES.index(name) for name in feature_names]
    chosen = x[:, columns]
    mean = np.nan_to_num(np.nanmean(chosen, axis=(0, 2))).astype(np.float32)
    std = (np.nan_to_num(np.nanstd(chosen, axis=(0, 2))) + 1e-6).astype(np.float32)
    chosen = np.where(np.isnan(chosen), mean[None, :, None], chosen)
    data = torch.from_numpy(((chosen - mean[None, :, None]) / std[None, :, None]).astype(np.float32))
    del chosen
    target = torch.from_numpy(y)
    net = BehaviourNet(features=len(columns))
    optimiser = torch.optim.AdamW(net.parameters(), lr=3e-3, weight_decay=1e-4)
    rng, started = np.random.default_rng(seed), time.perf_counter()

    def epoch_rows() -> np.ndarray:
        return rng.permutation(len(x)) if per_class is None else balanced_rows(rng, y, per_class=per_class)

    steps = epochs * max(1, len(epoch_rows()) // batch)
    done_steps = 0
    loss_fn = nn.CrossEntropyLoss(weight=class_weights(y[epoch_rows()]), label_smoothing=0.05)
    for epoch in range(epochs):
        net.train()
        losses = []
        order = epoch_rows()
        for rows in np.array_split(order, max(1, len(order) // batch)):
            progress_share = max(done_steps / steps, (time.perf_counter() - started) / time_limit_s)
            for group in optimiser.param_groups:
                group["lr"] = learning_rate(progress_share)
            done_steps += 1
            optimiser.zero_grad()
            loss = loss_fn(net(data[rows]), target[rows])
            loss.backward()
            optimiser.step()
            losses.append(float(loss.detach()))
            if time.perf_counter() - started > time_limit_s:
                break
        if progress is not None:
            progress(epoch, float(np.mean(losses)))
        if time.perf_counter() - started > time_limit_s:
            break
    return BehaviourModel(net.eval(), mean, std, names=tuple(feature_names))


def macro_f1(truth: np.ndarray, predicted: np.ndarray, classes: int = len(BEHAVIOURS)) -> float:
    """Macro-F1 over classes present in truth or predictions (as `models.eval.behaviour`); N int arrays."""
    matrix = np.zeros((classes, classes), np.int64)
    np.add.at(matrix, (truth, predicted), 1)
    tp = np.diag(matrix).astype(np.float64)
    denominator = matrix.sum(0) + matrix.sum(1)
    defined = denominator > 0
    return float(np.mean(2 * tp[defined] / denominator[defined])) if defined.any() else float("nan")


def tune_logit_bias(
    logits: np.ndarray,
    truth: np.ndarray,
    *,
    steps: tuple[float, ...] = (-1.0, -0.5, -0.25, 0.25, 0.5, 1.0),
    rounds: int = 3,
    min_support: int = 1,
) -> np.ndarray:
    """Per-class offsets added to the logits that maximise macro-F1 of the argmax (coordinate ascent).

    Argmax of calibrated probabilities maximises accuracy, not macro-F1: a rare class that is hard to tell
    from a common one (lying vs sleep) is predicted too seldom. Tune on a validation set only.

    Args:
        logits: Nx9 float logits of validation windows.
        truth: N int true classes.
        steps: offsets tried for one class at a time.
        rounds: passes over the classes.
        min_support: only classes with at least this many frames in ``truth`` get an offset (an offset
            fitted to a handful of encounters does not carry over to other clips).

    Returns:
        9 float32 offsets (0 for classes absent from ``truth`` or below ``min_support``).
    """
    bias = np.zeros(logits.shape[1])
    best = macro_f1(truth, (logits + bias).argmax(1))
    present = np.bincount(truth, minlength=logits.shape[1]) >= max(min_support, 1)
    for _ in range(rounds):
        improved = False
        for k in np.flatnonzero(present):
            for step in steps:
                trial = bias.copy()
                trial[k] += step
                score = macro_f1(truth, (logits + trial).argmax(1))
                if score > best + 1e-6:
                    best, bias, improved = score, trial, True
        if not improved:
            break
    return bias.astype(np.float32)


def add_logit_bias(model: BehaviourModel, bias: np.ndarray) -> None:
    """Fold per-class logit offsets into the net (so torch, safetensors and ONNX all carry them): into the
    head's bias, or the output bias after a `RestSplit` (where the output is no longer the head's logits)."""
    target = model.net.head.bias if model.net.rest is None else model.net.out_bias
    with torch.no_grad():
        target.add_(torch.from_numpy(np.asarray(bias, np.float32)))


REST_SPLIT_FEATURES: tuple[str, ...] = (
    "mask_box_fill", "mask_elongation", "mask_ellipse_fill", "mask_solidity", "hour_sin", "hour_cos",
)  # fmt: skip
"""Columns the `RestSplit` (lying vs sleep) reads by default: the silhouette's shape and the time of day."""

REST_SPLIT_SETS: dict[str, tuple[str, ...]] = {
    "mask": REST_SPLIT_FEATURES,
    "boxes": (
        "w", "h", "log_aspect", "log_area", "diagonal_vs_pen", "area_vs_pen", "hour_sin", "hour_cos",
        "log_diagonal", "area_vs_track", "diagonal_vs_track",
    ),
}  # fmt: skip
"""Column sets a `RestSplit` can read: mask shape + clock, or box size and shape (vs the pen and the track) +
clock (a pig on its side is wider, so its box is larger than its own and its pen-mates' usual box)."""


def fit_rest_split(
    model: BehaviourModel,
    x: np.ndarray,
    y: np.ndarray,
    *,
    steps: int = 600,
    batch: int = 4096,
    seed: int = 0,
    names: tuple[str, ...] = REST_SPLIT_FEATURES,
) -> BehaviourModel:
    """A copy of ``model`` with a `RestSplit` head trained on its lying and sleep windows (the rest of the
    net is frozen): binary cross-entropy on the natural lying/sleep mix, AdamW with weight decay.

    Args:
        model: a trained model whose columns include ``names``.
        x: NxFxW raw windows (`FEATURE_NAMES`); y: N int labels.
        steps, batch: optimisation steps and windows per step; seed: torch and sampling seed.
        names: the columns the split reads (`REST_SPLIT_SETS`).

    Returns:
        The new model (output = head's rest probability shared out by the split).
    """
    torch.manual_seed(seed)
    columns = [model.feature_names.index(name) for name in names]
    net = BehaviourNet(features=len(model.feature_names), rest_columns=columns)
    missing, unexpected = net.load_state_dict(model.net.state_dict(), strict=False)
    if unexpected or any(not key.startswith(("rest.", "out_bias")) for key in missing):
        raise ValueError(f"cannot extend the net: missing {missing}, unexpected {unexpected}")
    assert net.rest is not None
    rows = np.flatnonzero(np.isin(y, [BEHAVIOURS.index("lying"), BEHAVIOURS.index("sleep")]))
    chosen = model.select(x[rows][:, :, :])
    standard = torch.from_numpy((chosen - model.mean[None, :, None]) / model.std[None, :, None])
    target = torch.from_numpy((y[rows] == BEHAVIOURS.index("sleep")).astype(np.float32))
    optimiser = torch.optim.AdamW(net.rest.parameters(), lr=3e-3, weight_decay=1e-3)
    generator = torch.Generator().manual_seed(seed)
    net.rest.train()
    for _ in range(steps):
        pick = torch.randint(0, len(rows), (min(batch, len(rows)),), generator=generator)
        loss = nn.functional.binary_cross_entropy_with_logits(net.rest(standard[pick]), target[pick])
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    return BehaviourModel(net.eval(), model.mean, model.std, model.window, model.feature_names)


def window_logits(model: BehaviourModel, x: np.ndarray, *, batch: int = 2048) -> np.ndarray:
    """Nx9 float32 logits of NxFxW raw windows (`FEATURE_NAMES`; standardised with the model's mean/std)."""
    out = []
    model.net.eval()
    with torch.inference_mode():
        for start in range(0, len(x), batch):
            columns = model.select(x[start : start + batch])
            chunk = (columns - model.mean[None, :, None]) / model.std[None, :, None]
            out.append(model.net(torch.from_numpy(chunk.astype(np.float32))).numpy())
    return np.concatenate(out) if out else np.zeros((0, len(BEHAVIOURS)), np.float32)


def save_bundle(model: BehaviourModel, directory: Path, *, facts: dict[str, Any]) -> None:
    """Write ``behaviour.safetensors`` and ``behaviour.json`` (mean, std, window, classes, ``facts``)."""
    directory.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in model.net.state_dict().items()}, str(directory / WEIGHTS_FILE))
    sidecar = {"features": list(model.feature_names), "classes": list(BEHAVIOURS), "window": model.window,
               "mean": model.mean.tolist(), "std": model.std.tolist(), "version": 1,
               "rest_split_features": rest_split_names(model), **facts}  # fmt: skip
    (directory / SIDECAR_FILE).write_text(json.dumps(sidecar, indent=2))


def rest_split_names(model: BehaviourModel) -> list[str]:
    """Names of the columns the model's `RestSplit` reads ([] without one)."""
    if model.net.rest is None:
        return []
    return [model.feature_names[int(k)] for k in model.net.rest.columns.tolist()]


def load_bundle(directory: Path) -> BehaviourModel:
    """Load a model written by `save_bundle` (strict: missing or unexpected keys raise).

    A bundle reads the `FEATURE_NAMES` columns its sidecar names (any subset, e.g. the 16 base columns of
    older bundles), so bundles trained on fewer features keep loading.
    """
    sidecar = json.loads((directory / SIDECAR_FILE).read_text())
    names = tuple(sidecar["features"])
    unknown = set(names) - set(FEATURE_NAMES)
    if unknown or len(set(names)) != len(names) or not names or list(sidecar["classes"]) != list(BEHAVIOURS):
        raise ValueError(f"{directory / SIDECAR_FILE} was trained on other features or classes")
    rest = list(sidecar.get("rest_split_features", []))
    if not set(rest) <= set(names):
        raise ValueError(f"{directory / SIDECAR_FILE}: rest-split columns {rest} are not among its features")
    net = BehaviourNet(features=len(names), rest_columns=[names.index(name) for name in rest])
    net.load_state_dict(load_file(str(directory / WEIGHTS_FILE)), strict=True)
    mean, std = np.asarray(sidecar["mean"], np.float32), np.asarray(sidecar["std"], np.float32)
    return BehaviourModel(net.eval(), mean, std, int(sidecar["window"]), names)


def clip_predictions(model: BehaviourModel, clip: SimClip) -> tuple[list[int], list[int], list[int]]:
    """Per-frame truth, raw argmax and smoothed-bout labels (class indices) over every track of a clip."""
    truth: list[int] = []
    raw: list[int] = []
    bouts: list[int] = []
    for track, features in zip(clip.tracks, clip_features(clip), strict=True):
        probabilities = model.probabilities(features)
        times = track.frames / clip.fps
        labels = np.zeros(len(times), np.int64)
        for bout in bouts_from_probabilities(0, times, probabilities):
            labels[(times >= bout.start_s) & (times < bout.end_s)] = BEHAVIOURS.index(bout.label)
        truth += track.labels.tolist()
        raw += probabilities.argmax(1).tolist()
        bouts += labels.tolist()
    return truth, raw, bouts
