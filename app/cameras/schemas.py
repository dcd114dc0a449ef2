"""Request and response bodies of the cameras API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class CameraCreate(BaseModel):
    """A camera over a pen; ``stream_url`` is an RTSP/HTTP URL or a local file path."""

    model_config = ConfigDict(extra="forbid")

    pen_id: int
    name: str = Field(min_length=1, max_length=200)
    stream_url: str = Field(min_length=1, max_length=2000)
    enabled: bool = True


class StreamGapRead(BaseModel):
    """A span without video (``ended_at`` null while ongoing)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    started_at: datetime
    ended_at: datetime | None
    reason: str | None


class CameraRead(BaseModel):
    """A camera and its live status."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    pen_id: int
    name: str
    stream_url: str
    enabled: bool
    status: str
    last_seen_at: datetime | None
    last_error: str | None
    created_at: datetime


class CameraDetail(CameraRead):
    """A camera with its recent stream gaps (newest first)."""

    gaps: list[StreamGapRead] = []
