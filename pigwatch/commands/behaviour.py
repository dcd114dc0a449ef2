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
    every: Annotated[int, typer.Option(min=1, help="Keep every N-th clip of each scenario (cheaper).")] = 1,
    epochs: Annotated[int, typer.Option(min=1)] = 6,
    stride: Annotated[int, typer.Option(min=1, help="Frames between window centres.")] = 4,
    rare_stride: Annotated[
        int, typer.Option(min=1, help="Frames between centres of rare-class frames (drink, sit, run...).")
    ] = 1,
    per_class: Annotated[int, typer.Option(min=1, help="Windows per class in each balanced epoch.")] = 8000,
    cache: Annotated[Path | None, typer.Option(help="npz of rendered train clips (reused).")] = None,
    val_clips_per_scenario: Annotated[
        int, typer.Option(min=0, help="Clips per `val` scenario to tune the logit bias on (0: no tuning).")
    ] = 8,
    val_cache: Annotated[Path | None, typer.Option(help="npz of rendered val clips (reused).")] = None,
    time_limit_s: Annotated[float, typer.Option(min=10, help="Bound on the training loop, seconds.")] = 480.0,
    features: Annotated[
        str,
        typer.Option(
            help="Feature set (models.behaviour.features.FEATURE_SETS): base, context, boxes, base+mask, all."
        ),
    ] = "all",
    bias_min_support: Annotated[
        int, typer.Option(min=1, help="Tune logit offsets only for classes with this many val frames.")
    ] = 1000,
    rest_split: Annotated[
        bool, typer.Option(help="Add a RestSplit head (lying vs sleep from mask shape and hour).")
    ] = True,
    rest_columns: Annotated[
        str, typer.Option(help="RestSplit columns: mask or boxes (REST_SPLIT_SETS).")
    ] = "mask",
    seed: int = 0,
) -> None:
    """Train the behaviour model on the simulator's `train` set (ground-truth boxes as tracks); tune per-class
    logit offsets for macro-F1 on the `val` set (never on `test`)."""
    import numpy as np

    from models.behaviour.dataset import clip_specs, clips_windows
    from models.behaviour.features import FEATURE_SETS
    from models.behaviour.train import save_bundle, train_behaviour

    if features not in FEATURE_SETS:
        typer.echo(f"unknown feature set {features!r}; pick one of {sorted(FEATURE_SETS)}", err=True)
        raise typer.Exit(2)
    started = time.perf_counter()
    specs = clip_specs("train", clips_per_scenario=clips_per_scenario, duration_s=clip_seconds, seed=seed,
                       every=every)  # fmt: skip
    clips = _cached_clips(specs, cache, "train")
    x, y, groups = clips_windows(clips, stride=stride, rare_stride=rare_stride)
    counts = np.bincount(y, minlength=9).tolist()
    typer.echo(f"{len(x):,} windows from {len(set(groups))} pig-clips; class counts {counts}")

    def report(epoch: int, loss: float) -> None:
        typer.echo(f"epoch {epoch + 1}: loss {loss:.4f} ({time.perf_counter() - started:.0f} s)")

    model = train_behaviour(x, y, epochs=epochs, per_class=per_class, seed=seed, time_limit_s=time_limit_s,
                            progress=report, feature_names=FEATURE_SETS[features])  # fmt: skip
    if rest_split:
        model = _with_rest_split(model, x, y, seed, rest_columns)
    del x
    facts: dict[str, object] = {
        "rest_columns": rest_columns if rest_split else None,
        "trained_on": "sim train set", "clips": len(specs), "clips_per_scenario": clips_per_scenario,
        "every": every, "clip_seconds": clip_seconds, "windows": len(y),
        "stride": stride, "rare_stride": rare_stride, "per_class": per_class, "epochs": epochs, "seed": seed,
        "feature_set": features,
    }  # fmt: skip
    if val_clips_per_scenario:
        n_val, bias, before, after = _apply_val_bias(
            model, val_clips_per_scenario, clip_seconds, seed, val_cache, bias_min_support
        )
        facts.update({"val_clips": n_val, "logit_bias": bias.tolist(),
                      "bias_min_support": bias_min_support, "val_macro_f1_raw": round(before, 4),
                      "val_macro_f1_raw_biased": round(after, 4)})  # fmt: skip
    facts["train_seconds"] = round(time.perf_counter() - started, 1)
    save_bundle(model, bundle, facts=facts)
    typer.echo(f"saved {bundle}/behaviour.safetensors in {facts['train_seconds']} s")
    export_behaviour_command(bundle)


