"""The platform CLI commands (`pigwatch db ...`, `pigwatch user create`) on a database of their own."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pigwatch.cli import app as cli

runner = CliRunner()


@pytest.fixture
def cli_env(make_database: Callable[[str], str], monkeypatch: pytest.MonkeyPatch) -> str:
    """Point the CLI's settings at an empty database ``pigwatch_cli``; returns its URL."""
    url = make_database("pigwatch_cli")
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("PIGWATCH_ENV", "test")
    return url


def _head_revision() -> str:
    """The newest migration's revision id, from the alembic scripts themselves."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    root = Path(__file__).resolve().parents[2]
    config = Config(str(root / "alembic.ini"))
    config.set_main_option("script_location", str(root / "migrations"))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


def _invoke(*args: str, stdin: str | None = None) -> Any:
    return runner.invoke(cli, list(args), input=stdin)


def test_db_commands_and_user_create(cli_env: str) -> None:
    assert _invoke("db", "url").output.strip() == cli_env
    assert _invoke("db", "downgrade", "base").exit_code == 0
    assert _invoke("db", "current").output.strip() == "base"
    assert _invoke("user", "create", "--email", "a@b.test", "--role", "admin").exit_code != 0
    result = _invoke("db", "upgrade")
    assert result.exit_code == 0, result.output
    assert f"revision {_head_revision()}" in result.output
    created = _invoke("user", "create", "--email", "Boss@B.test", "--role", "admin", "--password", "1234567x")
    assert created.exit_code == 0, created.output
    assert "boss@b.test" in created.output
    again = _invoke("user", "create", "--email", "boss@b.test", "--role", "vet", "--password", "12345678x")
    assert again.exit_code == 1 and "already exists" in again.output
    twice = "pass word 1\npass word 1\n"
    prompted = _invoke("user", "create", "--email", "p@b.test", "--role", "vet", stdin=twice)
    assert prompted.exit_code == 0, prompted.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("user", "create", "--email", "x@y.test", "--role", "boss", "--password", "12345678"), "role"),
        (("user", "create", "--email", "nope", "--role", "vet", "--password", "12345678"), "email"),
        (("user", "create", "--email", "x@y.test", "--role", "vet", "--password", "short"), "password"),
        (("db", "downgrade", "nonexistent-rev"), "failed"),
    ],
)
def test_user_mistakes_get_messages_not_tracebacks(cli_env: str, args: tuple[str, ...], message: str) -> None:
    result = _invoke(*args)
    assert result.exit_code in (1, 2)
    assert message in result.output
    assert "Traceback" not in result.output


def test_invalid_settings_are_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIGWATCH_ENV", "production")
    monkeypatch.delenv("PIGWATCH_SECRET_KEY", raising=False)
    result = _invoke("db", "url")
    assert result.exit_code == 2
    assert "PIGWATCH_SECRET_KEY" in result.output


def test_media_prune_thumbnails_reports_and_refuses_nonsense(cli_env: str) -> None:
    assert _invoke("db", "upgrade").exit_code == 0
    dry = _invoke("media", "prune-thumbnails", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "would prune 0 thumbnails" in dry.output and "keeping 4 per animal and day" in dry.output
    done = _invoke("media", "prune-thumbnails", "--older-than-days", "7", "--keep-per-day", "2")
    assert done.exit_code == 0 and "pruned 0 thumbnails" in done.output and "keeping 2" in done.output
    bad = _invoke("media", "prune-thumbnails", "--older-than-days", "0")
    assert bad.exit_code == 2 and "older_than_days must be > 0" in bad.output


@pytest.mark.parametrize("args", [("jobs",), ("media", "prune-thumbnails", "--dry-run"), ("db", "current")])
def test_unreachable_database_is_a_message_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://farm:s3cret@127.0.0.1:1/pigwatch")
    monkeypatch.setenv("PIGWATCH_ENV", "test")
    result = _invoke(*args)
    assert result.exit_code == 1, result.output
    assert "could not reach the database" in result.output and "127.0.0.1:1" in result.output
    assert "s3cret" not in result.output and "Traceback" not in result.output
