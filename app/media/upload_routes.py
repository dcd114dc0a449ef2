"""Resumable upload routes (managers): open, send bytes at an offset, inspect, finish, cancel.

Protocol: ``POST /uploads`` -> token; ``PATCH /uploads/{token}`` with header ``Upload-Offset: N`` and the next
bytes as the body (409 with the right offset when N is wrong); ``GET`` tells the offset after a dropped
connection; ``POST /uploads/{token}/finish`` probes the file and registers it like a one-shot upload.
"""

from __future__ import annotations

import shutil
from typing import Annotated

from fastapi import APIRouter, Header, Request, Response, status
from fastapi.concurrency import run_in_threadpool

from app.deps import ManagerUser, SessionDep, SettingsDep
from app.errors import AppError
from app.farms.service import require_pen
from app.media import repository
from app.media.resumable import ResumableStore, UploadSession
from app.media.routes import TaskSenderDep, recording_detail, register_stored_upload, send_after_commit
from app.media.schemas import RecordingDetail, UploadCreate, UploadRead
from app.media.storage import PayloadTooLargeError, new_media_path

router = APIRouter(tags=["recordings"])


def _read(store: ResumableStore, upload: UploadSession) -> UploadRead:
    return UploadRead(
        token=upload.token, pen_id=upload.pen_id, camera_id=upload.camera_id, filename=upload.filename,
        size_bytes=upload.size_bytes, offset=store.offset(upload.token),
    )  # fmt: skip


@router.post("/uploads", status_code=status.HTTP_201_CREATED)
def open_upload(
    body: UploadCreate, session: SessionDep, settings: SettingsDep, user: ManagerUser
) -> UploadRead:
    """Open a resumable upload (the declared size must be within the upload limit)."""
    if body.size_bytes > settings.max_upload_bytes:
        raise PayloadTooLargeError(f"upload is larger than the limit of {settings.max_upload_bytes} bytes")
    require_pen(session, body.pen_id)
    store = ResumableStore(settings.media_dir)
    upload = store.create(
        pen_id=body.pen_id, camera_id=body.camera_id, filename=body.filename, size_bytes=body.size_bytes,
        started_at=body.started_at, user_id=user.id,
    )  # fmt: skip
    return _read(store, upload)


@router.get("/uploads/{token}")
def get_upload(token: str, settings: SettingsDep, _: ManagerUser) -> UploadRead:
    """The upload and how many bytes have arrived (resume from ``offset``)."""
    store = ResumableStore(settings.media_dir)
    return _read(store, store.load(token))


@router.patch("/uploads/{token}")
async def append_upload(
    token: str,
    request: Request,
    settings: SettingsDep,
    _: ManagerUser,
    upload_offset: Annotated[int, Header(alias="Upload-Offset", ge=0)],
) -> UploadRead:
    """Append the request body at ``Upload-Offset`` (must equal the bytes received so far)."""
    store = ResumableStore(settings.media_dir)
    await store.append(token, request.stream(), offset=upload_offset)
    return _read(store, store.load(token))


@router.post("/uploads/{token}/finish", status_code=status.HTTP_201_CREATED)
async def finish_upload(
    token: str, session: SessionDep, settings: SettingsDep, _: ManagerUser, sender: TaskSenderDep
) -> RecordingDetail:
    """Probe the complete file and register it as a recording with chunks; the session is removed."""
    store = ResumableStore(settings.media_dir)
    upload, part = store.load(token), store.complete_file(token)
    relative, absolute = new_media_path(settings.media_dir, kind="uploads", filename=upload.filename)
    shutil.move(part, absolute)
    try:
        recording, chunk_ids = await run_in_threadpool(
            register_stored_upload, session, settings, relative=relative, size=upload.size_bytes,
            pen_id=upload.pen_id, camera_id=upload.camera_id, started_at=upload.started_at,
            filename=upload.filename, user_id=upload.user_id,
        )  # fmt: skip
    except AppError:
        store.discard(token)  # the file was refused (and deleted): the session cannot be finished
        raise
    store.discard(token)
    send_after_commit(sender, chunk_ids)
    return recording_detail(recording, repository.chunks_of(session, [recording.id])[recording.id])


@router.delete("/uploads/{token}", status_code=status.HTTP_204_NO_CONTENT)
def cancel_upload(token: str, settings: SettingsDep, _: ManagerUser) -> Response:
    """Abandon an upload and delete what arrived."""
    store = ResumableStore(settings.media_dir)
    store.load(token)
    store.discard(token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
