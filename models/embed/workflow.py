"""The default embedder's whole recipe: crop sets (cached), training, evaluation, checkpoint, ONNX bundle.

Used by ``pigwatch train-embedder`` / ``export-embedder`` / ``eval-embedder``. Files of a run directory:
``crops-<split>-<key>.npz`` (cached crop sets), ``checkpoint.pt``, ``config.json``, ``metrics.json``.
The bundle directory receives ``embedder.onnx``, its sidecar ``embedder.json`` and ``PROVENANCE-embedder.md``.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch

from models.embed.crops import CropSpec
from models.embed.dataset import CropSet
from models.embed.metrics import ReidScores
from models.embed.net import PigEmbedNet
from models.embed.simdata import SimSampling, build_crop_set

EMBEDDER_VERSION = "pig-embed-cnn-1"
SPLITS = ("train", "val", "test")


def crop_cache_path(run_dir: Path, split: str, sampling: SimSampling, spec: CropSpec) -> Path:
    """Where the crop set of ``split`` is cached; the name changes with the sampling and crop settings."""
    key = hashlib.sha1(json.dumps([sampling.as_dict(), asdict(spec)], sort_keys=True).encode()).hexdigest()[
        :10
    ]
    return run_dir / f"crops-{split}-{key}.npz"


def load_or_build_crops(
    run_dir: Path,
    split: str,
    sampling: SimSampling,
    spec: CropSpec,
    *,
    on_scenario: Callable[[int, int], None] | None = None,
) -> CropSet:
    """The crop set of ``split``, rendered once and cached in ``run_dir``."""
    path = crop_cache_path(run_dir, split, sampling, spec)
    if path.exists():
        return CropSet.load(path)
    crops = build_crop_set(split, sampling, spec, on_scenario=on_scenario)
    crops.save(path)
    return crops


def save_checkpoint(path: Path, model: PigEmbedNet, spec: CropSpec) -> None:
    """Weights plus the crop spec they expect."""
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"state_dict": model.state_dict(), "crop": asdict(spec), "version": EMBEDDER_VERSION}, path)


def load_checkpoint(path: Path) -> tuple[PigEmbedNet, CropSpec]:
    """Inverse of `save_checkpoint`; the model is in eval mode."""
    data = torch.load(path, map_location="cpu", weights_only=True)
    crop = data["crop"]
    spec = CropSpec(
        size=int(crop["size"]), mean=tuple(crop["mean"]), std=tuple(crop["std"]), margin=crop["margin"]
    )
    model = PigEmbedNet()
    model.load_state_dict(data["state_dict"], strict=True)
    return model.eval(), spec


def git_commit(repo: Path) -> str:
    """The repository's HEAD commit (with ``-dirty`` if tracked files changed), or ``unknown``."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, check=True
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=repo, capture_output=True, text=True
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def export_bundle(
    model: PigEmbedNet, spec: CropSpec, bundle: Path, *, meta: dict[str, Any]
) -> dict[str, Any]:
    """Write ``embedder.onnx`` + ``embedder.json`` into ``bundle`` (parity-checked against torch)."""
    from models.embed.export import export_embedder

    return export_embedder(
        model, bundle / "embedder.onnx", spec=spec, meta={"version": EMBEDDER_VERSION, **meta}
    )


def provenance_markdown(*, command: str, commit: str, config: dict[str, Any], metrics: dict[str, Any]) -> str:
    """The text of ``PROVENANCE-embedder.md``."""
    scores = metrics.get("scores", {})
    lines = [
        "# Provenance: default embedder (`embedder.onnx`)",
        "",
        f"- Model: `{EMBEDDER_VERSION}`, small residual CNN (`models/embed/net.py`), 384-d output, "
        f"{metrics.get('parameters', '?')} parameters, input {config['crop']['size']} px square crops.",
        "- Data: the pen simulator (`models/sim`): trained on scenario set `train` only; model selection on "
        "`val`; scored on `test` (sets share no pigs, seeds or calendar days).",
        f"- Sampling (val / test): `{json.dumps(config['sampling'])}`",
        f"- Sampling (train): `{json.dumps(config.get('train_sampling', config['sampling']))}`",
        f"- Training: `{json.dumps(config['train'])}` (batch-hard triplet loss, PK batches).",
        f"- Command: `{command}`",
        f"- Code commit: `{commit}`",
        "",
        "## Across-day re-identification (each crop queried against its pen's other days)",
        "",
        "| split | rank-1 | mAP | queries |",
        "|---|---|---|---|",
    ]
    for split, s in scores.items():
        lines.append(f"| {split} | {s['rank1']:.4f} | {s['mean_ap']:.4f} | {int(s['queries'])} |")
    return "\n".join(lines) + "\n"


def scores_table(scores: dict[str, ReidScores]) -> dict[str, dict[str, float]]:
    """Split name -> JSON-ready scores."""
    return {split: s.as_dict() for split, s in scores.items()}
