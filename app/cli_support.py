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
    """The database URL (starting the embedded PostgreSQL if needed), checked by connecting once; a readable
    error (exit 1) when the server is unreachable or refuses the login, instead of a traceback later."""
    from app.db import resolve_database_url

    try:
        url = resolve_database_url(settings)
    except ValueError as exc:
        fail(str(exc), code=2)
    except Exception as exc:  # the embedded server failed to start
        fail(f"could not reach the database: {exc}")
    check_reachable(url)
    return url


def check_reachable(url: str, *, timeout_s: int = 10) -> None:
    """Connect to ``url`` once (``SELECT 1``); `fail` with the driver's first line when that is impossible."""
    from sqlalchemy import create_engine, make_url, text
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": timeout_s})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        where = make_url(url).render_as_string(hide_password=True)
        fail(f"could not reach the database {where}: {reason}")
    finally:
        engine.dispose()
