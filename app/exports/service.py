"""Health records as CSV: export with filters, and all-or-nothing import with per-row errors.

Import validates every row first (columns, record type, ear tag, the health API's rules) and writes nothing
when any row fails; imported records are attributed to the importing user. Only flushes; the request commits.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.animals.models import Animal
from app.auth.models import User
from app.errors import AppError
from app.exports.farmos import (
    COLUMNS,
    RECORD_TYPES,
    REQUIRED_COLUMNS,
    Record,
    RowError,
    export_row,
    parse_row,
)
from app.health.models import HealthEvent, LamenessScore, Weight
from app.health.repository import HEALTH_EVENTS, LAMENESS_SCORES, WEIGHTS
from app.health.service import create_record
from app.summaries.compute import day_start

MAX_ROWS = 50_000
"""Largest import, in data rows."""


class CsvImportError(AppError):
    """An import refused as a whole; ``details`` lists ``{"row": line number, "errors": [...]}``."""

    status_code = 422
    code = "invalid_csv"


_TABLES: dict[str, tuple[Any, str]] = {
    "health_event": (HealthEvent, "occurred_at"),
    "lameness": (LamenessScore, "scored_at"),
    "weight": (Weight, "weighed_at"),
}


def _records(
    session: Session, table: str, filters: dict[str, Any]
) -> Iterator[tuple[Record, str | None, str | None]]:
    """(record, ear tag, recorder's e-mail) of one record table, filtered, by time."""
    model, time_name = _TABLES[table]
    user_column = model.scorer_id if model is LamenessScore else model.recorded_by_id
    column = getattr(model, time_name)
    query = (
        select(model, Animal.ear_tag, User.email)
        .join(Animal, Animal.id == model.animal_id)
        .outerjoin(User, User.id == user_column)
        .order_by(column, model.id)
    )
    if filters["animal_id"] is not None:
        query = query.where(model.animal_id == filters["animal_id"])
    if filters["pen_id"] is not None:
        query = query.where(Animal.pen_id == filters["pen_id"])
    if filters["first"] is not None:
        query = query.where(column >= day_start(filters["first"]))
    if filters["last"] is not None:
        query = query.where(column < day_start(filters["last"] + timedelta(days=1)))
    return ((record, ear_tag, email) for record, ear_tag, email in session.execute(query))


def _table_of(record_type: str) -> str:
    return record_type if record_type in ("lameness", "weight") else "health_event"


def export_csv(
    session: Session, *, animal_id: int | None = None, pen_id: int | None = None, first: date | None = None,
    last: date | None = None, record_types: tuple[str, ...] = RECORD_TYPES,
) -> str:  # fmt: skip
    """The records CSV (header + one row per record, by time within each record table).

    Args:
        animal_id, pen_id: only this animal's / this pen's animals' records (None: all).
        first, last: UTC days (inclusive) bounding the record times (None: open).
        record_types: which of `RECORD_TYPES` to include.
    """
    filters = {"animal_id": animal_id, "pen_id": pen_id, "first": first, "last": last}
    tables = sorted({_table_of(t) for t in record_types})
    rows = [
        export_row(record, ear_tag, email)
        for table in tables
        for record, ear_tag, email in _records(session, table, filters)
    ]
    rows = [r for r in rows if r["record_type"] in record_types]
    rows.sort(key=lambda r: r["timestamp"])
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def _read_rows(text: str) -> list[dict[str, str]]:
    """The data rows of a CSV text; raises `CsvImportError` for a missing header or required columns."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = set(reader.fieldnames or [])
    missing = sorted(REQUIRED_COLUMNS - header)
    if missing:
        raise CsvImportError(f"CSV header lacks column(s) {', '.join(missing)}", details={"missing": missing})
    unknown = sorted(header - set(COLUMNS))
    if unknown:
        raise CsvImportError(f"unknown column(s) {', '.join(unknown)}", details={"unknown": unknown})
    rows = list(reader)
    if len(rows) > MAX_ROWS:
        raise CsvImportError(f"more than {MAX_ROWS} rows", details={"rows": len(rows)})
    return rows


def _animals_by_tag(session: Session, rows: list[dict[str, str]]) -> dict[str, int]:
    tags = {(r.get("asset") or "").strip() for r in rows} - {""}
    query = select(Animal.ear_tag, Animal.id).where(Animal.ear_tag.in_(tags))
    return {str(tag): int(animal_id) for tag, animal_id in session.execute(query)}


def _validate(
    rows: list[dict[str, str]], animals: dict[str, int]
) -> tuple[list[tuple[str, int, BaseModel]], list[dict[str, Any]]]:
    """(valid rows as (record_type, animal id, body), errors as {"row", "errors"}); line 1 is the header."""
    valid: list[tuple[str, int, BaseModel]] = []
    errors: list[dict[str, Any]] = []
    for line, row in enumerate(rows, start=2):
        problems: list[str] = []
        tag = (row.get("asset") or "").strip()
        if tag not in animals:
            problems.append(f"asset: no animal with ear tag {tag!r}" if tag else "asset: ear tag is empty")
        try:
            record_type, body = parse_row(row)
        except RowError as exc:
            problems.extend(exc.messages)
        if problems:
            errors.append({"row": line, "errors": problems})
        else:
            valid.append((record_type, animals[tag], body))
    return valid, errors


KINDS = {"weight": WEIGHTS, "lameness": LAMENESS_SCORES}


def import_csv(session: Session, text: str, user: User) -> dict[str, int]:
    """Import every row of a records CSV, or none.

    Returns:
        Counts of imported records per record type (every type present, zeros included).

    Raises:
        CsvImportError: bad header, too many rows, or any invalid row (details list each row's errors).
    """
    rows = _read_rows(text)
    valid, errors = _validate(rows, _animals_by_tag(session, rows))
    if errors:
        raise CsvImportError(f"{len(errors)} of {len(rows)} rows are invalid; nothing was imported",
                             details=errors)  # fmt: skip
    counts = dict.fromkeys(RECORD_TYPES, 0)
    for record_type, animal_id, body in valid:
        create_record(session, KINDS.get(record_type, HEALTH_EVENTS), animal_id, body, user_id=user.id)
        counts[record_type] += 1
    return counts
