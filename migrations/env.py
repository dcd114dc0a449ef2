"""Alembic environment: app metadata as the target, URL from the settings (or the caller's config).

Callers may pass an open connection in ``config.attributes["connection"]`` (tests do) or a URL in the
``sqlalchemy.url`` option; otherwise `app.db.resolve_database_url(get_settings())` is used, which starts the
embedded PostgreSQL when no DATABASE_URL is configured.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine, pool

import app.models  # noqa: F401  (registers every table on Base.metadata)
from app.db import Base, normalise_database_url

config = context.config
target_metadata = Base.metadata


def _database_url() -> str:
    """The URL to migrate: the config's ``sqlalchemy.url`` if set, else the settings'."""
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return normalise_database_url(url)
    from app.config import get_settings
    from app.db import resolve_database_url

    return resolve_database_url(get_settings())


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Leave tables that are not ours to autogenerate: in embedded mode the Celery broker (kombu's
    SQLAlchemy transport) and result backend keep their own tables in the same database."""
    if type_ == "table" and reflected and compare_to is None:
        return name in target_metadata.tables
    return True


def _configure_and_run(connection: Connection) -> None:
    """Run the migrations on ``connection`` in one transaction."""
    context.configure(connection=connection, target_metadata=target_metadata, compare_type=True,
                      include_object=include_object)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    """Emit SQL to stdout instead of running it (``alembic upgrade --sql``)."""
    context.configure(url=_database_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations on the caller's connection or on a fresh engine."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure_and_run(connection)
        return
    engine = create_engine(_database_url(), poolclass=pool.NullPool)
    with engine.connect() as conn:
        _configure_and_run(conn)
        conn.commit()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
