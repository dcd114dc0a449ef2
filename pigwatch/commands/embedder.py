"""``pigwatch train-embedder``, ``export-embedder`` and ``eval-embedder``: the default per-animal embedder."""

from __future__ import annotations

import json
import os
import shlex
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import typer

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_RUN = Path("var/embedder/run")
DEFAULT_BUNDLE = Path("models/bundles/default")


def _progress() -> Any:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()
    )


def _crop_sets(
    run_dir: Path, splits: tuple[str, ...], sampling: Any, spec: Any, *, train_sampling: Any = None
) -> dict[str, Any]:
    """Render (or read cached) crop sets with one progress bar per split.

    ``train_sampling`` (if given) replaces ``sampling`` for the ``train`` split only, so that more training
    data leaves the val / test crops (and hence their scores) comparable across runs.
    """
    from models.embed.workflow import load_or_build_crops

    sets = {}
    with _progress() as progress:
        for split in splits:
            task = progress.add_task(f"crops ({split}) scenarios", total=None)

            def tick(done: int, total: int, task: Any = task) -> None:
                progress.update(task, completed=done, total=total)

            chosen = train_sampling if split == "train" and train_sampling is not None else sampling
            sets[split] = load_or_build_crops(run_dir, split, chosen, spec, on_scenario=tick)
            progress.update(task, description=f"crops ({split}): {len(sets[split])}")
    return sets


def _train(sets: dict[str, Any], spec: Any, config: Any) -> Any:
    from models.embed.train import train_embedder

    with _progress() as progress:
        task = progress.add_task("training", total=config.steps)

        def step(i: int, loss: float) -> None:
            progress.update(task, completed=i, description=f"training (loss {loss:.3f})")

        return train_embedder(sets["train"], sets["val"], spec, config, on_step=step)


