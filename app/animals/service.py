"""Rules for animals. Never commits (the request scope does)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.animals import repository
from app.animals.models import Animal
from app.animals.schemas import AnimalCreate, AnimalUpdate
from app.errors import ConflictError, NotFoundError
from app.farms.service import require_pen


def require_animal(session: Session, animal_id: int) -> Animal:
    """The animal with ``animal_id``; raises `NotFoundError` when absent."""
    animal = repository.get_animal(session, animal_id)
    if animal is None:
        raise NotFoundError.for_id("animal", animal_id)
    return animal


def _check_ear_tag_free(session: Session, ear_tag: str | None, *, own_id: int | None = None) -> None:
    if ear_tag is None:
        return
    other = repository.get_animal_by_ear_tag(session, ear_tag)
    if other is not None and other.id != own_id:
        raise ConflictError(f"ear tag {ear_tag!r} already belongs to animal {other.id}")


def create_animal(session: Session, data: AnimalCreate) -> Animal:
    """Add an animal (pen must exist; ear tags are unique)."""
    if data.pen_id is not None:
        require_pen(session, data.pen_id)
    _check_ear_tag_free(session, data.ear_tag)
    animal = Animal(**data.model_dump())
    session.add(animal)
    session.flush()
    return animal


def update_animal(session: Session, animal_id: int, data: AnimalUpdate) -> Animal:
    """Apply the fields set in ``data`` (sex and status cannot be set to null)."""
    animal = require_animal(session, animal_id)
    changes = data.model_dump(exclude_unset=True)
    if changes.get("pen_id") is not None:
        require_pen(session, changes["pen_id"])
    _check_ear_tag_free(session, changes.get("ear_tag"), own_id=animal.id)
    for field, value in changes.items():
        if field in ("sex", "status") and value is None:
            continue
        setattr(animal, field, value)
    session.flush()
    return animal
