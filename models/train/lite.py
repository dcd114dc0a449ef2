"""Training of the lite tracker network on simulator frames and real pig photos.

Losses are pure functions (CenterNet focal loss, L1 on box size/offset, prototype-mask BCE, InfoNCE on
appearance) combined by `lite_loss`. `train_lite` runs a seeded, resumable loop that writes
``checkpoint.pt`` (model, optimiser, step, RNG states), ``config.json`` and ``metrics.json`` into ``out``.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from models.data.targets import Sample, build_targets, random_crop_resize
from models.nn.lite import LiteConfig, LiteNet


@dataclass(frozen=True)
class TrainConfig:
    """Settings of one training run (sizes in pixels, scales relative to the source image).

    ``real_scale`` 0.45 brings the 1080x1080 pig-detect photos (median pig 116x200 px) to about the pig size
    of simulator frames rendered at the network input (512x288: median pig about 50x70 px) and of those photos
    letterboxed to a 512 px input (scale 0.47); each sample's scale is further multiplied by
    U(1 - ``scale_jitter``, 1 + ``scale_jitter``).

    ``real_fit`` > 0 replaces ``real_scale`` by a per-photo scale ``real_fit / max(height, width)``: the scale
    at which `pigwatch lite-ap` letterboxes the photo into a ``real_fit``-px square input. The shared set
    mixes 1080 px and 640 px photos of the same pens (median pig 151 and 90 px): one fixed scale makes the
    640 px photos' pigs 0.6 times the size they have at evaluation, a fitted scale gives both about 70 px.
    """

    steps: int = 300
    batch_size: int = 8
    lr: float = 2e-3
    weight_decay: float = 0.05
    warmup_steps: int = 30
    crop: tuple[int, int] = (256, 256)
    real_scale: float = 0.45
    sim_scale: float = 1.0
    scale_jitter: float = 0.35
    real_fraction: float = 0.5
    real_fit: int = 0
    min_visible: float = 0.5
    """A box cut by the training crop stays a target if it keeps at least this share of its area."""
    embed_weight: float = 0.5
    mask_weight: float = 1.0
    seed: int = 0
    checkpoint_every: int = 50
    lite: LiteConfig = field(default_factory=LiteConfig)
    init_from: str = ""
    """Exported bundle (``tracker.onnx``) whose weights start a fresh run ("" = random initialisation)."""


def focal_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """CenterNet's penalty-reduced focal loss. logits, target: [B,1,h,w]; target is a Gaussian heatmap."""
    p = logits.sigmoid().clamp(1e-4, 1 - 1e-4)
    pos = target.ge(0.999).float()
    pos_loss = -torch.log(p) * (1 - p) ** 2 * pos
    neg_loss = -torch.log(1 - p) * p**2 * (1 - target) ** 4 * (1 - pos)
    return (pos_loss.sum() + neg_loss.sum()) / pos.sum().clamp(min=1.0)


def gather_cells(maps: torch.Tensor, ind: torch.Tensor) -> torch.Tensor:
    """maps [B,C,h,w], ind [B,M] flat cell index -> [B,M,C]."""
    b, c = maps.shape[:2]
    flat = maps.reshape(b, c, -1).transpose(1, 2)
    return flat.gather(1, ind.unsqueeze(-1).expand(-1, -1, c))


