"""Settings: defaults, the default-secret refusal and strictness."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from app.config import DEFAULT_SECRET_KEY, Settings


def _settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("env", "secret", "accepted"),
    [
        ("development", DEFAULT_SECRET_KEY, True),
        ("test", DEFAULT_SECRET_KEY, True),
        ("production", DEFAULT_SECRET_KEY, False),
        ("production", "a-long-random-production-secret", True),
    ],
)
def test_default_secret_refused_outside_development(env: str, secret: str, accepted: bool) -> None:
    if accepted:
        assert _settings(PIGWATCH_ENV=env, PIGWATCH_SECRET_KEY=secret).secret_key == secret
    else:
        with pytest.raises(ValidationError, match="PIGWATCH_SECRET_KEY"):
            _settings(PIGWATCH_ENV=env, PIGWATCH_SECRET_KEY=secret)


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "REDIS_URL", "PIGWATCH_ENV", "PIGWATCH_DATA_DIR", "PIGWATCH_MEDIA_DIR"):
        monkeypatch.delenv(name, raising=False)
    settings = _settings()
    assert settings.database_url is None and settings.redis_url is None
    assert settings.max_upload_bytes == 4 * 1024**3
    assert settings.chunk_seconds == 60
    assert settings.media_dir == Path("var/media")
    assert settings.embedded_pg_dir == (Path("var") / "pg").resolve()


def test_reads_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIGWATCH_MAX_UPLOAD_BYTES", "1024")
    monkeypatch.setenv("REDIS_URL", "redis://example:6379/0")
    settings = _settings()
    assert settings.max_upload_bytes == 1024
    assert settings.redis_url == "redis://example:6379/0"


@pytest.mark.parametrize(
    "values",
    [
        {"PIGWATCH_MAX_UPLOAD_BYTES": 0},
        {"PIGWATCH_CHUNK_SECONDS": -1},
        {"PIGWATCH_ENV": "staging"},
        {"PIGWATCH_SECRET_KEY": "short"},
        {"PIGWATCH_NOT_A_SETTING": "x"},
    ],
)
def test_invalid_values_refused(values: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        _settings(**values)


def test_env_file_with_unknown_key_refused(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("PIGWATCH_CHUNK_SECONDS=30\nPIGWATCH_TYPO=1\n")
    with pytest.raises(ValidationError, match="PIGWATCH_TYPO|pigwatch_typo"):
        Settings(_env_file=env_file)  # type: ignore[call-arg]


def test_env_file_foreign_keys_ignored(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("POSTGRES_PASSWORD=compose-only\nPIGWATCH_CHUNK_SECONDS=30\n")
    assert Settings(_env_file=env_file).chunk_seconds == 30  # type: ignore[call-arg]
