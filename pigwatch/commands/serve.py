"""``pigwatch serve``: the web app under uvicorn (embedded PostgreSQL started and migrated when needed)."""

from __future__ import annotations

import typer


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="TCP port."),
    migrate: bool = typer.Option(True, "--migrate/--no-migrate", help="Apply migrations before serving."),
    log_level: str = typer.Option("info", "--log-level", help="uvicorn log level."),
) -> None:
    """Serve the pigwatch web app and REST API."""
    import uvicorn

    from app import migrate as migrations
    from app.cli_support import database_url, load_settings
    from app.db import make_engine
    from app.embedded import stop_embedded_server
    from app.main import create_app

    settings = load_settings()
    url = database_url(settings)
    if migrate:
        migrations.upgrade(url)
    settings.media_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    try:
        uvicorn.run(create_app(settings, engine=engine), host=host, port=port, log_level=log_level)
    finally:
        engine.dispose()
        stop_embedded_server()


def register(app: typer.Typer) -> None:
    """Add the ``serve`` command."""
    app.command("serve")(serve)
