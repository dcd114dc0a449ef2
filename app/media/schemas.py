"""Request and response bodies of the recordings and jobs API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class ChunkRead(BaseModel):
    """One chunk: its span (seconds from the recording's start), status, attempts and progress in [0, 1]."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    recording_id: int
    index: int
    start_s: float
    end_s: float
    status: str
    attempts: int
    progress: float
    error: str | None
    started_at: datetime | None
    finished_at: datetime | None


class RecordingRead(BaseModel):
    """A recording with its overall progress (mean over chunks, done counts 1) and chunk counts by status."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    pen_id: int
    camera_id: int | None
    source: str
    original_filename: str | None
    size_bytes: int | None
    container: str | None
    codec: str | None
    width: int | None
    height: int | None
    fps: float | None
    duration_s: float | None
    n_frames: int | None
    started_at: datetime
    status: str
    error: str | None
    created_at: datetime
    progress: float = 0.0
    chunk_counts: dict[str, int] = {}


class RecordingDetail(RecordingRead):
    """A recording and every chunk of it."""

    chunks: list[ChunkRead] = []


class JobsRead(BaseModel):
    """The processing queue: chunk counts by status and the chunks listed (oldest first)."""

    counts: dict[str, int]
    chunks: list[ChunkRead]


class UploadCreate(BaseModel):
    """Open a resumable upload of ``size_bytes`` bytes for a pen."""

    model_config = ConfigDict(extra="forbid")

    pen_id: int
    size_bytes: int = Field(gt=0)
    camera_id: int | None = None
    filename: str | None = Field(default=None, max_length=500)
    started_at: datetime | None = None


class UploadRead(BaseModel):
    """A resumable upload: send the next bytes at ``offset`` (``PATCH`` with an ``Upload-Offset`` header)."""

    model_config = ConfigDict(from_attributes=True)

    token: str
    pen_id: int
    camera_id: int | None
    filename: str | None
    size_bytes: int
    offset: int
