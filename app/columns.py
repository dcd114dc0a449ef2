"""Column helpers shared by every domain's models: timestamps, vocabularies as CHECK constraints."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, func
from sqlalchemy.orm import Mapped, mapped_column

TZ = DateTime(timezone=True)
"""`timestamptz`; every timestamp in the schema is timezone-aware (UTC on write)."""


def created_at_column() -> Mapped[datetime]:
    """A ``created_at timestamptz NOT NULL DEFAULT now()`` column."""
    return mapped_column(TZ, server_default=func.now(), nullable=False)


def one_of(column: str, values: Iterable[str], *, name: str | None = None) -> CheckConstraint:
    """CHECK that ``column`` holds one of ``values`` (a vocabulary without a native enum type).

    Args:
        column: column name.
        values: allowed strings.
        name: constraint name suffix (default ``<column>_vocabulary``); the naming convention prefixes
            ``ck_<table>_``.

    Returns:
        The `CheckConstraint` to put in ``__table_args__``.
    """
    quoted = ", ".join("'" + v.replace("'", "''") + "'" for v in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=name or f"{column}_vocabulary")
