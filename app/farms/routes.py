"""REST routes for farms and pens (with zones): viewers read, managers write."""

from __future__ import annotations

from fastapi import APIRouter, status

from app.deps import ManagerUser, SessionDep, ViewerUser
from app.farms import repository, service
from app.farms.schemas import FarmCreate, FarmRead, FarmUpdate, PenCreate, PenRead, PenUpdate

router = APIRouter(tags=["farms"])


@router.get("/farms")
def list_farms(session: SessionDep, _: ViewerUser) -> list[FarmRead]:
    """Every farm."""
    return [FarmRead.model_validate(f) for f in repository.list_farms(session)]


@router.post("/farms", status_code=status.HTTP_201_CREATED)
def create_farm(body: FarmCreate, session: SessionDep, _: ManagerUser) -> FarmRead:
    """Add a farm."""
    return FarmRead.model_validate(service.create_farm(session, body))


@router.get("/farms/{farm_id}")
def get_farm(farm_id: int, session: SessionDep, _: ViewerUser) -> FarmRead:
    """One farm."""
    return FarmRead.model_validate(service.require_farm(session, farm_id))


@router.patch("/farms/{farm_id}")
def update_farm(farm_id: int, body: FarmUpdate, session: SessionDep, _: ManagerUser) -> FarmRead:
    """Rename a farm."""
    return FarmRead.model_validate(service.update_farm(session, farm_id, body))


@router.get("/pens")
def list_pens(session: SessionDep, _: ViewerUser, farm_id: int | None = None) -> list[PenRead]:
    """Pens with their zones, optionally of one farm."""
    return [PenRead.model_validate(p) for p in repository.list_pens(session, farm_id=farm_id)]


@router.post("/pens", status_code=status.HTTP_201_CREATED)
def create_pen(body: PenCreate, session: SessionDep, _: ManagerUser) -> PenRead:
    """Add a pen with its zones."""
    return PenRead.model_validate(service.create_pen(session, body))


@router.get("/pens/{pen_id}")
def get_pen(pen_id: int, session: SessionDep, _: ViewerUser) -> PenRead:
    """One pen with its zones."""
    return PenRead.model_validate(service.require_pen(session, pen_id))


@router.patch("/pens/{pen_id}")
def update_pen(pen_id: int, body: PenUpdate, session: SessionDep, _: ManagerUser) -> PenRead:
    """Change a pen; ``zones``, when given, replaces all of its zones."""
    return PenRead.model_validate(service.update_pen(session, pen_id, body))
