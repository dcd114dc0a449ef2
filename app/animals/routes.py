"""REST routes for animals: viewers read, managers write."""

from __future__ import annotations

from fastapi import APIRouter, status

from app.animals import repository, service
from app.animals.schemas import AnimalCreate, AnimalRead, AnimalStatus, AnimalUpdate
from app.deps import ManagerUser, SessionDep, ViewerUser

router = APIRouter(tags=["animals"])


@router.get("/animals")
def list_animals(
    session: SessionDep,
    _: ViewerUser,
    pen_id: int | None = None,
    status: AnimalStatus | None = None,
    include_merged: bool = False,
) -> list[AnimalRead]:
    """Animals, optionally filtered by pen and status."""
    rows = repository.list_animals(session, pen_id=pen_id, status=status, include_merged=include_merged)
    return [AnimalRead.model_validate(a) for a in rows]


@router.post("/animals", status_code=status.HTTP_201_CREATED)
def create_animal(body: AnimalCreate, session: SessionDep, _: ManagerUser) -> AnimalRead:
    """Add an animal."""
    return AnimalRead.model_validate(service.create_animal(session, body))


@router.get("/animals/{animal_id}")
def get_animal(animal_id: int, session: SessionDep, _: ViewerUser) -> AnimalRead:
    """One animal."""
    return AnimalRead.model_validate(service.require_animal(session, animal_id))


@router.patch("/animals/{animal_id}")
def update_animal(animal_id: int, body: AnimalUpdate, session: SessionDep, _: ManagerUser) -> AnimalRead:
    """Change an animal's pen, ear tag, name, sex, birth date or status."""
    return AnimalRead.model_validate(service.update_animal(session, animal_id, body))
