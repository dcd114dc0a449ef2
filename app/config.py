"""Application settings: one validated object read from environment variables and `.env`.

Every field maps to one environment variable (its alias). Unknown `PIGWATCH_*` keys (in `.env` or given to
the constructor) are refused (``extra="forbid"``), so a typo never silently falls back to a default; other
keys in `.env` (e.g. ``POSTGRES_PASSWORD``, which docker compose reads from the same file) are ignored.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET_KEY = "change-me-pigwatch-development-secret"
"""The shipped secret; accepted only when `PIGWATCH_ENV` is `development` or `test`."""

GiB = 1024**3


class Settings(BaseSettings):
    """Runtime configuration of the web app, workers and CLI.

    Attributes mirror environment variables (see each field's alias); paths are resolved relative to the
    working directory when relative.
    """

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="forbid",
        populate_by_name=True,
        frozen=True,
    )

    env: Literal["development", "test", "production"] = Field(
        default="development",
        alias="PIGWATCH_ENV",
        description="Deployment environment; outside development/test the secret key must be set.",
    )
    database_url: str | None = Field(
        default=None,
        alias="DATABASE_URL",
        description="SQLAlchemy URL of PostgreSQL with pgvector (postgresql+psycopg://...); "
        "None starts the embedded PostgreSQL 18 under the data directory.",
    )
    redis_url: str | None = Field(
        default=None,
        alias="REDIS_URL",
        description="Redis URL for the Celery broker and result backend; None uses kombu's SQLAlchemy "
        "transport on the database.",
    )
    data_dir: Path = Field(
        default=Path("var"),
        alias="PIGWATCH_DATA_DIR",
        description="Directory for local state; the embedded PostgreSQL data lives in <data_dir>/pg.",
    )
    media_dir: Path = Field(
        default=Path("var/media"),
        alias="PIGWATCH_MEDIA_DIR",
        description="Directory where uploaded and recorded video files are stored.",
    )
    model_bundle: Path | None = Field(
        default=None,
        alias="PIGWATCH_MODEL_BUNDLE",
        description="Path of the model bundle directory (tracker, embedder, behaviour model) workers run.",
    )
    secret_key: str = Field(
        default=DEFAULT_SECRET_KEY,
        alias="PIGWATCH_SECRET_KEY",
        min_length=16,
        description="Key signing browser session cookies; must be changed outside development/test.",
    )
    max_upload_bytes: int = Field(
        default=4 * GiB,
        alias="PIGWATCH_MAX_UPLOAD_BYTES",
        gt=0,
        description="Largest accepted upload body, bytes.",
    )
    chunk_seconds: float = Field(
        default=60.0,
        alias="PIGWATCH_CHUNK_SECONDS",
        gt=0,
        description="Length of the chunks a recording is split into for processing, seconds.",
    )

    processor: str = Field(default="models.pipeline.default:build_processor", alias="PIGWATCH_PROCESSOR", description="'module:factory' building the ChunkProcessor workers run.")  # noqa: E501
    task_visibility_timeout_s: float = Field(default=3600.0, alias="PIGWATCH_TASK_VISIBILITY_TIMEOUT_S", gt=0, description="Seconds before an unacknowledged chunk task (its worker died) is redelivered.")  # noqa: E501
    thumbnail_retention_days: float = Field(default=30.0, alias="PIGWATCH_THUMBNAIL_RETENTION_DAYS", gt=0, description="Track thumbnails older than this many days are thinned to the best few per animal and day.")  # noqa: E501
    thumbnails_kept_per_day: int = Field(default=4, alias="PIGWATCH_THUMBNAILS_KEPT_PER_DAY", ge=1, description="Thumbnails an animal keeps per day once they are older than the retention period.")  # noqa: E501

    @model_validator(mode="before")
    @classmethod
    def _ignore_foreign_keys(cls, data: Any) -> Any:
        """Drop keys that are neither a field, an alias, nor ``PIGWATCH_*`` (those stay, to be refused)."""
        if not isinstance(data, dict):
            return data
        known = {name.lower() for name in cls.model_fields}
        known |= {field.alias.lower() for field in cls.model_fields.values() if field.alias}
        return {k: v for k, v in data.items() if k.lower() in known or k.lower().startswith("pigwatch_")}

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        """Refuse the shipped secret key outside development and test."""
        if self.env not in ("development", "test") and self.secret_key == DEFAULT_SECRET_KEY:
            raise ValueError(
                "PIGWATCH_SECRET_KEY is still the default; set a long random value "
                f"(PIGWATCH_ENV={self.env})"
            )
        return self

    @property
    def embedded_pg_dir(self) -> Path:
        """Data directory of the embedded PostgreSQL server (absolute)."""
        return (self.data_dir / "pg").resolve()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment and `.env`."""
    return Settings()


__all__ = ["DEFAULT_SECRET_KEY", "Settings", "get_settings"]
