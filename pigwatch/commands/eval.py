"""``pigwatch eval``: score tracking, re-identification and behaviour outputs; build reports.

Metric code lives in `models.eval`; this module only reads arguments, calls it, prints and writes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

eval_app = typer.Typer(
    help="Score tracker, re-identification and behaviour outputs; write reports.", no_args_is_help=True
)

JsonOpt = Annotated[Path | None, typer.Option("--json", help="Also write the result to this JSON file.")]
NameOpt = Annotated[
    str | None, typer.Option("--name", help="Label of this result (default: from the input).")
]


def _fail(message: str) -> typer.Exit:
    from rich.console import Console

    Console(stderr=True).print(f"[red]error:[/red] {message}")
    return typer.Exit(code=2)


def _finish(result: Any, json_path: Path | None) -> None:
    """Print a result's table and write it as JSON if asked."""
    from rich.console import Console

    from models.eval.report import results_table, save_results

    Console().print(results_table(result))
    if json_path is not None:
        save_results([result], json_path)
        Console().print(f"wrote {json_path}")


@eval_app.command("track")
def track(
    gt: Annotated[
        Path, typer.Option(help="Ground truth: MOT gt.txt, Edinburgh output.json or a clip directory.")
    ],
    pred: Annotated[
        Path, typer.Option(help="Tracker output: MOTChallenge results file (or a clip directory).")
    ],
    masks: Annotated[
        bool, typer.Option("--masks", help="Match on mask IoU (masks.npz beside gt and pred).")
    ] = False,
    interpolate: Annotated[
        bool, typer.Option(help="Interpolate Edinburgh keyframe boxes (default: hold).")
    ] = False,
    iou: Annotated[float, typer.Option(min=0.0, max=1.0, help="IoU threshold for a match.")] = 0.5,
    n_frames: Annotated[int | None, typer.Option(help="Clip length in frames, for Edinburgh files.")] = None,
    first_frame: Annotated[
        int, typer.Option(help="Number of the first frame in MOT files (1 = MOTChallenge).")
    ] = 1,
    name: NameOpt = None,
    json_path: JsonOpt = None,
) -> None:
    """MOTA, IDF1, HOTA, ID switches and more of a tracker output against ground truth."""
    from models.eval.inputs import load_tracking
    from models.eval.report import EvalResult
    from models.eval.tracking import evaluate_tracking

    fill: Literal["hold", "interpolate"] = "interpolate" if interpolate else "hold"
    try:
        gt_frames: Mapping = load_tracking(gt, fill=fill, n_frames=n_frames, first_frame=first_frame)
        pred_frames: Mapping = load_tracking(pred, fill=fill, n_frames=n_frames, first_frame=first_frame)
        if masks:
            gt_frames, pred_frames = _with_masks(gt, gt_frames), _with_masks(pred, pred_frames)
        with _progress("matching frames") as on_frame:
            metrics = evaluate_tracking(
                gt_frames, pred_frames, iou_threshold=iou, use_masks=masks, on_frame=on_frame
            )
    except (OSError, ValueError) as err:
        raise _fail(str(err)) from None
    meta = {"gt": str(gt), "pred": str(pred), "iou_threshold": iou, "masks": masks, "fill": fill}
    _finish(EvalResult("tracking", name or pred.stem, metrics, meta), json_path)


@eval_app.command("track-set")
def track_set(
    gt: Annotated[list[Path], typer.Option(help="Ground truth of each clip (as `eval track`), repeated.")],
    pred: Annotated[list[Path], typer.Option(help="Tracker output of each clip, same order, repeated.")],
    iou: Annotated[float, typer.Option(min=0.0, max=1.0, help="IoU threshold for a match.")] = 0.5,
    name: NameOpt = None,
    json_path: JsonOpt = None,
) -> None:
    """Per-clip and pooled (set-level) MOTA and IDF1 of a tracker over several clips.

    Pooled = counts summed over the clips (motmetrics' OVERALL row): MOTA = 1 - (FP + misses + switches) /
    gt boxes, IDF1 = 2 IDTP / (gt + predicted boxes).
    """
    from rich.console import Console
    from rich.table import Table

    from models.eval.inputs import load_tracking
    from models.eval.report import EvalResult
    from models.eval.tracking import evaluate_tracking, pooled_tracking

    if len(gt) != len(pred):
        raise _fail(f"{len(gt)} --gt but {len(pred)} --pred: give one of each per clip")
    table = Table("clip", "MOTA", "IDF1", "HOTA", "FP", "misses", "switches", "gt boxes")
    per_clip = []
    try:
        for g, p in zip(gt, pred, strict=True):
            with _progress(f"matching frames of {p.name}") as on_frame:
                m = evaluate_tracking(
                    load_tracking(g), load_tracking(p), iou_threshold=iou, on_frame=on_frame
                )
            per_clip.append(m)
            table.add_row(*_set_row(p.stem, m, f"{m['hota']:.1%}"))
    except (OSError, ValueError) as err:
        raise _fail(str(err)) from None
    pooled = pooled_tracking(per_clip)
    table.add_row(*_set_row("pooled", pooled, ""))
    Console().print(table)
    if json_path is not None:
        from models.eval.report import save_results

        meta = {"gt": [str(g) for g in gt], "pred": [str(p) for p in pred], "iou_threshold": iou}
        save_results([EvalResult("tracking", name or "pooled", pooled, meta)], json_path)
        Console().print(f"wrote {json_path}")


