"""Response bodies for daily summaries and the pig-page timeline."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from app.animals.schemas import AnimalRead
from app.summaries.compute import DAY_S

SAMPLING_NOTE = (
    "Days are UTC. Video may be sampled: observed_s seconds of the day (coverage = observed_s / 86400) "
    "were analysed; behaviour seconds and visits count only observed time, so compare days by rates per "
    "observed hour."
)


class SummaryRead(BaseModel):
    """One animal's UTC day; seconds per behaviour, visits and dwell (s), activity index in [0, 1]."""

    model_config = ConfigDict(from_attributes=True)

    animal_id: int
    ear_tag: str | None = None
    day: date
    observed_s: float
    coverage: float = 0.0
    behaviour_seconds: dict[str, float]
    feeder_visits: int
    feeder_dwell_s: float
    drinker_visits: int
    drinker_dwell_s: float
    activity_index: float | None


class SummaryPage(BaseModel):
    """One page of daily summaries ordered by day then animal."""

    items: list[SummaryRead]
    total: int
    limit: int
    offset: int
    sampling: str = SAMPLING_NOTE


class TimelineDay(BaseModel):
    """One day of the pig page: its summary (when any) and the identity confidence of its tracks."""

    day: date
    observed_s: float = 0.0
    coverage: float = 0.0
    behaviour_hours: dict[str, float] = {}
    activity_index: float | None = None
    feeder_visits: int = 0
    feeder_dwell_s: float = 0.0
    drinker_visits: int = 0
    drinker_dwell_s: float = 0.0
    identity_confidence: float | None = None
    identity_tracks: int = 0


class TimelineWeight(BaseModel):
    """A weighing (kg)."""

    weighed_at: datetime
    kg: float


class Growth(BaseModel):
    """Average daily gain (kg/day) over the range: the animal's and the mean of its pen's animals'."""

    adg_kg_per_day: float | None
    pen_adg_kg_per_day: float | None
    pen_animals_with_adg: int


class TimelineLameness(BaseModel):
    """A lameness score; ``lame`` when score / scale_max >= 1/3 (1+ on 0-3, 2+ on 0-5)."""

    scored_at: datetime
    score: int
    scale_max: int
    lame: bool
    scorer_id: int | None
    notes: str | None


class TimelineHealthEvent(BaseModel):
    """A diagnosis, treatment (withdrawal end) or observation."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    occurred_at: datetime
    condition: str | None
    severity: str | None
    product: str | None
    dose: str | None
    route: str | None
    withdrawal_end: date | None
    notes: str | None
    recorded_by_id: int | None


class TimelineAlert(BaseModel):
    """An alert whose episode starts in the range."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    day: date
    status: str


class Timeline(BaseModel):
    """Everything the pig page draws for ``from_day..to_day`` (inclusive, UTC days)."""

    animal: AnimalRead
    from_day: date
    to_day: date
    sampling: str = SAMPLING_NOTE
    day_seconds: float = DAY_S
    days: list[TimelineDay]
    weights: list[TimelineWeight]
    growth: Growth
    lameness: list[TimelineLameness]
    health_events: list[TimelineHealthEvent]
    alerts: list[TimelineAlert]


class RecomputeRequest(BaseModel):
    """Recompute the summaries (then evaluate alerts) of a pen's animals or of given animals over UTC days."""

    model_config = ConfigDict(extra="forbid")

    pen_id: int | None = None
    animal_ids: list[int] = Field(default_factory=list, max_length=1000)
    from_day: date
    to_day: date


class RecomputeResult(BaseModel):
    """How much a recompute wrote."""

    animals: int
    days: int
    summaries: int
    alerts: int