def _write_run(
    run_dir: Path, result: Any, spec: Any, config: dict[str, Any], metrics: dict[str, Any]
) -> None:
    from models.embed.workflow import save_checkpoint

    save_checkpoint(run_dir / "checkpoint.pt", result.model, spec)
    (run_dir / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    (run_dir / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")


def _print_scores(scores: dict[str, dict[str, float]]) -> None:
    for split, s in scores.items():
        queries = int(s["queries"])
        typer.echo(
            f"{split:5s} across-day rank-1 {s['rank1']:.4f}  mAP {s['mean_ap']:.4f}  ({queries} queries)"
        )


def _run_metrics(sets: dict[str, Any], result: Any, scores: dict, *, seconds: float) -> dict[str, Any]:
    """What metrics.json records: scores, best step, validation history, data sizes, parameters, time."""
    return {
        "scores": scores,
        "best_step": result.best_step,
        "history": result.history,
        "crops": {k: len(v) for k, v in sets.items()},
        "identities": {k: len(set(v.ids.tolist())) for k, v in sets.items()},
        "parameters": sum(p.numel() for p in result.model.parameters()),
        "seconds": round(seconds, 1),
    }


def train_embedder_command(
    out: Path = typer.Option(DEFAULT_RUN, help="run directory: crop caches, checkpoint, config, metrics"),
    bundle: Path = typer.Option(DEFAULT_BUNDLE, help="where embedder.onnx + sidecar + provenance go"),
    steps: int = typer.Option(1500, min=1, help="optimiser steps"),
    seed: int = typer.Option(0, help="random seed"),
    size: int = typer.Option(96, min=16, help="crop side in pixels"),
    days_per_scenario: int = typer.Option(5, min=2, help="days rendered per scenario"),
    train_days_per_scenario: int = typer.Option(
        0, min=0, help="days per train scenario (0 = --days-per-scenario; val / test keep that)"
    ),
    max_scenarios: int = typer.Option(0, min=0, help="use only the first N scenarios per set (0 = all)"),
    threads: int = typer.Option(2, min=1, help="torch CPU threads"),
    same_pen_ids: int = typer.Option(
        0, min=0, help="animals per batch drawn from one pen (hard negatives; 0 = all from anywhere)"
    ),
    id_loss: float = typer.Option(1.0, min=0.0, help="weight of the added identity-classification loss"),
    export: bool = typer.Option(True, help="export the best model to the bundle"),
) -> None:
    """Train the default embedder on the simulator's train pigs; select on val; score on test; export."""
    os.nice(10)
    from models.embed.crops import CropSpec
    from models.embed.simdata import SimSampling
    from models.embed.train import TrainConfig, evaluate
    from models.embed.workflow import git_commit, scores_table

    spec, config = (
        CropSpec(size=size),
        TrainConfig(
            seed=seed, steps=steps, threads=threads, same_pen_ids=same_pen_ids, id_loss_weight=id_loss
        ),
    )
    sampling = SimSampling(days_per_scenario=days_per_scenario, max_scenarios=max_scenarios)
    train_sampling = replace(sampling, days_per_scenario=train_days_per_scenario or days_per_scenario)
    out.mkdir(parents=True, exist_ok=True)
    started = time.time()
    sets = _crop_sets(out, ("train", "val", "test"), sampling, spec, train_sampling=train_sampling)
    result = _train(sets, spec, config)
    scores = scores_table({split: evaluate(result.model, sets[split], spec) for split in ("val", "test")})
    run_config = {
        "crop": asdict(spec),
        "sampling": sampling.as_dict(),
        "train_sampling": train_sampling.as_dict(),
        "train": asdict(config),
    }
    metrics = _run_metrics(sets, result, scores, seconds=time.time() - started)
    _write_run(out, result, spec, run_config, metrics)
    _print_scores(scores)
    if export:
        _export(result.model, spec, bundle, run_config=run_config, metrics=metrics, commit=git_commit(ROOT))


def _export(model: Any, spec: Any, bundle: Path, *, run_config: dict, metrics: dict, commit: str) -> None:
    from models.embed.workflow import export_bundle, provenance_markdown

    command = "pigwatch " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    sidecar = export_bundle(
        model,
        spec,
        bundle,
        meta={"name": "pigwatch default embedder", "commit": commit, "metrics": metrics["scores"]},
    )
    text = provenance_markdown(command=command, commit=commit, config=run_config, metrics=metrics)
    (bundle / "PROVENANCE-embedder.md").write_text(text)
    size_mb = (bundle / "embedder.onnx").stat().st_size / 1e6
    typer.echo(
        f"exported {bundle / 'embedder.onnx'} ({size_mb:.1f} MB, parity {sidecar['parity_max_abs_diff']:.1e})"
    )


def export_embedder_command(
    checkpoint: Path = typer.Option(
        DEFAULT_RUN / "checkpoint.pt", exists=True, dir_okay=False, help="checkpoint.pt"
    ),
    bundle: Path = typer.Option(DEFAULT_BUNDLE, help="where embedder.onnx + sidecar go"),
) -> None:
    """Export a trained embedder checkpoint to ONNX (parity-checked) with its sidecar."""
    from models.embed.workflow import export_bundle, git_commit, load_checkpoint

    model, spec = load_checkpoint(checkpoint)
    sidecar = export_bundle(
        model, spec, bundle, meta={"name": "pigwatch default embedder", "commit": git_commit(ROOT)}
    )
    typer.echo(f"exported {bundle / 'embedder.onnx'} (parity {sidecar['parity_max_abs_diff']:.1e})")


def eval_embedder_command(
    model: Path = typer.Option(
        DEFAULT_BUNDLE / "embedder.onnx", exists=True, dir_okay=False, help="embedder ONNX"
    ),
    split: str = typer.Option("test", help="scenario set: val or test"),
    out: Path = typer.Option(DEFAULT_RUN, help="directory for cached crop sets"),
    days_per_scenario: int = typer.Option(5, min=2, help="days rendered per scenario"),
) -> None:
    """Across-day rank-1 / mAP of an exported embedder (as deployed, in onnxruntime) on val or test pigs."""
    if split not in ("val", "test"):
        raise typer.BadParameter(f"split must be val or test (train pigs are not for scoring), got {split!r}")
    from models.embed.embedder import Embedder
    from models.embed.metrics import reid_across_days
    from models.embed.simdata import SimSampling

    embedder = Embedder.from_onnx(model, batch_size=32, threads=2, prefer_cuda=False)
    crops = _crop_sets(out, (split,), SimSampling(days_per_scenario=days_per_scenario), embedder.spec)[split]
    from models.embed.crops import normalise

    vectors = embedder.embed_crops(normalise(crops.images, embedder.spec))
    scores = reid_across_days(vectors, crops.ids, crops.days, crops.pens)
    _print_scores({split: scores.as_dict()})


def register(app: typer.Typer) -> None:
    """Add the embedder commands to the root app."""
    app.command("train-embedder")(train_embedder_command)
    app.command("export-embedder")(export_embedder_command)
    app.command("eval-embedder")(eval_embedder_command)
