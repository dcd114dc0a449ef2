"""``pigwatch train-behaviour`` / ``pigwatch eval-behaviour``: the nine-class behaviour model, simulator."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer

DEFAULT_BUNDLE = Path("models/bundles/default")

BundleOpt = Annotated[Path, typer.Option(help="Model bundle directory (behaviour.safetensors + .json).")]


def _progress_bar(description: str, total: int):  # type: ignore[no-untyped-def]
    from rich.progress import Progress

    progress = Progress()
    task = progress.add_task(description, total=total)
    return progress, lambda n: progress.advance(task, n)


def train_behaviour_command(
    bundle: BundleOpt = DEFAULT_BUNDLE,
    clips_per_scenario: Annotated[int, typer.Option(min=1, help="Clips rendered per train scenario.")] = 6,
    clip_seconds: Annotated[float, typer.Option(min=5, help="Length of each clip, seconds.")] = 60.0,
    epochs: Annotated[int, typer.Option(min=1)] = 6,
    stride: Annotated[int, typer.Option(min=1, help="Frames between window centres.")] = 4,
    cache: Annotated[Path | None, typer.Option(help="npz cache of rendered windows (reused).")] = None,
    time_limit_s: Annotated[float, typer.Option(min=10, help="Bound on the training loop, seconds.")] = 480.0,
    seed: int = 0,
) -> None:
    """Train the behaviour model on the simulator's `train` set (ground-truth boxes as tracks)."""
    import numpy as np

    from models.behaviour.dataset import clip_specs, window_samples
    from models.behaviour.train import save_bundle, train_behaviour

    started = time.perf_counter()
    specs = clip_specs("train", clips_per_scenario=clips_per_scenario, duration_s=clip_seconds, seed=seed)
    if cache is not None and cache.is_file():
        stored = np.load(cache)
        x, y, groups = stored["x"], stored["y"], stored["groups"].tolist()
    else:
        progress, advance = _progress_bar("rendering train clips", len(specs))
        with progress:
            x, y, groups = window_samples(specs, stride=stride, progress=advance)
        if cache is not None:
            cache.parent.mkdir(parents=True, exist_ok=True)
            np.savez(cache, x=x, y=y, groups=np.array(groups))
    counts = np.bincount(y, minlength=9).tolist()
    typer.echo(f"{len(x):,} windows from {len(set(groups))} pig-clips; class counts {counts}")

    def report(epoch: int, loss: float) -> None:
        typer.echo(f"epoch {epoch + 1}: loss {loss:.4f}")

    model = train_behaviour(x, y, epochs=epochs, seed=seed, time_limit_s=time_limit_s, progress=report)
    facts = {"trained_on": "sim train set", "clips": len(specs), "clip_seconds": clip_seconds,
             "windows": int(len(x)), "stride": stride, "epochs": epochs, "seed": seed,
             "train_seconds": round(time.perf_counter() - started, 1)}  # fmt: skip
    save_bundle(model, bundle, facts=facts)
    typer.echo(f"saved {bundle}/behaviour.safetensors in {facts['train_seconds']} s")
    export_behaviour_command(bundle)


def export_behaviour_command(bundle: BundleOpt = DEFAULT_BUNDLE) -> None:
    """Export the bundle's behaviour model to ONNX (+ sidecar), checked against torch."""
    from models.behaviour.export import export_behaviour_onnx
    from models.behaviour.train import load_bundle

    if not (bundle / "behaviour.json").is_file():
        typer.echo(f"no behaviour model in {bundle}; run `pigwatch train-behaviour` first", err=True)
        raise typer.Exit(2)
    typer.echo(f"exported {export_behaviour_onnx(load_bundle(bundle), bundle)}")


def eval_behaviour_command(
    bundle: BundleOpt = DEFAULT_BUNDLE,
    set_name: Annotated[str, typer.Option("--set", help="Simulator scenario set to evaluate on.")] = "test",
    clips_per_scenario: Annotated[int, typer.Option(min=1)] = 8,
    clip_seconds: Annotated[float, typer.Option(min=5)] = 60.0,
    seed: int = 1,
    json_path: Annotated[Path | None, typer.Option("--json", help="Also write the metrics here.")] = None,
) -> None:
    """Per-frame accuracy, macro-F1 and per-class F1 on a simulator set (raw windows and smoothed bouts)."""
    from models.behaviour.dataset import clip_specs, iterate_clips
    from models.behaviour.train import clip_predictions, load_bundle
    from models.eval.behaviour import behaviour_metrics
    from models.pipeline.types import BEHAVIOURS

    if not (bundle / "behaviour.json").is_file():
        typer.echo(f"no behaviour model in {bundle}; run `pigwatch train-behaviour` first", err=True)
        raise typer.Exit(2)
    model = load_bundle(bundle)
    try:
        specs = clip_specs(set_name, clips_per_scenario=clips_per_scenario, duration_s=clip_seconds,
                           seed=seed)  # fmt: skip
    except ValueError as err:
        typer.echo(str(err), err=True)
        raise typer.Exit(2) from None
    truth, raw, bouts = [], [], []
    progress, advance = _progress_bar(f"rendering {set_name} clips", len(specs))
    with progress:
        for clip in iterate_clips(specs, advance):
            t, r, b = clip_predictions(model, clip)
            truth += t
            raw += r
            bouts += b
    names = [BEHAVIOURS[i] for i in truth]
    results = {"set": set_name, "clips": len(specs), "clip_seconds": clip_seconds,
               "windows": behaviour_metrics(names, [BEHAVIOURS[i] for i in raw]),
               "bouts": behaviour_metrics(names, [BEHAVIOURS[i] for i in bouts])}  # fmt: skip
    _print(results)
    if json_path is not None:
        json_path.write_text(json.dumps(results, indent=2))


def _print(results: dict) -> None:
    """Print accuracy, macro-F1 and per-class F1 of both prediction kinds."""
    for kind in ("windows", "bouts"):
        m = results[kind]
        per_class = "  ".join(f"{k} {100 * v:.1f}" for k, v in m["per_class_f1"].items())
        typer.echo(f"{kind:7s} frames {m['samples']:,}  accuracy {100 * m['accuracy']:.2f}%  "
                   f"macro-F1 {100 * m['macro_f1']:.2f}%")  # fmt: skip
        typer.echo(f"        per-class F1: {per_class}")
        typer.echo(f"        support: {m['support']}")


def register(app: typer.Typer) -> None:
    """Add ``train-behaviour``, ``eval-behaviour`` and ``export-behaviour`` to the root app."""
    app.command("train-behaviour")(train_behaviour_command)
    app.command("eval-behaviour")(eval_behaviour_command)
    app.command("export-behaviour")(export_behaviour_command)
