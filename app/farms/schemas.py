"""Request and response bodies for farms, pens and zones."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

ZoneKind = Literal["feeder", "drinker", "lying"]


class FarmCreate(BaseModel):
    """A new farm."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)


class FarmUpdate(BaseModel):
    """Fields to change on a farm."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)


class FarmRead(BaseModel):
    """A farm."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    created_at: datetime


class ZoneWrite(BaseModel):
    """A pen zone: ``polygon`` is >= 3 ``[x, y]`` points in normalised 0-1 coordinates of ``camera_id``."""

    model_config = ConfigDict(extra="forbid")

    kind: ZoneKind
    name: str = Field(min_length=1, max_length=200)
    polygon: list[tuple[float, float]] = Field(min_length=3)
    camera_id: int | None = None

    @field_validator("polygon")
    @classmethod
    def _points_in_unit_square(cls, polygon: list[tuple[float, float]]) -> list[tuple[float, float]]:
        for x, y in polygon:
            if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
                raise ValueError(f"point ({x}, {y}) is outside the normalised 0-1 frame")
        return polygon


class ZoneRead(ZoneWrite):
    """A stored zone."""

    model_config = ConfigDict(from_attributes=True)

    id: int


class PenCreate(BaseModel):
    """A new pen with its zones."""

    model_config = ConfigDict(extra="forbid")

    farm_id: int
    name: str = Field(min_length=1, max_length=200)
    capacity: int | None = Field(default=None, gt=0)
    zones: list[ZoneWrite] = Field(default_factory=list)


class PenUpdate(BaseModel):
    """Fields to change on a pen; ``zones``, when given, replaces all of the pen's zones."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    capacity: int | None = Field(default=None, gt=0)
    zones: list[ZoneWrite] | None = None


class PenRead(BaseModel):
    """A pen with its zones."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    farm_id: int
    name: str
    capacity: int | None
    created_at: datetime
    zones: list[ZoneRead]
