"""REST routes for cameras: viewers read (with stream gaps), managers add."""

from __future__ import annotations

from fastapi import APIRouter, status

from app.cameras import service
from app.cameras.schemas import CameraCreate, CameraDetail, CameraRead, StreamGapRead
from app.deps import ManagerUser, SessionDep, ViewerUser

router = APIRouter(tags=["cameras"])


@router.get("/cameras")
def list_cameras(session: SessionDep, _: ViewerUser, pen_id: int | None = None) -> list[CameraRead]:
    """Cameras, optionally of one pen."""
    return [CameraRead.model_validate(c) for c in service.list_cameras(session, pen_id=pen_id)]


@router.post("/cameras", status_code=status.HTTP_201_CREATED)
def create_camera(body: CameraCreate, session: SessionDep, _: ManagerUser) -> CameraRead:
    """Add a camera (start recording it with ``pigwatch record --camera ID``)."""
    camera = service.create_camera(
        session, pen_id=body.pen_id, name=body.name, stream_url=body.stream_url, enabled=body.enabled
    )
    return CameraRead.model_validate(camera)


@router.get("/cameras/{camera_id}")
def get_camera(camera_id: int, session: SessionDep, _: ViewerUser) -> CameraDetail:
    """One camera with its recent stream gaps."""
    camera = service.require_camera(session, camera_id)
    gaps = [StreamGapRead.model_validate(g) for g in service.gaps_of(session, camera_id)]
    return CameraDetail(**CameraRead.model_validate(camera).model_dump(), gaps=gaps)