def box_loss(pred: torch.Tensor, target: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """Mean L1 over valid objects. pred, target: [B,M,2]; valid: [B,M] bool."""
    if not valid.any():
        return pred.sum() * 0.0
    return F.l1_loss(pred[valid], target[valid])


def mask_loss(
    coef: torch.Tensor, proto: torch.Tensor, target: torch.Tensor, valid: torch.Tensor
) -> torch.Tensor:
    """BCE of prototype masks: coef [B,M,K] at centres, proto [B,K,h,w], target [B,M,h,w], valid [B,M]."""
    if not valid.any():
        return proto.sum() * 0.0
    logits = torch.einsum("bmk,bkhw->bmhw", coef, proto)
    return F.binary_cross_entropy_with_logits(logits[valid], target[valid])


def embedding_loss(emb: torch.Tensor, ids: torch.Tensor, *, temperature: float = 0.1) -> torch.Tensor:
    """InfoNCE over labelled instances, same id = positive. emb [N,D] L2-normalised, ids [N] int >= 0."""
    same = ids[:, None] == ids[None, :]
    eye = torch.eye(len(ids), dtype=torch.bool, device=emb.device)
    positives = same & ~eye
    anchors = positives.any(dim=1)
    if not anchors.any():
        return emb.sum() * 0.0
    logits = (emb @ emb.T / temperature).masked_fill(eye, -1e4)
    log_prob = logits - torch.logsumexp(logits, dim=1, keepdim=True)
    per_anchor = -(log_prob * positives).sum(1) / positives.sum(1).clamp(min=1)
    return per_anchor[anchors].mean()


def pair_embedding_loss(emb_at: torch.Tensor, ids: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """Embedding loss per pair of batch items (2k, 2k+1 share a clip). emb_at [B,M,D], ids [B,M]."""
    losses = []
    for k in range(0, emb_at.shape[0] - 1, 2):
        sel = torch.cat([valid[k] & (ids[k] >= 0), valid[k + 1] & (ids[k + 1] >= 0)])
        if sel.sum() >= 2:
            e = torch.cat([emb_at[k], emb_at[k + 1]])[sel]
            losses.append(embedding_loss(e, torch.cat([ids[k], ids[k + 1]])[sel]))
    return torch.stack(losses).mean() if losses else emb_at.sum() * 0.0


def lite_loss(
    raw: dict[str, torch.Tensor], t: dict[str, torch.Tensor], cfg: TrainConfig
) -> dict[str, torch.Tensor]:
    """All loss terms and their weighted total ("total") from `LiteNet.raw` outputs and batched targets."""
    ind = t["ind"]
    terms = {
        "heat": focal_loss(raw["heat_logit"], t["heat"]),
        "size": box_loss(gather_cells(raw["size"], ind), t["size"], t["valid"]),
        "offset": box_loss(gather_cells(raw["offset"], ind), t["offset"], t["valid"]),
        "mask": mask_loss(
            gather_cells(raw["coef"], ind), raw["proto"], t["mask"], t["valid"] & t["mask_valid"]
        ),
        "embed": pair_embedding_loss(gather_cells(raw["embed"], ind), t["ids"], t["valid"]),
    }
    terms["total"] = (
        terms["heat"]
        + terms["size"]
        + terms["offset"]
        + cfg.mask_weight * terms["mask"]
        + cfg.embed_weight * terms["embed"]
    )
    return terms


SampleSource = Callable[[np.random.Generator], tuple[Sample, Sample]]
"""Returns two samples: a pair of frames of one clip (sim), or two independent photos (real)."""

SourceScale = float | Callable[[Sample], float]
"""A source's resize factor: a constant, or a function of the sample (e.g. `fit_scale`)."""


def fit_scale(side: int) -> Callable[[Sample], float]:
    """Scale that brings a sample's longer image side to ``side`` pixels."""
    return lambda s: side / max(s.image.shape[:2])


def make_batch(
    sources: list[tuple[SampleSource, SourceScale]], rng: np.random.Generator, cfg: TrainConfig
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Draw ``batch_size // 2`` pairs, each from a source picked by weight; augment; stack targets.

    Args:
        sources: (source, scale) pairs; the first is drawn with probability ``real_fraction`` when two exist.

    Returns:
        images [B,3,H,W] float32 in [0, 1] and a dict of batched targets (see `build_targets`).
    """
    images, targets = [], []
    for _ in range(cfg.batch_size // 2):
        pick = 0 if len(sources) == 1 or rng.random() < cfg.real_fraction else 1
        source, scale = sources[pick]
        for s in source(rng):
            factor = scale(s) if callable(scale) else scale
            aug = random_crop_resize(
                s, rng, out_hw=cfg.crop, scale=factor, jitter=cfg.scale_jitter, min_visible=cfg.min_visible
            )
            images.append(torch.from_numpy(aug.image).permute(2, 0, 1).float() / 255.0)
            targets.append(build_targets(aug))
    batch = {k: torch.from_numpy(np.stack([t[k] for t in targets])) for k in targets[0]}
    return torch.stack(images), batch


def lr_at(step: int, cfg: TrainConfig) -> float:
    """Linear warm-up then cosine decay to 5 % of ``lr``."""
    if step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / cfg.warmup_steps
    progress = (step - cfg.warmup_steps) / max(cfg.steps - cfg.warmup_steps, 1)
    return cfg.lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(progress, 1.0))))


def save_checkpoint(
    path: Path, model: LiteNet, opt: torch.optim.Optimizer, step: int, rng: np.random.Generator
) -> None:
    """Write model/optimiser state, the next step and RNG states atomically (tmp file + rename)."""
    state = {
        "model": {k: v.cpu() for k, v in model.state_dict().items()},
        "optimizer": opt.state_dict(),
        "step": step,
        "numpy_rng": rng.bit_generator.state,
        "torch_rng": torch.get_rng_state(),
        "lite_config": model.config.to_dict(),
    }
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    tmp.replace(path)


class CheckpointError(ValueError):
    """A file that is not a readable `train_lite` checkpoint of a `LiteNet`."""


def load_lite_checkpoint(path: Path) -> LiteNet:
    """Rebuild a `LiteNet` from a checkpoint written by `train_lite` (strict load), in eval mode.

    Raises:
        CheckpointError: the file cannot be read as a checkpoint, lacks its network config or weights, or
            its weights do not fit the network its config describes.
    """
    try:
        state = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as err:  # torch.load raises pickle, zip and runtime errors alike
        raise CheckpointError(f"{path}: not a readable checkpoint ({type(err).__name__}: {err})") from err
    if not isinstance(state, dict) or "lite_config" not in state or "model" not in state:
        raise CheckpointError(f"{path}: not a train-lite checkpoint (no lite_config and model entries)")
    try:
        model = LiteNet(LiteConfig(**state["lite_config"]))
        model.load_state_dict(state["model"], strict=True)
    except (TypeError, KeyError, RuntimeError) as err:
        raise CheckpointError(f"{path}: weights do not fit the network of its config ({err})") from err
    return model.eval()


def train_lite(
    out: Path,
    cfg: TrainConfig,
    sources: list[tuple[SampleSource, SourceScale]],
    *,
    resume: bool = True,
    on_step: Callable[[int, dict[str, float]], None] | None = None,
    device: str = "cpu",
    workers: int = 0,
) -> dict:
    """Train (or resume) a `LiteNet` into ``out``.

    Args:
        out: run folder; ``checkpoint.pt``, ``config.json``, ``metrics.json`` are written there.
        cfg: the run's settings (``steps`` is the total, counting steps of earlier sessions when resuming);
            a fresh run starts from the bundle ``cfg.init_from`` when set (`models.train.lite_init`).
        sources: sample sources with their resize scale (see `make_batch`).
        resume: continue from ``out/checkpoint.pt`` when it exists.
        on_step: called after each step with the step number and its loss terms.
        device: torch device of the model and batches ("cpu", "cuda").
        workers: data-loading processes (0 = batches made in this process, exactly reproducible on resume;
            N > 0: worker k draws from its own generator seeded by (seed, first step of the session, k)).

    Returns:
        The metrics dict also written to ``metrics.json`` (loss history with ``wall_s``, seconds since this
        session's first step began, final step).
    """
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    model = _initial_model(cfg).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    step, history = _maybe_resume(out, model, opt, rng, resume=resume)
    (out / "config.json").write_text(json.dumps(asdict(cfg), indent=2))
    model.train()
    started = time.monotonic()
    batches = _batch_stream(sources, cfg, step, workers, pin=device != "cpu") if workers > 0 else None
    while step < cfg.steps:
        batch = next(batches) if batches is not None else make_batch(sources, rng, cfg)
        terms = _train_step(model, opt, _to_device(batch, device), cfg, step)
        history.append({"step": step, **terms, "wall_s": round(time.monotonic() - started, 3)})
        step += 1
        if on_step is not None:
            on_step(step, terms)
        if step % cfg.checkpoint_every == 0 or step == cfg.steps:
            save_checkpoint(out / "checkpoint.pt", model, opt, step, rng)
            _write_metrics(out, history, step)
    return _write_metrics(out, history, step)


def _initial_model(cfg: TrainConfig) -> LiteNet:
    """A randomly initialised `LiteNet`, or one holding the weights of the bundle ``cfg.init_from``."""
    if not cfg.init_from:
        return LiteNet(cfg.lite)
    from models.train.lite_init import init_from_bundle

    return init_from_bundle(Path(cfg.init_from), config=cfg.lite)


class _BatchStream(torch.utils.data.IterableDataset):
    """Endless `make_batch` batches; each DataLoader worker uses its own seeded generator."""

    def __init__(
        self, sources: list[tuple[SampleSource, SourceScale]], cfg: TrainConfig, first_step: int
    ) -> None:
        self.sources, self.cfg, self.first_step = sources, cfg, first_step

    def __iter__(self):  # noqa: ANN204 - generator of (images, targets)
        info = torch.utils.data.get_worker_info()
        rng = np.random.default_rng([self.cfg.seed, self.first_step, info.id if info else 0])
        while True:
            yield make_batch(self.sources, rng, self.cfg)


def _batch_stream(
    sources: list[tuple[SampleSource, SourceScale]],
    cfg: TrainConfig,
    first_step: int,
    workers: int,
    *,
    pin: bool,
) -> Iterator[tuple[torch.Tensor, dict[str, torch.Tensor]]]:
    """Batches made by ``workers`` processes (forked: the sources' in-memory clips are shared, not copied)."""
    loader = torch.utils.data.DataLoader(
        _BatchStream(sources, cfg, first_step),
        batch_size=None,
        num_workers=workers,
        prefetch_factor=4,
        pin_memory=pin,
    )
    return iter(loader)


def _to_device(
    batch: tuple[torch.Tensor, dict[str, torch.Tensor]], device: str
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Images [B,3,H,W] and every target tensor moved to ``device``."""
    images, targets = batch
    return images.to(device, non_blocking=True), {
        k: v.to(device, non_blocking=True) for k, v in targets.items()
    }


def _train_step(
    model: LiteNet,
    opt: torch.optim.Optimizer,
    batch: tuple[torch.Tensor, dict[str, torch.Tensor]],
    cfg: TrainConfig,
    step: int,
) -> dict[str, float]:
    """One optimiser step on a batch (images [B,3,H,W], `build_targets` targets); returns the loss terms."""
    images, targets = batch
    for group in opt.param_groups:
        group["lr"] = lr_at(step, cfg)
    terms = lite_loss(model.raw(images), targets, cfg)
    opt.zero_grad(set_to_none=True)
    terms["total"].backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
    opt.step()
    return {k: float(v.detach()) for k, v in terms.items()}


def _maybe_resume(
    out: Path, model: LiteNet, opt: torch.optim.Optimizer, rng: np.random.Generator, *, resume: bool
) -> tuple[int, list[dict]]:
    """Load ``out/checkpoint.pt`` into model, optimiser and RNGs; returns (next step, loss history)."""
    ckpt = out / "checkpoint.pt"
    if not (resume and ckpt.exists()):
        return 0, []
    state = torch.load(ckpt, map_location="cpu", weights_only=False)
    model.load_state_dict(state["model"], strict=True)
    opt.load_state_dict(state["optimizer"])
    rng.bit_generator.state = state["numpy_rng"]
    torch.set_rng_state(state["torch_rng"])
    metrics_path = out / "metrics.json"
    history = json.loads(metrics_path.read_text())["history"] if metrics_path.exists() else []
    return int(state["step"]), [h for h in history if h["step"] < state["step"]]


def _write_metrics(out: Path, history: list[dict], step: int) -> dict:
    """Write ``metrics.json``: per-step loss terms and the mean of the last 20 steps."""
    tail = history[-20:]
    skip = ("step", "wall_s")
    summary = {k: float(np.mean([h[k] for h in tail])) for k in tail[0] if k not in skip} if tail else {}
    metrics = {"step": step, "last20_mean": summary, "history": history}
    (out / "metrics.json").write_text(json.dumps(metrics, indent=1))
    return metrics
