"""``pigwatch eval reid-days``: re-identification across days on simulator scenarios (rank-1, bands, merges).

Registers onto the ``eval`` group of `pigwatch.commands.eval`; metric code is in `models.eval.reid_days`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

DEFAULT_EMBEDDER = Path(__file__).resolve().parents[2] / "models" / "bundles" / "default" / "embedder.onnx"


def _fail(message: str) -> typer.Exit:
    from rich.console import Console

    Console(stderr=True).print(f"[red]error:[/red] {message}")
    return typer.Exit(code=2)


def _scenario_table(per_scenario: dict[str, dict[str, float]]) -> Any:
    """A rich Table with one row per scenario."""
    from rich.table import Table

    columns = [
        "tracks",
        "rank1",
        "rank1_assigned",
        "share_assigned",
        "share_suggested",
        "share_unknown",
        "assigned_accuracy",
        "false_merge_rate",
        "identity_false_merge_rate",
        "crop_rank1",
    ]
    table = Table(title="per scenario")
    table.add_column("scenario")
    for column in columns:
        table.add_column(column, justify="right")
    for name, metrics in per_scenario.items():
        table.add_row(name, *(f"{metrics[c]:.4g}" for c in columns))
    return table


def reid_days(
    split: Annotated[
        str,
        typer.Option(help="Scenario set: train, val, test or val-wide (val + 9 of its recipe); tune on val."),
    ] = "test",
    days: Annotated[int, typer.Option(min=2, help="Days per scenario; the first enrols the pools.")] = 4,
    clip_seconds: Annotated[float, typer.Option(min=1.0, help="Length of each clip (chunk), s.")] = 30.0,
    max_scenarios: Annotated[int, typer.Option(min=0, help="Only the first N scenarios (0 = all).")] = 0,
    embedder: Annotated[Path, typer.Option(help="Embedder ONNX file with sidecar JSON.")] = DEFAULT_EMBEDDER,
    assign_similarity: Annotated[float | None, typer.Option(help="Override the assign threshold.")] = None,
    assign_margin: Annotated[float | None, typer.Option(help="Override the assign margin.")] = None,
    suggest_similarity: Annotated[float | None, typer.Option(help="Override the suggest threshold.")] = None,
    top_k: Annotated[
        int | None, typer.Option(min=1, help="Override the pool hits averaged per animal.")
    ] = None,
    margin_rule: Annotated[
        str | None, typer.Option(help="Override the margin rule: row, joint or both (docs/reid.md).")
    ] = None,
    novelty_distance: Annotated[
        float | None, typer.Option(min=0.0, help="Override the pool policy's novelty distance.")
    ] = None,
    grow_pools: Annotated[bool, typer.Option(help="Grow pools with assigned tracks, as the worker.")] = True,
    threads: Annotated[int, typer.Option(min=0, help="onnxruntime threads (0 = default).")] = 0,
    json_path: Annotated[Path | None, typer.Option("--json", help="Also write the result here.")] = None,
    cache_dir: Annotated[
        Path | None,
        typer.Option(help="Keep rendered + embedded tracks here and reuse them (e.g. var/reid-days)."),
    ] = None,
) -> None:
    """Rank-1, bands, assigned accuracy and false merges of re-ID across days (true tracks per clip)."""
    from dataclasses import replace

    from rich.console import Console

    from models.eval.reid_days import ReidDaysConfig
    from models.eval.report import EvalResult, results_table, save_results
    from models.reid.assign import BandThresholds
    from models.reid.pool import PoolPolicy
    from models.reid.scores import DEFAULT_TOP_K

    if split not in ("train", "val", "test", "val-wide"):
        raise _fail(f"--split must be train, val, test or val-wide, got {split!r}")
    if not embedder.is_file():
        raise _fail(f"embedder not found: {embedder}")
    base = BandThresholds()
    try:
        thresholds = replace(
            base,
            assign_similarity=base.assign_similarity if assign_similarity is None else assign_similarity,
            assign_margin=base.assign_margin if assign_margin is None else assign_margin,
            suggest_similarity=base.suggest_similarity if suggest_similarity is None else suggest_similarity,
            margin_rule=base.margin_rule if margin_rule is None else margin_rule,
        )
        policy = PoolPolicy() if novelty_distance is None else PoolPolicy(novelty_distance=novelty_distance)
    except ValueError as err:
        raise _fail(str(err)) from None
    config = ReidDaysConfig(
        split=split,
        days_per_scenario=days,
        clip_seconds=clip_seconds,
        max_scenarios=max_scenarios,
        grow_pools=grow_pools,
        thresholds=thresholds,
        policy=policy,
        top_k=DEFAULT_TOP_K if top_k is None else top_k,
    )
    result = _run(config, embedder, threads, cache_dir)
    console = Console()
    console.print(_scenario_table(result["per_scenario"]))
    meta = {"embedder": str(embedder), "config": config.as_dict(), "cache_dir": str(cache_dir or "")}
    evaluated = EvalResult(
        "reid", f"reid-days-{split}", {**result["overall"], "per_scenario": result["per_scenario"]}, meta
    )
    console.print(results_table(evaluated))
    if json_path is not None:
        save_results([evaluated], json_path)
        console.print(f"wrote {json_path}")


def _run(config: Any, embedder_path: Path, threads: int, cache_dir: Path | None) -> dict[str, Any]:
    """Load the embedder and evaluate with a progress bar over scenarios (rendered tracks cached if asked)."""
    from rich.console import Console
    from rich.progress import Progress

    from models.embed.embedder import Embedder
    from models.eval.reid_days import evaluate_reid_days, file_digest

    embedder = Embedder.from_onnx(embedder_path, threads=threads, prefer_cuda=False)
    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(f"rendering + re-identifying {config.split} scenarios", total=None)

        def on_scenario(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        digest = file_digest(embedder_path)
        return evaluate_reid_days(
            config, embedder, on_scenario=on_scenario, cache_dir=cache_dir, embedder_digest=digest
        )


def register(app: typer.Typer) -> None:
    """Add ``reid-days`` to the ``eval`` group (registered by `pigwatch.commands.eval`)."""
    from pigwatch.commands.eval import eval_app

    eval_app.command("reid-days")(reid_days)
