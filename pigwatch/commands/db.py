"""``pigwatch db upgrade | downgrade REV | current | url``: schema migrations and the database address."""

from __future__ import annotations

import typer

db_app = typer.Typer(help="Database: migrations (alembic) and connection URL.", no_args_is_help=True)


def _url() -> str:
    from app.cli_support import database_url, load_settings

    return database_url(load_settings())


def _run_migration(action: str, revision: str) -> None:
    from alembic.util.exc import CommandError

    from app import migrate
    from app.cli_support import fail

    url = _url()
    try:
        getattr(migrate, action)(url, revision)
    except CommandError as exc:
        fail(f"{action} to {revision!r} failed: {exc}")
    typer.echo(f"database at revision {migrate.current_revision(url) or 'base'}")


@db_app.command("upgrade")
def upgrade(revision: str = typer.Argument("head", help="Target revision (default: head).")) -> None:
    """Apply migrations up to REVISION (starts the embedded PostgreSQL when no DATABASE_URL is set)."""
    _run_migration("upgrade", revision)


@db_app.command("downgrade")
def downgrade(revision: str = typer.Argument(..., help="Target revision, e.g. 'base' or '-1'.")) -> None:
    """Revert migrations down to REVISION."""
    _run_migration("downgrade", revision)


@db_app.command("current")
def current() -> None:
    """Print the revision the database is at ('base' when never migrated)."""
    from app.migrate import current_revision

    typer.echo(current_revision(_url()) or "base")


@db_app.command("url")
def url() -> None:
    """Print the SQLAlchemy URL of the database (the embedded server's unix socket when embedded)."""
    typer.echo(_url())


def register(app: typer.Typer) -> None:
    """Add the ``db`` command group."""
    app.add_typer(db_app, name="db")
