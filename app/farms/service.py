"""Rules for farms, pens and zones. Never commits (the request scope does)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.cameras.models import Camera
from app.errors import ConflictError, NotFoundError
from app.farms import repository
from app.farms.models import Farm, Pen, Zone
from app.farms.schemas import FarmCreate, FarmUpdate, PenCreate, PenUpdate, ZoneWrite


def require_farm(session: Session, farm_id: int) -> Farm:
    """The farm with ``farm_id``; raises `NotFoundError` when absent."""
    farm = repository.get_farm(session, farm_id)
    if farm is None:
        raise NotFoundError.for_id("farm", farm_id)
    return farm


def require_pen(session: Session, pen_id: int) -> Pen:
    """The pen with ``pen_id``; raises `NotFoundError` when absent."""
    pen = repository.get_pen(session, pen_id)
    if pen is None:
        raise NotFoundError.for_id("pen", pen_id)
    return pen


def create_farm(session: Session, data: FarmCreate) -> Farm:
    """Add a farm (names are unique; a clash is a 409 from the database constraint)."""
    farm = Farm(name=data.name)
    session.add(farm)
    session.flush()
    return farm


def update_farm(session: Session, farm_id: int, data: FarmUpdate) -> Farm:
    """Apply the fields set in ``data``."""
    farm = require_farm(session, farm_id)
    for field, value in data.model_dump(exclude_unset=True, exclude_none=True).items():
        setattr(farm, field, value)
    session.flush()
    return farm


def _check_zone_cameras(session: Session, zones: list[ZoneWrite], pen_id: int | None) -> None:
    """Every camera a zone names must exist and (for an existing pen) watch that pen."""
    for camera_id in {z.camera_id for z in zones if z.camera_id is not None}:
        camera = session.get(Camera, camera_id)
        if camera is None:
            raise NotFoundError.for_id("camera", camera_id)
        if pen_id is not None and camera.pen_id != pen_id:
            raise ConflictError(f"camera {camera_id} watches pen {camera.pen_id}, not pen {pen_id}")


def _zone_rows(zones: list[ZoneWrite]) -> list[Zone]:
    names = [z.name for z in zones]
    if len(set(names)) != len(names):
        raise ConflictError("zone names must be unique within a pen", details={"names": names})
    return [
        Zone(kind=z.kind, name=z.name, camera_id=z.camera_id, polygon=[list(p) for p in z.polygon])
        for z in zones
    ]


def create_pen(session: Session, data: PenCreate) -> Pen:
    """Add a pen with its zones to an existing farm."""
    require_farm(session, data.farm_id)
    if any(z.camera_id is not None for z in data.zones):
        raise ConflictError("a new pen has no cameras yet; add zones bound to a camera after adding it")
    pen = Pen(farm_id=data.farm_id, name=data.name, capacity=data.capacity, zones=_zone_rows(data.zones))
    session.add(pen)
    session.flush()
    return pen


def update_pen(session: Session, pen_id: int, data: PenUpdate) -> Pen:
    """Apply the fields set in ``data``; a given ``zones`` list replaces the pen's zones."""
    pen = require_pen(session, pen_id)
    changes = data.model_dump(exclude_unset=True, exclude={"zones"})
    for field, value in changes.items():
        if field == "name" and value is None:
            continue
        setattr(pen, field, value)
    if data.zones is not None:
        _check_zone_cameras(session, data.zones, pen.id)
        pen.zones.clear()
        session.flush()  # delete the old zones before inserting same-named new ones
        pen.zones.extend(_zone_rows(data.zones))
    session.flush()
    return pen
