"""Request and response bodies of health records: health events, lameness scores and weights.

Times are timezone-aware datetimes (UTC when naive input is given); weights are kilograms.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.health.models import LAMENESS_SCALES

HealthEventKind = Literal["diagnosis", "treatment", "observation"]


def _aware(value: datetime | None) -> datetime | None:
    """``value`` with UTC attached when it has no timezone."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _check_scale(value: int | None) -> int | None:
    """``value`` when it is a known lameness scale top (3 or 5)."""
    if value is not None and value not in LAMENESS_SCALES:
        raise ValueError("scale must be 0-3 or 0-5 (scale_max 3 or 5)")
    return value


class HealthEventFields(BaseModel):
    """Fields shared by create and update of a health event."""

    model_config = ConfigDict(extra="forbid")

    condition: str | None = Field(default=None, max_length=200, description="Diagnosed condition.")
    severity: str | None = Field(default=None, max_length=50, description="e.g. mild, moderate, severe.")
    product: str | None = Field(default=None, max_length=200, description="Treatment product.")
    dose: str | None = Field(default=None, max_length=100, description="Dose with its unit, e.g. '2 ml'.")
    route: str | None = Field(default=None, max_length=100, description="e.g. IM, oral.")
    withdrawal_end: date | None = Field(default=None, description="Last day of the withdrawal period.")
    notes: str | None = Field(default=None, max_length=5000)


class HealthEventCreate(HealthEventFields):
    """A new diagnosis (needs ``condition``), treatment (``product``) or observation (``notes``)."""

    kind: HealthEventKind
    occurred_at: datetime = Field(default_factory=lambda: datetime.now(UTC))

    _aware_time = field_validator("occurred_at")(_aware)

    @model_validator(mode="after")
    def _required_per_kind(self) -> HealthEventCreate:
        required = {"diagnosis": "condition", "treatment": "product", "observation": "notes"}[self.kind]
        if not (getattr(self, required) or "").strip():
            raise ValueError(f"a {self.kind} needs a {required}")
        if self.withdrawal_end is not None and self.kind != "treatment":
            raise ValueError("only a treatment has a withdrawal end date")
        if self.withdrawal_end is not None and self.withdrawal_end < self.occurred_at.date():
            raise ValueError("withdrawal end date is before the treatment date")
        return self


class HealthEventUpdate(HealthEventFields):
    """Fields to change; omitted fields stay. The merged event is validated like a new one."""

    kind: HealthEventKind | None = None
    occurred_at: datetime | None = None

    _aware_time = field_validator("occurred_at")(_aware)


class HealthEventRead(BaseModel):
    """A health event with who recorded (or last changed) it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    animal_id: int
    kind: HealthEventKind
    occurred_at: datetime
    condition: str | None
    severity: str | None
    product: str | None
    dose: str | None
    route: str | None
    withdrawal_end: date | None
    notes: str | None
    recorded_by_id: int | None
    created_at: datetime
    updated_at: datetime


class LamenessScoreCreate(BaseModel):
    """A locomotion score ``0..scale_max`` on a 0-3 or 0-5 scale; the scorer is the signed-in user."""

    model_config = ConfigDict(extra="forbid")

    scored_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    scale_max: int = Field(default=3, description="Top of the scale: 3 (0-3) or 5 (0-5).")
    score: int = Field(ge=0, le=5)
    notes: str | None = Field(default=None, max_length=5000)

    _aware_time = field_validator("scored_at")(_aware)
    _known_scale = field_validator("scale_max")(_check_scale)

    @model_validator(mode="after")
    def _score_in_scale(self) -> LamenessScoreCreate:
        if self.score > self.scale_max:
            raise ValueError(f"score {self.score} is outside the 0-{self.scale_max} scale")
        return self


class LamenessScoreUpdate(BaseModel):
    """Fields to change on a lameness score; the merged score is validated against its scale."""

    model_config = ConfigDict(extra="forbid")

    scored_at: datetime | None = None
    scale_max: int | None = None
    score: int | None = Field(default=None, ge=0, le=5)
    notes: str | None = Field(default=None, max_length=5000)

    _aware_time = field_validator("scored_at")(_aware)
    _known_scale = field_validator("scale_max")(_check_scale)


class LamenessScoreRead(BaseModel):
    """A lameness score and who scored it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    animal_id: int
    scored_at: datetime
    scale_max: int
    score: int
    scorer_id: int | None
    notes: str | None
    created_at: datetime


class WeightCreate(BaseModel):
    """A weighing: ``kg`` in kilograms (0 < kg <= 500)."""

    model_config = ConfigDict(extra="forbid")

    weighed_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    kg: float = Field(gt=0, le=500, description="Body weight in kilograms.")

    _aware_time = field_validator("weighed_at")(_aware)


class WeightUpdate(BaseModel):
    """Fields to change on a weighing."""

    model_config = ConfigDict(extra="forbid")

    weighed_at: datetime | None = None
    kg: float | None = Field(default=None, gt=0, le=500)

    _aware_time = field_validator("weighed_at")(_aware)


class WeightRead(BaseModel):
    """A weighing and who recorded it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    animal_id: int
    weighed_at: datetime
    kg: float
    recorded_by_id: int | None
    created_at: datetime
