"""`pigwatch train-lite`: train the lite tracker network; `pigwatch lite-assoc`: association-only IDF1."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

REPO = Path(__file__).resolve().parents[2]


def shared_data() -> Path:
    """The shared real-data folder (``PIGWATCH_SHARED_DATA`` or ``../shared/data`` from the repo root)."""
    return Path(os.environ.get("PIGWATCH_SHARED_DATA", REPO.parent / "shared" / "data"))


def _sources(
    real_dir: Path,
    sim_clips: int,
    sim_frames: int,
    cfg,  # noqa: ANN001 - TrainConfig
    seed: int,
    sim_cache: Path | None = None,
) -> list:
    """Sample sources (photos first, then sim pairs); rendering or loading sim clips shows a progress bar.

    Real photos: only the train side of `split_by_snapshot`. Simulator: the ``train`` scenario set, rendered
    at the network input size, read from / written to ``sim_cache`` when given.
    """
    from rich.progress import Progress

    from models.data.sim_frames import cached_clips, render_clips, sample_pair
    from models.data.yolo import list_items, photo_pair_source, split_by_snapshot
    from models.train.lite import fit_scale

    sources: list = []
    if real_dir.exists():
        train_items, _ = split_by_snapshot(list_items(real_dir))
        real_scale = fit_scale(cfg.real_fit) if cfg.real_fit > 0 else cfg.real_scale
        sources.append((photo_pair_source(train_items), real_scale))
    if sim_clips > 0:
        h, w = cfg.lite.input_height, cfg.lite.input_width
        with Progress() as progress:
            task = progress.add_task("simulator clips", total=sim_clips * sim_frames)
            kwargs = {
                "clips": sim_clips,
                "frames_per_clip": sim_frames,
                "width": w,
                "height": h,
                "seed": seed,
                "on_frame": lambda: progress.advance(task),
            }
            if sim_cache is not None:
                clips = cached_clips(sim_cache, "train", **kwargs)  # type: ignore[arg-type]
            else:
                clips = render_clips("train", **kwargs)  # type: ignore[arg-type]
        sources.append((lambda rng: sample_pair(clips, rng), cfg.sim_scale))
    if not sources:
        raise typer.BadParameter(f"no training data: {real_dir} is missing and --sim-clips is 0")
    return sources


def train_lite_command(
    out: Annotated[Path, typer.Option(help="run folder (checkpoint.pt, config.json, metrics.json)")],
    steps: Annotated[int, typer.Option(min=1, help="total optimiser steps")] = 300,
    batch_size: Annotated[int, typer.Option(min=2, help="images per step (pairs)")] = 8,
    lr: Annotated[float, typer.Option(help="peak learning rate")] = 2e-3,
    warmup_steps: Annotated[int, typer.Option(min=0, help="linear learning-rate warm-up steps")] = 30,
    crop: Annotated[int, typer.Option(help="square training crop, pixels (multiple of 32)")] = 256,
    variant: Annotated[str, typer.Option(help="TinyViT trunk, e.g. tiny_vit_1m")] = "tiny_vit_5m",
    input_height: Annotated[int, typer.Option(help="network input height, pixels (multiple of 32)")] = 288,
    input_width: Annotated[int, typer.Option(help="network input width, pixels (multiple of 32)")] = 512,
    real_scale: Annotated[float, typer.Option(help="resize factor of the real photos")] = 0.45,
    real_fit: Annotated[
        int,
        typer.Option(
            min=0,
            help="scale each real photo to this longer side instead (its size at a square input of this "
            "many pixels, as lite-ap evaluates; 0 = use --real-scale)",
        ),
    ] = 0,
    sim_scale: Annotated[float, typer.Option(help="resize factor of the simulator frames")] = 1.0,
    real_fraction: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="share of a batch's pairs drawn from the real photos")
    ] = 0.5,
    min_visible: Annotated[
        float,
        typer.Option(min=0.0, max=1.0, help="a box cut by the crop stays a target above this area share"),
    ] = 0.5,
    scale_jitter: Annotated[float, typer.Option(min=0.0, max=0.9, help="random extra scale +-")] = 0.35,
    sim_clips: Annotated[int, typer.Option(help="simulator clips to render for training (0 = none)")] = 12,
    sim_frames: Annotated[int, typer.Option(help="frames per simulator clip")] = 12,
    sim_cache: Annotated[Path | None, typer.Option(help="on-disk cache of simulator clips")] = None,
    real_dir: Annotated[Path | None, typer.Option(help="YOLO photos (default: shared pig-detect)")] = None,
    seed: Annotated[int, typer.Option(help="random seed")] = 0,
    checkpoint_every: Annotated[int, typer.Option(min=1, help="steps between checkpoints")] = 50,
    threads: Annotated[int | None, typer.Option(min=1, help="torch CPU threads (default: torch's)")] = None,
    fresh: Annotated[bool, typer.Option("--fresh", help="ignore an existing checkpoint in OUT")] = False,
    init_from: Annotated[
        Path | None,
        typer.Option(
            help="start a fresh run from an exported bundle's weights (tracker.onnx + sidecar; its "
            "network must match --variant and the input size)"
        ),
    ] = None,
    device: Annotated[str, typer.Option(help="torch device: cpu or cuda")] = "cpu",
    workers: Annotated[
        int, typer.Option(min=0, help="data-loading processes (0 = in the training process)")
    ] = 0,
) -> None:
    """Train the lite tracker network (seeded; resumes from OUT/checkpoint.pt unless --fresh).

    With --init-from, a run that does not resume starts from the bundle's weights (strict: every parameter
    by name and shape, then torch vs onnxruntime outputs compared); a resumed run ignores it.
    """
    from rich.progress import Progress

    from models.nn.lite import LiteConfig
    from models.nn.tinyvit import VARIANTS
    from models.train.lite import TrainConfig, train_lite

    if crop % 32 or input_height % 32 or input_width % 32:
        raise typer.BadParameter("--crop, --input-height and --input-width must be multiples of 32")
    if variant.removesuffix("_224") not in VARIANTS:
        raise typer.BadParameter(f"unknown --variant {variant!r}; choose from {sorted(VARIANTS)}")
    if threads is not None:
        import torch

        torch.set_num_threads(threads)
    lite = LiteConfig(variant=variant, input_height=input_height, input_width=input_width)
    if init_from is not None:
        _check_bundle(init_from, lite)
    cfg = TrainConfig(
        steps=steps,
        batch_size=batch_size,
        lr=lr,
        warmup_steps=warmup_steps,
        crop=(crop, crop),
        real_scale=real_scale,
        real_fit=real_fit,
        sim_scale=sim_scale,
        real_fraction=real_fraction,
        min_visible=min_visible,
        scale_jitter=scale_jitter,
        seed=seed,
        checkpoint_every=checkpoint_every,
        lite=lite,
        init_from=str(init_from) if init_from is not None else "",
    )
    sources = _sources(
        real_dir or shared_data() / "pig-detect" / "train", sim_clips, sim_frames, cfg, seed, sim_cache
    )
    if len(sources) == 1:
        cfg = TrainConfig(**{**cfg.__dict__, "real_fraction": 1.0})
    with Progress() as progress:
        task = progress.add_task("training", total=steps)

        def on_step(step: int, terms: dict[str, float]) -> None:
            progress.update(task, completed=step, description=f"training loss {terms['total']:.3f}")

        metrics = train_lite(
            out, cfg, sources, resume=not fresh, on_step=on_step, device=device, workers=workers
        )
    typer.echo(f"done: step {metrics['step']}, last-20 mean losses {metrics['last20_mean']}")


def _checkpoint_model(path: Path):  # noqa: ANN202 - LiteNet (torch imported lazily)
    """The network of a train-lite checkpoint; an unreadable or foreign file is a usage error (a message)."""
    from models.train.lite import CheckpointError, load_lite_checkpoint

    try:
        return load_lite_checkpoint(path)
    except CheckpointError as err:
        raise typer.BadParameter(str(err)) from None


def _check_bundle(path: Path, lite) -> None:  # noqa: ANN001 - LiteConfig
    """Fail early (before data loading) when ``path`` is not a bundle of the network ``lite``."""
    from models.train.lite_init import BundleInitError, init_from_bundle

    if not path.exists() or not path.with_suffix(".json").exists():
        raise typer.BadParameter(f"--init-from {path}: needs the .onnx and its .json sidecar")
    try:
        init_from_bundle(path, config=lite)
    except BundleInitError as err:
        raise typer.BadParameter(f"--init-from {path}: {err}") from None


def lite_assoc_command(
    gt: Annotated[Path, typer.Argument(help="MOTChallenge gt.txt (frame,id,x,y,w,h,...)")],
    max_frames: Annotated[int | None, typer.Option(help="use only the first N frames")] = None,
    jitter: Annotated[float, typer.Option(help="box noise, fraction of box size")] = 0.03,
    drop: Annotated[float, typer.Option(help="probability a box is missed")] = 0.1,
    seed: Annotated[int, typer.Option(help="random seed")] = 0,
) -> None:
    """Association only: perturb ground-truth boxes into detections, track them, print MOTA/IDF1."""
    from models.data.mot import identity_metrics, read_mot, replay
    from models.tracking.association import ByteTrackAssociation

    if not gt.exists():
        raise typer.BadParameter(f"{gt} does not exist")
    frames = read_mot(gt, max_frames=max_frames)
    assoc = ByteTrackAssociation()
    m = identity_metrics(replay(frames, assoc.update, seed=seed, jitter=jitter, drop=drop))
    typer.echo(
        f"{gt}: frames {m['frames']}  MOTA {m['mota']:.4f}  IDF1 {m['idf1']:.4f}  "
        f"id switches {m['id_switches']}  (gt boxes jitter {jitter}, drop {drop}; association only)"
    )


def export_lite_command(
    checkpoint: Annotated[Path, typer.Option(help="checkpoint.pt written by train-lite")],
    out: Annotated[Path, typer.Option(help="destination .onnx (sidecar .json beside it)")],
    command: Annotated[str, typer.Option(help="the training command, recorded in the sidecar")] = "",
    high_score: Annotated[float, typer.Option(help="association: first-stage score threshold")] = 0.5,
    new_track_score: Annotated[float, typer.Option(help="association: score to start a track")] = 0.6,
    low_score: Annotated[float, typer.Option(help="association: lowest score considered")] = 0.1,
) -> None:
    """Export a lite checkpoint to ONNX with its sidecar, checked against torch."""
    import subprocess

    from models.export.lite import export_lite

    if not checkpoint.exists():
        raise typer.BadParameter(f"{checkpoint} does not exist")
    git = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, cwd=REPO)
    commit = git.stdout.strip()
    config = checkpoint.parent / "config.json"
    prov = {
        "checkpoint": checkpoint.name,
        "commit": commit,
        "command": command,
        "train_config": config.read_text() if config.exists() else "",
    }
    assoc = {"high_score": high_score, "new_track_score": new_track_score, "low_score": low_score}
    from models.export.onnx import ExportParityError

    try:
        path = export_lite(_checkpoint_model(checkpoint), out, provenance=prov, association=assoc)
    except ExportParityError as err:
        typer.echo(f"export failed the onnxruntime-vs-torch check: {err}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")


def lite_ap_command(
    checkpoint: Annotated[Path, typer.Option(help="checkpoint.pt written by train-lite")],
    size: Annotated[int, typer.Option(help="square network input, pixels (multiple of 32)")] = 512,
    real_dir: Annotated[Path | None, typer.Option(help="YOLO photos (default: shared pig-detect)")] = None,
    split: Annotated[str, typer.Option(help="held (held-out snapshots) or train (training side)")] = "held",
    breakdown: Annotated[
        float | None,
        typer.Option(help="also print AP at IoU 0.3 and sort the false positives at this score"),
    ] = None,
) -> None:
    """AP50 on the held-out pig-detect snapshots (split by snapshot, never seen in training)."""
    from models.data.ap import average_precision, false_positive_kinds
    from models.data.yolo import list_items, load_image, read_boxes, split_by_snapshot
    from models.tracking.lite import LiteTracker, TorchLiteRunner

    root = real_dir or shared_data() / "pig-detect" / "train"
    if not root.exists() or not checkpoint.exists():
        raise typer.BadParameter(f"missing {root if not root.exists() else checkpoint}")
    if split not in ("held", "train"):
        raise typer.BadParameter(f"--split {split!r}: choose held or train")
    runner = TorchLiteRunner(_checkpoint_model(checkpoint))
    runner.meta["input_size"] = [size, size]
    tracker = LiteTracker(runner, score_threshold=0.05, with_masks=False)
    train_side, held = split_by_snapshot(list_items(root))
    if split == "train":
        held = train_side
    images = []
    for item in held:
        img = load_image(item.image)
        dets = tracker.detect(img)[0]
        images.append((dets.xyxy, dets.score, read_boxes(item.label, img.shape[1], img.shape[0])))
    n_snap = len({i.snapshot for i in held})
    typer.echo(
        f"AP50 {average_precision(images):.4f} on {len(held)} {split} images ({n_snap} snapshots), "
        f"input {size}x{size}"
    )
    if breakdown is not None:
        kinds = false_positive_kinds(images, score_threshold=breakdown)
        typer.echo(f"AP at IoU 0.3 {average_precision(images, iou_threshold=0.3):.4f}; false positives at "
                   f"score >= {breakdown}: " + ", ".join(f"{k} {v}" for k, v in kinds.items()))


def track_lite_command(
    video: Annotated[Path, typer.Argument(help="video file (mp4)")],
    out: Annotated[Path, typer.Option(help="MOTChallenge results file to write")],
    model: Annotated[Path | None, typer.Option(help="tracker .onnx (default: shipped bundle)")] = None,
    max_frames: Annotated[int | None, typer.Option(help="only the first N frames")] = None,
    picture: Annotated[Path | None, typer.Option(help="draw the last frame's tracks to this PNG")] = None,
) -> None:
    """Run the lite tracker over a video and write its tracks (MOTChallenge, 1-based frames)."""
    from models.eval.mot_io import write_mot
    from models.tracking.lite import DEFAULT_BUNDLE, LiteTracker, read_video_frames, track_video

    if not video.exists():
        raise typer.BadParameter(f"{video} does not exist")
    tracker = LiteTracker.from_bundle(model or DEFAULT_BUNDLE, with_masks=picture is not None)
    frames = track_video(tracker, video, max_frames=max_frames)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_mot(out, frames)
    ids = {int(i) for d in frames.values() if d.track_id is not None for i in d.track_id}
    typer.echo(f"{len(frames)} frames, {len(ids)} track ids -> {out}")
    if picture is not None and frames:
        last = max(frames)
        image = list(read_video_frames(video, max_frames=last + 1))[-1].image
        _draw(image, frames[last], picture)
        typer.echo(f"picture of frame {last} -> {picture}")


def lite_tune_command(
    clips: Annotated[list[Path], typer.Argument(help="simulator clip folders (video.mp4 + gt/), of `val`")],
    model: Annotated[Path | None, typer.Option(help="tracker .onnx (default: shipped bundle)")] = None,
    checkpoint: Annotated[Path | None, typer.Option(help="or a train-lite checkpoint.pt (torch)")] = None,
    high: Annotated[str, typer.Option(help="comma-separated high_score values")] = "0.2,0.3,0.4,0.5,0.6",
    new_offset: Annotated[str, typer.Option(help="comma-separated new_track_score - high_score")] = "0,0.1",
    low: Annotated[str, typer.Option(help="comma-separated low_score values")] = "0.1",
    max_frames: Annotated[int | None, typer.Option(help="only the first N frames of each clip")] = None,
) -> None:
    """Sweep the association's score thresholds on clips (use the simulator's `val` set, never `test`).

    The network runs once per frame; each setting re-runs only the association. Prints mean MOTA, IDF1,
    HOTA and id switches per setting (box IoU 0.5, as `pigwatch eval track`), best (MOTA + IDF1) last.
    """
    import itertools

    import numpy as np

    from models.eval.inputs import load_tracking
    from models.eval.tracking import evaluate_tracking
    from models.tracking.association import AssociationConfig
    from models.tracking.lite import DEFAULT_BUNDLE, LiteTracker, TorchLiteRunner, associate, detect_video

    missing = [c for c in clips if not (c / "video.mp4").exists()]
    if missing:
        raise typer.BadParameter(f"no video.mp4 in {', '.join(map(str, missing))}")
    if checkpoint is not None:
        tracker = LiteTracker(TorchLiteRunner(_checkpoint_model(checkpoint)), with_masks=False)
    else:
        tracker = LiteTracker.from_bundle(model or DEFAULT_BUNDLE, with_masks=False)
    lowest = min(float(v) for v in low.split(","))
    tracker.score_threshold = lowest
    data = []
    for clip in clips:
        gt = load_tracking(clip, n_frames=None)
        dets = detect_video(tracker, clip / "video.mp4", max_frames=max_frames)
        data.append(({i: gt[i] for i in dets if i in gt}, dets))
    results = []
    grid = itertools.product(*(map(float, v.split(",")) for v in (high, new_offset, low)))
    for h, off, lo in grid:
        cfg = AssociationConfig(high_score=h, new_track_score=h + off, low_score=lo)
        ms = [evaluate_tracking(gt, associate(dets, cfg)) for gt, dets in data]
        row = {k: float(np.mean([m[k] for m in ms])) for k in ("mota", "idf1", "hota", "id_switches")}
        results.append(((h, h + off, lo), row))
        typer.echo(
            f"high {h:.2f} new {h + off:.2f} low {lo:.2f}: MOTA {row['mota'] * 100:6.1f}  "
            f"IDF1 {row['idf1'] * 100:5.1f}  HOTA {row['hota'] * 100:5.1f}  "
            f"id sw {row['id_switches']:.1f}"
        )
    best = max(results, key=lambda r: r[1]["mota"] + r[1]["idf1"])
    (h, n, lo), row = best
    typer.echo(
        f"best on {len(clips)} clips: --high-score {h:g} --new-track-score {n:g} --low-score {lo:g} "
        f"(MOTA {row['mota'] * 100:.1f}, IDF1 {row['idf1'] * 100:.1f})"
    )


def _draw(image, dets, path: Path) -> None:  # noqa: ANN001 - numpy image, Detections
    """Overlay masks, boxes and ids on an RGB image and save it as PNG."""
    import cv2
    import numpy as np

    canvas = image.copy()
    for k in range(len(dets)):
        colour = tuple(int(c) for c in np.random.default_rng(int(dets.track_id[k])).integers(60, 255, 3))
        if dets.mask is not None:
            canvas[dets.mask[k]] = (0.5 * canvas[dets.mask[k]] + 0.5 * np.array(colour)).astype(np.uint8)
        x1, y1, x2, y2 = dets.xyxy[k].astype(int)
        cv2.rectangle(canvas, (x1, y1), (x2, y2), colour, 2)
        label = f"{int(dets.track_id[k])} {dets.score[k]:.2f}"
        cv2.putText(canvas, label, (x1 + 3, y1 + 18), cv2.FONT_HERSHEY_SIMPLEX, 0.6, colour, 2)
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), canvas[:, :, ::-1])


def register(app: typer.Typer) -> None:
    """Add `train-lite`, `lite-assoc`, `lite-ap`, `export-lite`, `track-lite` and `lite-tune` to the CLI."""
    app.command("train-lite")(train_lite_command)
    app.command("lite-assoc")(lite_assoc_command)
    app.command("lite-ap")(lite_ap_command)
    app.command("export-lite")(export_lite_command)
    app.command("track-lite")(track_lite_command)
    app.command("lite-tune")(lite_tune_command)
