"""Feature distillation of SAM 3's ViT into the student encoder (see docs/distillation.md).

Images come from a directory. The frozen teacher runs once per image: its map is cached on disk in fp16 (about
10.6 MB per image for [1024,72,72]) when a cache directory is given. A horizontal flip is applied to the image
and the teacher map alike; colour jitter touches the image only. AdamW with separate trunk/head learning
rates, EMA of the student, cosine annealing with warm restarts. Each epoch writes ``last.pt`` (resumable) with
``config.json`` beside it, ``ema.pt`` (EMA student weights, the artefact to deploy), and a line of
``metrics.jsonl`` (loss terms, feature cosine, scale ratio).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import cv2
import numpy as np
import torch

from models.nn.student import StudentConfig, StudentEncoder
from models.nn.tinyvit import IMAGENET_MEAN, IMAGENET_STD, load_timm_checkpoint
from models.train.ema import ModelEma
from models.train.losses import LossWeights, distillation_loss, feature_cosine, scale_ratio

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp")
Teacher = Callable[[torch.Tensor], torch.Tensor]
"""[B,3,S,S] float32 in [0,1] -> [B,C,h,w] float32 teacher map (normalisation is the teacher's business)."""


@dataclass
class DistillConfig:
    """Everything a run needs besides the teacher and the images; saved as ``config.json``.

    Attributes:
        student: shape of the student (its img_size is the teacher's input size).
        epochs, batch_size: run length and batch (published: batch 4).
        lr_trunk, lr_head: AdamW learning rates (published: 1e-4 and 3e-4); weight_decay: AdamW decay.
        ema_decay: EMA decay of the student weights (published: 0.9995).
        restart_steps: steps of the first cosine cycle (warm restarts; each later cycle twice as long).
        flip_p: probability of a horizontal flip of image and teacher map together.
        jitter: strength of brightness/contrast/saturation jitter on the image only (0 disables).
        seed: seeds torch, numpy and the data order.
    """

    student: StudentConfig = field(default_factory=StudentConfig)
    epochs: int = 10
    batch_size: int = 4
    lr_trunk: float = 1e-4
    lr_head: float = 3e-4
    weight_decay: float = 0.05
    ema_decay: float = 0.9995
    restart_steps: int = 600
    flip_p: float = 0.5
    jitter: float = 0.2
    seed: int = 0

    def to_dict(self) -> dict[str, object]:
        return {**asdict(self), "student": self.student.to_dict()}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> DistillConfig:
        fields = dict(data)
        fields["student"] = StudentConfig.from_dict(fields["student"])  # type: ignore[arg-type]
        return cls(**fields)  # type: ignore[arg-type]


def list_images(directory: Path) -> list[Path]:
    """Image files directly in ``directory`` (sorted); raises FileNotFoundError/ValueError when none."""
    if not directory.is_dir():
        raise FileNotFoundError(f"image directory {directory} does not exist")
    files = sorted(p for p in directory.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise ValueError(f"no images ({', '.join(IMAGE_SUFFIXES)}) in {directory}")
    return files


def load_image(path: Path, size: int) -> np.ndarray:
    """[3,size,size] float32 RGB in [0,1], resized (squashed) to a square."""
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise ValueError(f"cannot decode image {path}")
    rgb = cv2.cvtColor(cv2.resize(bgr, (size, size), interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2RGB)
    return rgb.transpose(2, 0, 1).astype(np.float32) / 255.0


class TeacherMaps:
    """Teacher maps per image, computed once; kept in an fp16 ``.npy`` cache when ``cache_dir`` is given."""

    def __init__(self, teacher: Teacher, *, size: int, cache_dir: Path | None) -> None:
        self.teacher, self.size, self.cache_dir = teacher, size, cache_dir
        self._memory: dict[Path, np.ndarray] = {}
        if cache_dir is not None:
            cache_dir.mkdir(parents=True, exist_ok=True)

    def _cache_path(self, image: Path) -> Path | None:
        if self.cache_dir is None:
            return None
        stat = image.stat()
        identity = f"{image.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{self.size}"
        key = hashlib.sha1(identity.encode()).hexdigest()
        return self.cache_dir / f"{image.stem}-{key[:16]}.npy"

    def get(self, image: Path) -> np.ndarray:
        """[C,h,w] float16 teacher map of the unflipped, unjittered image."""
        path = self._cache_path(image)
        if path is not None and path.is_file():
            return np.load(path)
        if image in self._memory:
            return self._memory[image]
        pixels = torch.from_numpy(load_image(image, self.size))[None]
        with torch.no_grad():
            fmap = self.teacher(pixels)[0].cpu().numpy().astype(np.float16)
        if path is not None:
            np.save(path, fmap)
        else:
            self._memory[image] = fmap
        return fmap


def colour_jitter(image: torch.Tensor, strength: float, generator: torch.Generator) -> torch.Tensor:
    """Random brightness, contrast and saturation factors in [1-strength, 1+strength]; [3,H,W] in [0,1]."""
    if strength <= 0:
        return image
    b, c, s = (1.0 + strength * (2 * torch.rand(3, generator=generator) - 1)).tolist()
    image = image * b
    image = (image - image.mean()) * c + image.mean()
    grey = image.mean(dim=0, keepdim=True)
    return ((image - grey) * s + grey).clamp(0.0, 1.0)


def augmented_pair(image: np.ndarray, fmap: np.ndarray, config: DistillConfig,
                   generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """(image [3,S,S] float32, teacher map [C,h,w] float32), flipped together, image jittered."""
    img, target = torch.from_numpy(image), torch.from_numpy(fmap.astype(np.float32))
    if float(torch.rand(1, generator=generator)) < config.flip_p:
        img, target = img.flip(-1), target.flip(-1)
    return colour_jitter(img, config.jitter, generator), target


def batches(files: list[Path], maps: TeacherMaps, config: DistillConfig,
            generator: torch.Generator) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """One epoch of shuffled (images [B,3,S,S] in [0,1], teacher maps [B,C,h,w]) batches."""
    order = torch.randperm(len(files), generator=generator).tolist()
    for start in range(0, len(order), config.batch_size):
        pairs = [augmented_pair(load_image(files[i], config.student.img_size), maps.get(files[i]), config,
                                generator) for i in order[start : start + config.batch_size]]
        yield torch.stack([p[0] for p in pairs]), torch.stack([p[1] for p in pairs])


def imagenet_normalise(images: torch.Tensor) -> torch.Tensor:
    """[B,3,H,W] in [0,1] -> ImageNet-normalised (the student's input)."""
    mean = torch.tensor(IMAGENET_MEAN, device=images.device)[None, :, None, None]
    std = torch.tensor(IMAGENET_STD, device=images.device)[None, :, None, None]
    return (images - mean) / std


class Distiller:
    """Student, EMA, optimiser and schedule of one run; :meth:`step` trains on one batch."""

    def __init__(self, config: DistillConfig, *, device: str | torch.device = "cpu") -> None:
        torch.manual_seed(config.seed)
        self.config, self.device = config, torch.device(device)
        self.student = StudentEncoder(config.student).to(self.device)
        self.ema = ModelEma(self.student, decay=config.ema_decay)
        self.optimizer = torch.optim.AdamW(
            [{"params": list(self.student.trunk_parameters()), "lr": config.lr_trunk},
             {"params": list(self.student.head_parameters()), "lr": config.lr_head}],
            weight_decay=config.weight_decay)
        self.scheduler = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(
            self.optimizer, T_0=max(config.restart_steps, 1), T_mult=2)
        self.epoch, self.step_count = 0, 0

    def step(self, images: torch.Tensor, targets: torch.Tensor) -> dict[str, float]:
        """One AdamW step on a batch; returns the loss terms, total, feature cosine and scale ratio."""
        self.student.train()
        out = self.student(imagenet_normalise(images.to(self.device)))
        targets = targets.to(self.device)
        total, terms = distillation_loss(out, targets, LossWeights())
        self.optimizer.zero_grad(set_to_none=True)
        total.backward()
        self.optimizer.step()
        self.scheduler.step()
        self.ema.update(self.student)
        self.step_count += 1
        return {**terms, "loss": float(total.detach()), "feature_cosine": feature_cosine(out, targets),
                "scale_ratio": scale_ratio(out, targets)}

    def save(self, out_dir: Path) -> None:
        """Write ``last.pt`` (resumable state), ``ema.pt`` (EMA student) and ``config.json`` beside them."""
        out_dir.mkdir(parents=True, exist_ok=True)
        state = {"student": self.student.state_dict(), "ema": self.ema.state_dict(),
                 "optimizer": self.optimizer.state_dict(), "scheduler": self.scheduler.state_dict(),
                 "epoch": self.epoch, "step": self.step_count}
        torch.save(state, out_dir / "last.pt")
        torch.save(self.ema.state_dict(), out_dir / "ema.pt")
        (out_dir / "config.json").write_text(json.dumps(self.config.to_dict(), indent=2))

    def resume(self, out_dir: Path) -> None:
        """Restore the state written by :meth:`save` (same config required)."""
        state = torch.load(out_dir / "last.pt", map_location=self.device, weights_only=True)
        self.student.load_state_dict(state["student"], strict=True)
        self.ema.load_state_dict(state["ema"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        self.epoch, self.step_count = int(state["epoch"]), int(state["step"])


def _mean_metrics(rows: list[dict[str, float]]) -> dict[str, float]:
    return {k: float(np.mean([r[k] for r in rows])) for k in rows[0]} if rows else {}


def run_distillation(teacher: Teacher, images_dir: Path, out_dir: Path, config: DistillConfig, *,
                     cache_dir: Path | None = None, resume: bool = False, device: str = "cpu",
                     trunk_weights: Path | None = None,
                     on_step: Callable[[int, int], None] | None = None) -> list[dict[str, float]]:
    """Train for ``config.epochs`` epochs (continuing from ``out_dir/last.pt`` when ``resume``).

    Args:
        teacher: maps [B,3,S,S] images in [0,1] to [B,C,h,w] teacher maps (see :class:`Teacher`).
        images_dir: directory of training images.
        out_dir: where checkpoints, ``config.json`` and ``metrics.jsonl`` go.
        config: the run's settings; on resume they must equal the saved ``config.json`` except ``epochs``.
        cache_dir: fp16 teacher-map cache directory (None keeps maps in memory for this run only).
        trunk_weights: a timm-layout TinyViT checkpoint (e.g. ``tiny_vit_21m_512.dist_in22k_ft_in1k``) to
            start the trunk from; ignored when resuming.
        on_step: called with (steps done this call, total steps this call) after every step.

    Returns:
        One metrics dict per epoch run by this call (means over the epoch's batches).
    """
    files = list_images(images_dir)
    distiller = Distiller(config, device=device)
    if trunk_weights is not None and not (resume and (out_dir / "last.pt").is_file()):
        load_timm_checkpoint(distiller.student.trunk, trunk_weights)
        distiller.ema = ModelEma(distiller.student, decay=config.ema_decay)
    if resume and (out_dir / "last.pt").is_file():
        saved = DistillConfig.from_dict(json.loads((out_dir / "config.json").read_text()))
        if {**saved.to_dict(), "epochs": 0} != {**config.to_dict(), "epochs": 0}:
            raise ValueError(f"cannot resume: {out_dir}/config.json differs from this run's settings")
        distiller.resume(out_dir)
    maps = TeacherMaps(teacher, size=config.student.img_size, cache_dir=cache_dir)
    per_epoch = -(-len(files) // config.batch_size)
    total, done, history = (config.epochs - distiller.epoch) * per_epoch, 0, []
    generator = torch.Generator().manual_seed(config.seed + distiller.epoch)
    while distiller.epoch < config.epochs:
        rows = []
        for images, targets in batches(files, maps, config, generator):
            rows.append(distiller.step(images, targets))
            done += 1
            if on_step is not None:
                on_step(done, total)
        distiller.epoch += 1
        summary = {"epoch": float(distiller.epoch), "step": float(distiller.step_count)}
        summary.update(_mean_metrics(rows))
        history.append(summary)
        distiller.save(out_dir)
        with (out_dir / "metrics.jsonl").open("a") as log:
            log.write(json.dumps(summary) + "\n")
    return history
