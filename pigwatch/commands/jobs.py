"""``pigwatch jobs``: the processing queue (chunks by status, with progress)."""

from __future__ import annotations

import typer

from app.media.models import CHUNK_STATUSES


def progress_bar(fraction: float, *, width: int = 20) -> str:
    """A text bar like ``[#####-----]  50%`` for ``fraction`` in [0, 1] (clamped)."""
    fraction = min(1.0, max(0.0, fraction))
    filled = int(round(fraction * width))
    return f"[{'#' * filled}{'-' * (width - filled)}] {fraction * 100:3.0f}%"


def jobs(
    status: list[str] = typer.Option(
        None, "--status", help=f"Only these statuses: {', '.join(CHUNK_STATUSES)}."
    ),
    limit: int = typer.Option(50, "--limit", min=1, help="Most chunks listed."),
) -> None:
    """List chunk jobs with status, attempts, progress and errors."""
    from rich.console import Console
    from rich.table import Table

    import app.models  # noqa: F401  (every table mapped, so foreign keys resolve)
    from app.cli_support import database_url, fail, load_settings
    from app.db import make_engine, make_session_factory
    from app.media import repository

    unknown = set(status or []) - set(CHUNK_STATUSES)
    if unknown:
        fail(f"unknown status {sorted(unknown)}; use {', '.join(CHUNK_STATUSES)}", code=2)
    factory = make_session_factory(make_engine(database_url(load_settings())))
    table = Table("chunk", "recording", "index", "span (s)", "status", "attempts", "progress", "error")
    with factory() as session:
        counts = repository.chunk_status_counts(session)
        for c in repository.list_chunks(session, statuses=status or None, limit=limit):
            span = f"{c.start_s:.0f}-{c.end_s:.0f}"
            done = 1.0 if c.status == "done" else c.progress
            row = (
                c.id,
                c.recording_id,
                c.index,
                span,
                c.status,
                c.attempts,
                progress_bar(done),
                c.error or "",
            )
            table.add_row(*map(str, row))
    console = Console()
    console.print(table)
    console.print(", ".join(f"{s}: {counts.get(s, 0)}" for s in CHUNK_STATUSES))


def register(app: typer.Typer) -> None:
    """Add the ``jobs`` command."""
    app.command("jobs")(jobs)
