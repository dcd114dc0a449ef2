"""``pigwatch media prune-thumbnails``: thin old track thumbnails (`app.tracking.retention`)."""

from __future__ import annotations

from datetime import UTC, datetime

import typer

media_app = typer.Typer(help="The media store: thumbnail retention.", no_args_is_help=True)


@media_app.command("prune-thumbnails")
def prune_thumbnails(
    older_than_days: float = typer.Option(
        None, "--older-than-days", help="Thin thumbnails older than this (default: the settings' retention)."
    ),
    keep_per_day: int = typer.Option(
        None, "--keep-per-day", min=1, help="Thumbnails kept per animal and day (default: the settings')."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Only count what would be pruned."),
) -> None:
    """Delete old thumbnails beyond the best few per animal and day (the worker started with --beat does
    this daily); thumbnails of tracks waiting in identity review are kept."""
    import app.models  # noqa: F401  (every table mapped, so foreign keys resolve)
    from app.cli_support import database_url, fail, load_settings
    from app.db import make_engine, make_session_factory
    from app.tracking.retention import RetentionPolicy
    from app.tracking.retention import prune_thumbnails as prune

    settings = load_settings()
    try:
        policy = RetentionPolicy(
            settings.thumbnail_retention_days if older_than_days is None else older_than_days,
            settings.thumbnails_kept_per_day if keep_per_day is None else keep_per_day,
        )
    except ValueError as exc:
        fail(str(exc), code=2)
    factory = make_session_factory(make_engine(database_url(settings)))
    report = prune(factory, settings.media_dir, now=datetime.now(UTC), policy=policy, dry_run=dry_run)
    verb = "would prune" if dry_run else "pruned"
    typer.echo(
        f"{verb} {report.rows} thumbnails ({report.bytes / 1e6:.1f} MB) captured before "
        f"{report.cutoff:%Y-%m-%d %H:%M} UTC, keeping {policy.keep_per_day} per animal and day"
        + ("" if dry_run else f"; {report.files_removed} files removed")
    )


def register(app: typer.Typer) -> None:
    """Add the ``media`` command group."""
    app.add_typer(media_app, name="media")