def require_bundle(bundle: Path) -> None:
    """Exit with status 2 and a message when ``bundle`` holds no behaviour model."""
    if not (bundle / "behaviour.json").is_file():
        typer.echo(f"no behaviour model in {bundle}; run `pigwatch train-behaviour` first", err=True)
        raise typer.Exit(2)


def _with_rest_split(model, x, y, seed: int, rest_columns: str):  # type: ignore[no-untyped-def]
    """``model`` with a `RestSplit` over the ``rest_columns`` set fitted on the train windows."""
    from models.behaviour.train import REST_SPLIT_SETS, fit_rest_split

    names = REST_SPLIT_SETS.get(rest_columns)
    if names is None or not set(names) <= set(model.feature_names):
        typer.echo(f"--rest-columns {rest_columns!r}: pick one of {sorted(REST_SPLIT_SETS)} whose columns "
                   "the model reads", err=True)  # fmt: skip
        raise typer.Exit(2)
    return fit_rest_split(model, x, y, seed=seed, names=names)


def add_rest_split_command(
    bundle: BundleOpt = DEFAULT_BUNDLE,
    out: Annotated[Path, typer.Option(help="Bundle directory to write the extended model to.")] = Path(
        "var/behaviour-rest"
    ),
    clips_per_scenario: Annotated[int, typer.Option(min=1, help="Clips per train scenario.")] = 24,
    clip_seconds: Annotated[float, typer.Option(min=5)] = 60.0,
    every: Annotated[int, typer.Option(min=1)] = 1,
    stride: Annotated[int, typer.Option(min=1)] = 4,
    rare_stride: Annotated[int, typer.Option(min=1)] = 1,
    cache: Annotated[Path | None, typer.Option(help="npz of rendered train clips (reused).")] = None,
    val_clips_per_scenario: Annotated[int, typer.Option(min=1)] = 32,
    val_cache: Annotated[Path | None, typer.Option(help="npz of rendered val clips (reused).")] = None,
    bias_min_support: Annotated[int, typer.Option(min=1)] = 1000,
    rest_columns: Annotated[str, typer.Option(help="RestSplit columns: mask or boxes.")] = "mask",
    seed: int = 0,
) -> None:
    """Add a `RestSplit` (lying vs sleep) to a trained bundle without retraining its net: fit on the `train`
    clips' lying/sleep windows, re-tune the output offsets on `val`, write to ``out`` and export ONNX."""
    import json

    from models.behaviour.dataset import clip_specs, clips_windows
    from models.behaviour.train import load_bundle, save_bundle

    require_bundle(bundle)
    started = time.perf_counter()
    model = load_bundle(bundle)
    specs = clip_specs("train", clips_per_scenario=clips_per_scenario, duration_s=clip_seconds, seed=seed,
                       every=every)  # fmt: skip
    x, y, _ = clips_windows(_cached_clips(specs, cache, "train"), stride=stride, rare_stride=rare_stride)
    model = _with_rest_split(model, x, y, seed, rest_columns)
    del x
    n_val, bias, before, after = _apply_val_bias(
        model, val_clips_per_scenario, clip_seconds, seed, val_cache, bias_min_support
    )
    facts = json.loads((bundle / "behaviour.json").read_text())
    for key in ("features", "classes", "window", "mean", "std", "version", "rest_split_features",
                "input_names", "output_names", "onnx_opset", "sha256"):  # fmt: skip
        facts.pop(key, None)
    facts.update({"rest_split": {"from_bundle": str(bundle), "columns": rest_columns,
                                 "train_clips": len(specs),
                                 "val_clips": n_val, "output_bias": bias.tolist(),
                                 "val_macro_f1_raw": round(before, 4),
                                 "val_macro_f1_raw_biased": round(after, 4),
                                 "seconds": round(time.perf_counter() - started, 1)}})  # fmt: skip
    save_bundle(model, out, facts=facts)
    export_behaviour_command(out)


def _cached_clips(specs: list, cache: Path | None, set_name: str) -> list:
    """Rendered clips of ``specs``: read from ``cache`` when it exists, else rendered (and stored there)."""
    from models.behaviour.dataset import iterate_clips, load_clips, save_clips

    if cache is not None and cache.is_file():
        clips = load_clips(cache)
        if len(clips) != len(specs):
            typer.echo(f"{cache} holds {len(clips)} clips, expected {len(specs)}: delete it or pick another",
                       err=True)  # fmt: skip
            raise typer.Exit(2)
        return clips
    progress, advance = _progress_bar(f"rendering {set_name} clips", len(specs))
    with progress:
        clips = list(iterate_clips(specs, advance))
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        save_clips(cache, clips)
    return clips


