"""Request and response bodies of the identity routes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class SuggestionRead(BaseModel):
    """A track waiting for a person: its candidate animal and the assignment confidence (0-1)."""

    model_config = ConfigDict(from_attributes=True)

    id: int = Field(description="Track id.")
    chunk_id: int
    candidate_animal_id: int | None
    assignment_confidence: float | None
    assignment_band: str
    start_at: datetime
    end_at: datetime
    thumbnail_urls: list[str] = Field(
        default_factory=list, description="JPEG paths of the track's thumbnails."
    )
    candidate_thumbnail_urls: list[str] = Field(
        default_factory=list,
        description="JPEG paths of the candidate animal's most recent thumbnails (up to 4).",
    )


class ReassignBody(BaseModel):
    """Give the track to this animal."""

    model_config = ConfigDict(extra="forbid")

    animal_id: int


class MergeBody(BaseModel):
    """Merge this animal into the one in the path."""

    model_config = ConfigDict(extra="forbid")

    other_animal_id: int


class SplitBody(BaseModel):
    """Move these tracks of the animal in the path to a new animal."""

    model_config = ConfigDict(extra="forbid")

    track_ids: list[int] = Field(min_length=1)


class IdentityEventRead(BaseModel):
    """One entry of the identity audit trail."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    animal_id: int
    other_animal_id: int | None
    track_id: int | None
    user_id: int | None
    payload: dict[str, Any]
    created_at: datetime
    reverted_at: datetime | None
    reverts_id: int | None
