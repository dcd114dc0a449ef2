"""REST routes of behaviour summaries (``/api/summaries/...``) and the pig-page timeline
(``/api/animals/{id}/timeline``); viewers and above, by session cookie or API key."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.alerts.service import evaluate_after_recompute
from app.animals.service import require_animal
from app.deps import ManagerUser, SessionDep, ViewerUser
from app.errors import AppError
from app.farms.service import require_pen
from app.summaries import repository
from app.summaries.compute import DAY_S
from app.summaries.csvfmt import SUMMARY_COLUMNS, csv_response, summary_row, wants_csv
from app.summaries.schemas import RecomputeRequest, RecomputeResult, SummaryPage, SummaryRead, Timeline
from app.summaries.service import recompute_range
from app.summaries.timeline import animal_timeline

router = APIRouter(tags=["summaries"])

MAX_RANGE_DAYS = 731
"""Longest day range one timeline request may ask for (two years)."""
DEFAULT_TIMELINE_DAYS = 90

FromDay = Query(None, alias="from", description="first UTC day (inclusive), YYYY-MM-DD")
ToDay = Query(None, alias="to", description="last UTC day (inclusive), YYYY-MM-DD")
Format = Query(None, description="json (default) or csv; Accept: text/csv also selects CSV")


class RangeError(AppError):
    """A day range that is reversed or too long (422)."""

    status_code = 422
    code = "validation_error"


def _check_range(first: date | None, last: date | None) -> None:
    if first is not None and last is not None and first > last:
        raise RangeError(f"from ({first}) is after to ({last})", details={"from": first, "to": last})


def _page(
    request: Request, session: SessionDep, query: repository.AnySelect, *, limit: int, offset: int,
    fmt: str | None, filename: str,
) -> SummaryPage | Response:  # fmt: skip
    rows, total = repository.page_of_summaries(session, query, limit=limit, offset=offset)
    items = [
        SummaryRead.model_validate(s).model_copy(update={"ear_tag": tag, "coverage": s.observed_s / DAY_S})
        for s, tag in rows
    ]
    if wants_csv(request, fmt):
        headers = {"X-Total-Count": str(total)}
        return csv_response(SUMMARY_COLUMNS, map(summary_row, items), filename=filename, headers=headers)
    return SummaryPage(items=items, total=total, limit=limit, offset=offset)


@router.get("/summaries/animals/{animal_id}", response_model=SummaryPage)
def animal_summaries(
    animal_id: int, request: Request, session: SessionDep, _: ViewerUser,
    first: date | None = FromDay, last: date | None = ToDay, format: Literal["json", "csv"] | None = Format,
    limit: int = Query(366, ge=1, le=5000), offset: int = Query(0, ge=0),
) -> SummaryPage | Response:  # fmt: skip
    """One animal's daily summaries in ``from..to`` (inclusive), by day; JSON or CSV (``X-Total-Count``)."""
    require_animal(session, animal_id)
    _check_range(first, last)
    query = repository.summaries_query(animal_ids=[animal_id], first=first, last=last)
    return _page(request, session, query, limit=limit, offset=offset, fmt=format,
                 filename=f"summaries-animal-{animal_id}.csv")  # fmt: skip


@router.get("/summaries/pens/{pen_id}", response_model=SummaryPage)
def pen_summaries(
    pen_id: int, request: Request, session: SessionDep, _: ViewerUser,
    first: date | None = FromDay, last: date | None = ToDay, format: Literal["json", "csv"] | None = Format,
    animal_id: int | None = None, min_observed_s: float = Query(0.0, ge=0),
    limit: int = Query(1000, ge=1, le=5000), offset: int = Query(0, ge=0),
) -> SummaryPage | Response:  # fmt: skip
    """Daily summaries of the animals in a pen (optionally one animal, or days observed at least
    ``min_observed_s`` seconds), by day then animal; JSON or CSV."""
    require_pen(session, pen_id)
    _check_range(first, last)
    animals = repository.pen_animal_ids(pen_id)
    query = repository.summaries_query(animal_ids=animals, first=first, last=last)
    query = repository.filter_summaries(query, animal_id=animal_id, min_observed_s=min_observed_s)
    return _page(request, session, query, limit=limit, offset=offset, fmt=format,
                 filename=f"summaries-pen-{pen_id}.csv")  # fmt: skip


def timeline_range(first: date | None, last: date | None) -> tuple[date, date]:
    """The inclusive day range of a timeline request: default the last `DEFAULT_TIMELINE_DAYS` up to today."""
    last = last or (first + timedelta(days=DEFAULT_TIMELINE_DAYS - 1) if first else datetime.now(UTC).date())
    first = first or last - timedelta(days=DEFAULT_TIMELINE_DAYS - 1)
    _check_range(first, last)
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        raise RangeError(f"range is longer than {MAX_RANGE_DAYS} days", details={"from": first, "to": last})
    return first, last


@router.get("/animals/{animal_id}/timeline", response_model=Timeline, response_class=Response)
def get_timeline(
    animal_id: int,
    session: SessionDep,
    _: ViewerUser,
    first: date | None = FromDay,
    last: date | None = ToDay,
) -> Response:
    """Everything the pig page needs for ``from..to`` (default: the last 90 days): daily budgets, visits,
    identity confidence per day, weights with ADG against the pen's, lameness, health events, alerts."""
    first, last = timeline_range(first, last)
    timeline = animal_timeline(session, animal_id, first, last)
    # serialised once here: the model is already validated, FastAPI would validate it a second time
    return Response(timeline.model_dump_json(), media_type="application/json")


@router.post("/summaries/recompute")
def recompute_summaries(body: RecomputeRequest, session: SessionDep, _: ManagerUser) -> RecomputeResult:
    """Recompute daily summaries and evaluate alerts for a pen's animals and/or listed animals over
    ``from_day..to_day`` (at most 366 days), e.g. after merging or reassigning identities."""
    first, last = body.from_day, body.to_day
    _check_range(first, last)
    if (last - first).days + 1 > 366:
        raise RangeError("range is longer than 366 days", details={"from": first, "to": last})
    animal_ids = set(body.animal_ids)
    for animal_id in animal_ids:
        require_animal(session, animal_id)
    if body.pen_id is not None:
        require_pen(session, body.pen_id)
        animal_ids |= set(session.scalars(repository.pen_animal_ids(body.pen_id)))
    written = recompute_range(session, animal_ids, first, last)
    days = {first + timedelta(days=i) for i in range((last - first).days + 1)}
    alerts = evaluate_after_recompute(session, dict.fromkeys(animal_ids, days))
    return RecomputeResult(animals=len(animal_ids), days=len(days), summaries=written, alerts=alerts)
