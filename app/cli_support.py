"""Helpers for CLI commands that use the app: settings with readable errors, a database URL."""

from __future__ import annotations

from typing import NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console

from app.config import Settings

err_console = Console(stderr=True)


def fail(message: str, *, code: int = 1) -> NoReturn:
    """Print ``message`` in red on stderr and exit with ``code`` (no traceback)."""
    err_console.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)


def load_settings() -> Settings:
    """Settings from the environment / `.env`; a readable error and exit 2 when they are invalid."""
    try:
        return Settings()
    except ValidationError as exc:
        lines = [f"  {'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in exc.errors()]
        fail("invalid settings (environment / .env):\n" + "\n".join(lines), code=2)


def database_url(settings: Settings) -> str:
    """The database URL (starting the embedded PostgreSQL if needed); a readable error if unreachable."""
    from app.db import resolve_database_url

    try:
        return resolve_database_url(settings)
    except ValueError as exc:
        fail(str(exc), code=2)
    except Exception as exc:  # the embedded server failed to start, or the database is unreachable
        fail(f"could not reach the database: {exc}")