def _apply_val_bias(  # type: ignore[no-untyped-def]
    model, clips_per_scenario: int, clip_seconds: float, seed: int, cache: Path | None, min_support: int
):
    """Tune the output bias on the simulator's `val` clips (seed ``seed + 1``), add it to ``model``, print it.

    Returns:
        (number of val clips, bias per class, val macro-F1 of raw windows before, after).
    """
    import numpy as np

    from models.behaviour.dataset import clip_specs
    from models.behaviour.train import add_logit_bias

    specs = clip_specs("val", clips_per_scenario=clips_per_scenario, duration_s=clip_seconds, seed=seed + 1)
    bias, before, after = _tuned_bias(model, _cached_clips(specs, cache, "val"), min_support)
    add_logit_bias(model, bias)
    typer.echo(f"val macro-F1 (raw windows) {100 * before:.2f}% -> {100 * after:.2f}% with output bias "
               f"{np.round(bias, 2).tolist()}")  # fmt: skip
    return len(specs), bias, before, after


def _tuned_bias(model, clips: list, min_support: int):  # type: ignore[no-untyped-def]
    """(logit bias, raw macro-F1 before, after) on the val clips' every frame (offsets only for classes with
    at least ``min_support`` val frames)."""
    import numpy as np

    from models.behaviour.dataset import clip_features
    from models.behaviour.train import macro_f1, tune_logit_bias

    logits, truth = [], []
    for clip in clips:
        for track, features in zip(clip.tracks, clip_features(clip), strict=True):
            logits.append(np.log(model.probabilities(features) + 1e-9))
            truth.append(track.labels)
    scores, labels = np.concatenate(logits), np.concatenate(truth)
    bias = tune_logit_bias(scores, labels, min_support=min_support)
    return bias, macro_f1(labels, scores.argmax(1)), macro_f1(labels, (scores + bias).argmax(1))


def export_behaviour_command(bundle: BundleOpt = DEFAULT_BUNDLE) -> None:
    """Export the bundle's behaviour model to ONNX (+ sidecar), checked against torch."""
    from models.behaviour.export import export_behaviour_onnx
    from models.behaviour.train import load_bundle

    require_bundle(bundle)
    typer.echo(f"exported {export_behaviour_onnx(load_bundle(bundle), bundle)}")


def eval_behaviour_command(
    bundle: BundleOpt = DEFAULT_BUNDLE,
    set_name: Annotated[str, typer.Option("--set", help="Simulator scenario set to evaluate on.")] = "test",
    clips_per_scenario: Annotated[int, typer.Option(min=1)] = 8,
    clip_seconds: Annotated[float, typer.Option(min=5)] = 60.0,
    seed: int = 1,
    json_path: Annotated[Path | None, typer.Option("--json", help="Also write the metrics here.")] = None,
    cache: Annotated[Path | None, typer.Option(help="npz of the rendered clips (reused).")] = None,
) -> None:
    """Per-frame accuracy, macro-F1 and per-class F1 on a simulator set (raw windows and smoothed bouts)."""
    from models.behaviour.dataset import clip_specs
    from models.behaviour.train import clip_predictions, load_bundle
    from models.eval.behaviour import behaviour_metrics
    from models.pipeline.types import BEHAVIOURS

    require_bundle(bundle)
    model = load_bundle(bundle)
    try:
        specs = clip_specs(set_name, clips_per_scenario=clips_per_scenario, duration_s=clip_seconds,
                           seed=seed)  # fmt: skip
    except ValueError as err:
        typer.echo(str(err), err=True)
        raise typer.Exit(2) from None
    truth, raw, bouts = [], [], []
    for clip in _cached_clips(specs, cache, set_name):
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
        typer.echo("        confusion (rows true, columns predicted, class order as above):")
        for row in m["confusion"]:
            typer.echo("          " + " ".join(f"{v:7d}" for v in row))


def register(app: typer.Typer) -> None:
    """Add ``train-behaviour``, ``eval-behaviour`` and ``export-behaviour`` to the root app."""
    app.command("train-behaviour")(train_behaviour_command)
    app.command("eval-behaviour")(eval_behaviour_command)
    app.command("export-behaviour")(export_behaviour_command)
    app.command("add-rest-split")(add_rest_split_command)
