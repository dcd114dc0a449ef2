"""The health-records CSV format, close to farmOS logs (documented in docs/rest-api.md, "Records CSV").

One row per record. ``record_type`` says which pigwatch record a row is; ``log_type`` is the farmOS log type
it maps to (diagnosis and treatment -> ``medical``; observation, lameness and weight -> ``observation``);
``asset`` is the animal's ear tag; ``quantity``/``unit`` carry a weight (``kg``) or a lameness score
(``score_0_3`` / ``score_0_5``). Row validation reuses the health API's create schemas, so an imported row
obeys exactly the rules of a record typed into the app.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ValidationError

from app.health.models import HealthEvent, LamenessScore, Weight
from app.health.schemas import HealthEventCreate, LamenessScoreCreate, WeightCreate

COLUMNS: tuple[str, ...] = (
    "timestamp", "log_type", "record_type", "asset", "name", "quantity", "unit", "notes",
    "condition", "severity", "product", "dose", "route", "withdrawal_end", "recorded_by",
)  # fmt: skip
"""Columns of the records CSV, in order; import needs ``timestamp``, ``record_type`` and ``asset``."""

REQUIRED_COLUMNS: frozenset[str] = frozenset({"timestamp", "record_type", "asset"})
HEALTH_EVENT_TYPES: tuple[str, ...] = ("diagnosis", "treatment", "observation")
RECORD_TYPES: tuple[str, ...] = (*HEALTH_EVENT_TYPES, "lameness", "weight")
LOG_TYPES: dict[str, str] = {
    "diagnosis": "medical", "treatment": "medical", "observation": "observation",
    "lameness": "observation", "weight": "observation",
}  # fmt: skip
"""record_type -> farmOS log type."""
HEALTH_EVENT_FIELDS: tuple[str, ...] = ("condition", "severity", "product", "dose", "route", "withdrawal_end")

Record = HealthEvent | LamenessScore | Weight


class RowError(ValueError):
    """A CSV row that cannot be imported; ``messages`` says why, one line per problem."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def export_row(record: Record, ear_tag: str | None, recorded_by: str | None) -> dict[str, str]:
    """The CSV row (column -> text) of one health event, lameness score or weight."""
    row = dict.fromkeys(COLUMNS, "")
    row.update(asset=_text(ear_tag), recorded_by=_text(recorded_by))
    if isinstance(record, Weight):
        row.update(timestamp=_iso(record.weighed_at), record_type="weight", quantity=repr(record.kg),
                   unit="kg", name=f"Weight {record.kg:g} kg")  # fmt: skip
    elif isinstance(record, LamenessScore):
        row.update(timestamp=_iso(record.scored_at), record_type="lameness", quantity=str(record.score),
                   unit=f"score_0_{record.scale_max}", notes=_text(record.notes),
                   name=f"Lameness score {record.score}/{record.scale_max}")  # fmt: skip
    else:
        row.update(timestamp=_iso(record.occurred_at), record_type=record.kind, notes=_text(record.notes),
                   name=f"{record.kind.capitalize()}: {record.condition or record.product or ''}".strip(": "))
        row.update({f: _text(getattr(record, f)) for f in HEALTH_EVENT_FIELDS})  # fmt: skip
    row["log_type"] = LOG_TYPES[row["record_type"]]
    return row


def _blank_to_none(row: dict[str, str], names: tuple[str, ...]) -> dict[str, str | None]:
    return {n: (row.get(n) or "").strip() or None for n in names}


def _body(record_type: str, row: dict[str, str]) -> dict[str, Any]:
    """The create-schema fields of one row (strings; pydantic converts and validates them)."""
    base: dict[str, Any] = {"notes": (row.get("notes") or "").strip() or None}
    if record_type == "weight":
        if (row.get("unit") or "kg").strip() != "kg":
            raise RowError([f"unit {row.get('unit')!r} is not kg"])
        return {"weighed_at": row["timestamp"], "kg": row.get("quantity")}
    if record_type == "lameness":
        unit = (row.get("unit") or "").strip()
        if unit not in ("score_0_3", "score_0_5"):
            raise RowError([f"unit {unit!r} must be score_0_3 or score_0_5 for a lameness score"])
        return {**base, "scored_at": row["timestamp"], "score": row.get("quantity"), "scale_max": unit[-1]}
    fields = _blank_to_none(row, HEALTH_EVENT_FIELDS)
    return {**base, **fields, "kind": record_type, "occurred_at": row["timestamp"]}


def _schema(record_type: str) -> type[BaseModel]:
    if record_type == "weight":
        return WeightCreate
    return LamenessScoreCreate if record_type == "lameness" else HealthEventCreate


def _check_types(row: dict[str, str]) -> str:
    record_type = (row.get("record_type") or "").strip()
    if record_type not in RECORD_TYPES:
        raise RowError([f"record_type {record_type!r} is not one of {', '.join(RECORD_TYPES)}"])
    log_type = (row.get("log_type") or "").strip()
    if log_type and log_type != LOG_TYPES[record_type]:
        raise RowError([f"log_type {log_type!r} does not match record_type {record_type!r} "
                        f"(expected {LOG_TYPES[record_type]!r})"])  # fmt: skip
    return record_type


def parse_row(row: dict[str, str]) -> tuple[str, BaseModel]:
    """Validate one CSV row into (record_type, the health API's create body).

    Naive timestamps are taken as UTC. Raises `RowError` listing every problem of the row.
    """
    record_type = _check_types(row)
    if not (row.get("timestamp") or "").strip():
        raise RowError(["timestamp is empty"])
    try:
        return record_type, _schema(record_type).model_validate(_body(record_type, row))
    except ValidationError as exc:
        raise RowError([_message(err) for err in exc.errors()]) from exc


_SCHEMA_TO_COLUMN = {
    "weighed_at": "timestamp", "scored_at": "timestamp", "occurred_at": "timestamp", "kg": "quantity",
    "score": "quantity", "scale_max": "unit",
}  # fmt: skip
"""Create-schema field -> the CSV column it comes from (for error messages)."""


def _message(error: Any) -> str:
    """``"<column>: <problem>"`` for one pydantic error."""
    where = ".".join(str(p) for p in error.get("loc", ()))
    column = _SCHEMA_TO_COLUMN.get(where, where)
    return f"{column}: {error.get('msg')}" if column else str(error.get("msg"))
