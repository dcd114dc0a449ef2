"""Thumbnails of tracks as JPEG files: ``GET /media/thumbnails/{id}.jpg`` (viewer+, cookie or API key).

The files live in the media store (`workers.thumbnails` writes them); a thumbnail's id changes whenever its
chunk is processed again, so responses may be cached privately for a day.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse

from app.deps import SessionDep, SettingsDep, ViewerUser
from app.errors import NotFoundError
from app.media.storage import stored_file
from app.tracking.models import TrackThumbnail

router = APIRouter(include_in_schema=False)
CACHE_CONTROL = "private, max-age=86400"


@router.get("/media/thumbnails/{thumbnail_id}.jpg")
def thumbnail_image(
    thumbnail_id: int, session: SessionDep, settings: SettingsDep, _: ViewerUser
) -> FileResponse:
    """The JPEG of one track thumbnail; 404 when the row or its file is gone, 401 when not signed in."""
    row = session.get(TrackThumbnail, thumbnail_id)
    if row is None:
        raise NotFoundError.for_id("thumbnail", thumbnail_id)
    path = stored_file(settings.media_dir, row.media_path)
    return FileResponse(path, media_type="image/jpeg", headers={"Cache-Control": CACHE_CONTROL})
