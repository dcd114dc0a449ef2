"""Health records: create, change, delete and list, each change attributed to the user who made it.

Health events keep one user column (``recorded_by_id``): it names whoever created or last changed the event;
lameness scores name their scorer (``scorer_id``), weights who recorded them (``recorded_by_id``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from app.animals.service import require_animal
from app.errors import NotFoundError
from app.health import repository
from app.health.repository import HEALTH_EVENTS, LAMENESS_SCORES, WEIGHTS, HealthRecord, RecordKind
from app.health.schemas import HealthEventCreate, LamenessScoreCreate, WeightCreate

CREATE_SCHEMAS: dict[str, type[BaseModel]] = {
    HEALTH_EVENTS.name: HealthEventCreate,
    LAMENESS_SCORES.name: LamenessScoreCreate,
    WEIGHTS.name: WeightCreate,
}


def require_record(session: Session, kind: RecordKind, record_id: int) -> HealthRecord:
    """The ``kind`` row with ``record_id``; raises `NotFoundError` (404) when absent."""
    row = repository.get_record(session, kind, record_id)
    if row is None:
        raise NotFoundError.for_id(kind.name, record_id)
    return row


def create_record(
    session: Session, kind: RecordKind, animal_id: int, body: BaseModel, *, user_id: int
) -> Any:
    """Add a ``kind`` record for ``animal_id`` from a validated create body, attributed to ``user_id``.

    Raises:
        NotFoundError: the animal does not exist.
    """
    require_animal(session, animal_id)
    row = kind.model(animal_id=animal_id, **body.model_dump())
    setattr(row, kind.user_column, user_id)
    return repository.add_record(session, row)


def _validated_merge(kind: RecordKind, row: HealthRecord, changes: dict[str, Any]) -> dict[str, Any]:
    """The row's editable fields with ``changes`` applied, validated as a new record would be.

    Raises:
        RequestValidationError: the merged record is invalid (answered as 422 with the error body).
    """
    schema = CREATE_SCHEMAS[kind.name]
    current = {name: getattr(row, name) for name in schema.model_fields}
    try:
        return schema.model_validate({**current, **changes}).model_dump()
    except ValidationError as exc:
        errors = [{**err, "loc": ("body", *err["loc"])} for err in exc.errors(include_url=False)]
        raise RequestValidationError(errors) from exc


def update_record(
    session: Session, kind: RecordKind, record_id: int, body: BaseModel, *, user_id: int
) -> Any:
    """Apply an update body's set fields to a ``kind`` record, attributed to ``user_id``."""
    row = require_record(session, kind, record_id)
    merged = _validated_merge(kind, row, body.model_dump(exclude_unset=True))
    for name, value in merged.items():
        setattr(row, name, value)
    setattr(row, kind.user_column, user_id)
    session.flush()
    return row


def delete_record(session: Session, kind: RecordKind, record_id: int) -> None:
    """Delete a ``kind`` record; raises `NotFoundError` when absent."""
    repository.delete_record(session, require_record(session, kind, record_id))


def list_records(
    session: Session,
    kind: RecordKind,
    animal_id: int,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Sequence[Any]:
    """An animal's ``kind`` records in ``[since, until)``, oldest first; 404 for an unknown animal."""
    require_animal(session, animal_id)
    return repository.list_records(session, kind, animal_id, since=since, until=until)
