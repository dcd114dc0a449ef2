"""Request and response bodies for animals."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

AnimalStatus = Literal["healthy", "suspicious", "ill", "in_treatment", "to_be_culled"]
Sex = Literal["female", "male", "castrated_male", "unknown"]


class AnimalCreate(BaseModel):
    """A new animal."""

    model_config = ConfigDict(extra="forbid")

    pen_id: int | None = None
    ear_tag: str | None = Field(default=None, min_length=1, max_length=100)
    name: str | None = Field(default=None, max_length=200)
    sex: Sex = "unknown"
    birth_date: date | None = None
    status: AnimalStatus = "healthy"


class AnimalUpdate(BaseModel):
    """Fields to change on an animal; omitted fields stay as they are."""

    model_config = ConfigDict(extra="forbid")

    pen_id: int | None = None
    ear_tag: str | None = Field(default=None, min_length=1, max_length=100)
    name: str | None = Field(default=None, max_length=200)
    sex: Sex | None = None
    birth_date: date | None = None
    status: AnimalStatus | None = None


class AnimalRead(BaseModel):
    """An animal."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    pen_id: int | None
    ear_tag: str | None
    name: str | None
    sex: Sex
    birth_date: date | None
    status: AnimalStatus
    merged_into_id: int | None
    created_at: datetime
