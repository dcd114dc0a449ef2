"""REST routes of health records: viewers read; vets, managers and admins write.

Per record kind (``health-events``, ``lameness-scores``, ``weights``):
``GET/POST /animals/{animal_id}/<kind>``, ``GET/PATCH/DELETE /<kind>/{record_id}``.
"""

# No ``from __future__ import annotations``: the route factory's annotations must be real classes.

from datetime import datetime
from typing import Any

from fastapi import APIRouter, status
from pydantic import BaseModel

from app.deps import SessionDep, VetUser, ViewerUser
from app.health import service
from app.health.repository import HEALTH_EVENTS, LAMENESS_SCORES, WEIGHTS, RecordKind
from app.health.schemas import (
    HealthEventCreate,
    HealthEventRead,
    HealthEventUpdate,
    LamenessScoreCreate,
    LamenessScoreRead,
    LamenessScoreUpdate,
    WeightCreate,
    WeightRead,
    WeightUpdate,
)

router = APIRouter(tags=["health"])


def _add_collection_routes(
    path: str, kind: RecordKind, create: type[BaseModel], read: type[BaseModel]
) -> None:
    """``GET`` (list, optional ``since``/``until`` bounds) and ``POST`` on ``/animals/{animal_id}/<path>``."""

    def list_for_animal(
        animal_id: int,
        session: SessionDep,
        _: ViewerUser,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[Any]:
        rows = service.list_records(session, kind, animal_id, since=since, until=until)
        return [read.model_validate(row) for row in rows]

    def create_for_animal(animal_id: int, body: create, session: SessionDep, user: VetUser) -> Any:  # type: ignore[valid-type]
        return read.model_validate(service.create_record(session, kind, animal_id, body, user_id=user.id))

    router.add_api_route(
        f"/animals/{{animal_id}}/{path}",
        list_for_animal,
        methods=["GET"],
        response_model=list[read],  # type: ignore[valid-type]
        summary=f"List an animal's {kind.name}s",
        name=f"list_{path}",
    )
    router.add_api_route(
        f"/animals/{{animal_id}}/{path}",
        create_for_animal,
        methods=["POST"],
        response_model=read,
        status_code=status.HTTP_201_CREATED,
        summary=f"Add a {kind.name}",
        name=f"create_{path}",
    )


def _add_item_routes(path: str, kind: RecordKind, update: type[BaseModel], read: type[BaseModel]) -> None:
    """``GET``, ``PATCH`` and ``DELETE`` on ``/<path>/{record_id}``."""

    def get_one(record_id: int, session: SessionDep, _: ViewerUser) -> Any:
        return read.model_validate(service.require_record(session, kind, record_id))

    def update_one(record_id: int, body: update, session: SessionDep, user: VetUser) -> Any:  # type: ignore[valid-type]
        return read.model_validate(service.update_record(session, kind, record_id, body, user_id=user.id))

    def delete_one(record_id: int, session: SessionDep, _: VetUser) -> None:
        service.delete_record(session, kind, record_id)

    item = f"/{path}/{{record_id}}"
    router.add_api_route(item, get_one, methods=["GET"], response_model=read, name=f"get_{path}")
    router.add_api_route(item, update_one, methods=["PATCH"], response_model=read, name=f"update_{path}")
    router.add_api_route(
        item, delete_one, methods=["DELETE"], status_code=status.HTTP_204_NO_CONTENT, name=f"delete_{path}"
    )


for _path, _kind, _create, _update, _read in (
    ("health-events", HEALTH_EVENTS, HealthEventCreate, HealthEventUpdate, HealthEventRead),
    ("lameness-scores", LAMENESS_SCORES, LamenessScoreCreate, LamenessScoreUpdate, LamenessScoreRead),
    ("weights", WEIGHTS, WeightCreate, WeightUpdate, WeightRead),
):
    _add_collection_routes(_path, _kind, _create, _read)
    _add_item_routes(_path, _kind, _update, _read)
