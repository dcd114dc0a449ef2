"""Request and response bodies for alerts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

AlertKind = Literal["feeding", "drinking", "activity"]
AlertStatus = Literal["open", "confirmed", "dismissed"]


class AlertRead(BaseModel):
    """A "needs attention" alert; ``day`` is the first day of its episode (UTC)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    animal_id: int
    ear_tag: str | None = None
    pen_id: int | None = None
    kind: AlertKind
    day: date
    status: AlertStatus
    evidence: dict[str, Any]
    health_event_id: int | None
    decided_by_id: int | None
    decided_at: datetime | None
    created_at: datetime


class AlertPage(BaseModel):
    """One page of alerts, newest episode first."""

    items: list[AlertRead]
    total: int
    limit: int
    offset: int


class AlertConfirm(BaseModel):
    """Confirm: link an existing health event of the animal, or (when omitted) create an observation."""

    model_config = ConfigDict(extra="forbid")

    health_event_id: int | None = None
    notes: str | None = Field(default=None, max_length=2000)


class AlertDismiss(BaseModel):
    """Dismiss, with an optional reason kept in the alert's evidence."""

    model_config = ConfigDict(extra="forbid")

    notes: str | None = Field(default=None, max_length=2000)
