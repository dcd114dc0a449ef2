"""Database engine, sessions and the declarative `Base` shared by every domain's models.

`Base.metadata` uses a naming convention so alembic generates stable constraint and index names.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sqlalchemy import MetaData, create_engine
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

if TYPE_CHECKING:
    from app.config import Settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every table; metadata carries `NAMING_CONVENTION`."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def normalise_database_url(url: str) -> str:
    """Force the psycopg 3 driver: ``postgres://`` / ``postgresql://`` become ``postgresql+psycopg://``.

    Args:
        url: a PostgreSQL URL as users write it.

    Returns:
        The same URL with the ``postgresql+psycopg`` driver name.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() not in ("postgres", "postgresql"):
        raise ValueError(f"DATABASE_URL must be a PostgreSQL URL, got {parsed.drivername!r}")
    return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def resolve_database_url(settings: Settings) -> str:
    """The SQLAlchemy URL to use: `DATABASE_URL`, or the embedded server (started if needed).

    Args:
        settings: application settings.

    Returns:
        A ``postgresql+psycopg://`` URL.
    """
    if settings.database_url:
        return normalise_database_url(settings.database_url)
    from app.embedded import ensure_embedded_database

    return ensure_embedded_database(settings.embedded_pg_dir)


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """A SQLAlchemy engine for ``url`` with pre-ping (survives server restarts)."""
    return create_engine(normalise_database_url(url), echo=echo, pool_pre_ping=True)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Session factory bound to ``engine``; objects stay usable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that commits when the block ends normally and rolls back on any exception.

    Args:
        factory: the session factory.

    Yields:
        An open `Session`; closed on exit.
    """
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