def _set_row(label: str, m: Mapping[str, float], hota: str) -> list[str]:
    """One row of the `track-set` table: label, MOTA, IDF1, HOTA (given as text), then the counts."""
    counts = (f"{m[k]:.0f}" for k in ("false_positives", "misses", "id_switches", "gt_detections"))
    return [label, f"{m['mota']:.1%}", f"{m['idf1']:.1%}", hota, *counts]


@contextmanager
def _progress(description: str) -> Iterator[Callable[[int, int], None]]:
    """A rich progress bar (on stderr) driven by ``callback(done, total)``."""
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(description, total=None)

        def callback(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield callback


def _with_masks(path: Path, frames: Mapping) -> Mapping:
    """``frames`` with masks from ``masks.npz`` inside ``path`` (a clip directory), beside it, or one up."""
    from models.eval.masks import MaskedFrames, load_mask_file

    folder = path if path.is_dir() else path.parent
    candidates = [folder / "masks.npz", folder.parent / "masks.npz"]
    found = next((c for c in candidates if c.is_file()), None)
    if found is None:
        raise ValueError(f"--masks: no masks.npz in {folder} or {folder.parent}")
    return MaskedFrames(frames, load_mask_file(found))


@eval_app.command("reid")
def reid(
    embeddings: Annotated[
        Path, typer.Option(help=".npz with vectors (NxD), pig (N), day (N)[, pred_identity (N)].")
    ],
    name: NameOpt = None,
    json_path: JsonOpt = None,
) -> None:
    """Rank-1 and mAP across days (each day queried against the others) and false-merge rates."""
    from models.eval.inputs import load_embeddings
    from models.eval.reid import cross_day_retrieval, false_merge_rates
    from models.eval.report import EvalResult

    try:
        data = load_embeddings(embeddings)
    except (OSError, ValueError) as err:
        raise _fail(str(err)) from None
    metrics: dict[str, Any] = cross_day_retrieval(data["vectors"], data["pig"].tolist(), data["day"].tolist())
    if "pred_identity" in data:
        metrics.update(false_merge_rates(data["pred_identity"].tolist(), data["pig"].tolist()))
    _finish(EvalResult("reid", name or embeddings.stem, metrics, {"embeddings": str(embeddings)}), json_path)


@eval_app.command("behaviour")
def behaviour(
    truth: Annotated[
        Path, typer.Option(help="Edinburgh output.json (or its clip directory) or frame,id,label CSV.")
    ],
    pred: Annotated[Path, typer.Option(help="Predictions: frame,id,label CSV (0-based frames).")],
    n_frames: Annotated[int | None, typer.Option(help="Clip length in frames, for Edinburgh files.")] = None,
    name: NameOpt = None,
    json_path: JsonOpt = None,
) -> None:
    """Accuracy, macro-F1, per-class F1 and confusion matrix over the nine behaviour classes."""
    from models.eval.behaviour import behaviour_metrics
    from models.eval.inputs import load_behaviour_labels, paired_labels, read_behaviour_csv
    from models.eval.report import EvalResult

    try:
        true, predicted, unmatched = paired_labels(
            load_behaviour_labels(truth, n_frames=n_frames), read_behaviour_csv(pred)
        )
        metrics = behaviour_metrics(true, predicted)
    except (OSError, ValueError) as err:
        raise _fail(str(err)) from None
    metrics["truth_without_prediction"] = unmatched
    _finish(
        EvalResult("behaviour", name or pred.stem, metrics, {"truth": str(truth), "pred": str(pred)}),
        json_path,
    )


@eval_app.command("report")
def report(
    results: Annotated[
        list[Path], typer.Argument(help="JSON files written with --json by the other commands.")
    ],
    out: Annotated[Path, typer.Option(help="Directory for report.json and report.html.")] = Path(
        "eval-report"
    ),
    title: Annotated[str, typer.Option(help="Report title.")] = "pigwatch evaluation",
) -> None:
    """Print every result as a table and write one JSON and one self-contained Plotly HTML report."""
    from rich.console import Console

    from models.eval.report import load_results, results_table, save_results
    from models.eval.report_html import write_html

    try:
        loaded = [r for path in results for r in load_results(path)]
    except (OSError, ValueError) as err:
        raise _fail(str(err)) from None
    console = Console()
    for result in loaded:
        console.print(results_table(result))
    out.mkdir(parents=True, exist_ok=True)
    save_results(loaded, out / "report.json")
    write_html(loaded, out / "report.html", title=title)
    console.print(f"wrote {out / 'report.json'} and {out / 'report.html'}")


def register(app: typer.Typer) -> None:
    """Add the ``eval`` command group to the root app."""
    app.add_typer(eval_app, name="eval")
