"""Pages: login, pens overview and the pig page (timeline, records, identity history)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from app.animals.service import require_animal
from app.auth.csrf import verify_csrf
from app.deps import SESSION_USER_KEY, SessionDep
from app.farms.models import Pen
from app.identity import repository as identity_repository
from app.web import queries
from app.web.session import PageUser, login_redirect, render
from app.web.timeline import build_timeline, event_label

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])
DEFAULT_RANGE_DAYS = 90
MAX_RANGE_DAYS = 400
THUMBNAILS_ON_PIG_PAGE = 12


def today_utc() -> date:
    """Today's UTC calendar day."""
    return datetime.now(UTC).date()


def safe_next(target: str | None) -> str:
    """``target`` when it is a local path (no open redirects), else ``/``."""
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


@router.get("/login")
def login_page(request: Request, user: PageUser, next: str | None = None) -> Response:
    """The sign-in form."""
    return render(request, "login.html", user, next=safe_next(next), error=None)


@router.post("/login")
def login_submit(
    request: Request,
    session: SessionDep,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Check the credentials; on success start a session and go to ``next``."""
    from app.auth.service import authenticate_password

    user = authenticate_password(session, email.strip(), password)
    if user is None:
        error = "Wrong email or password."
        return render(
            request, "login.html", None, status_code=401, next=safe_next(next), error=error, email=email
        )
    request.session.clear()
    request.session[SESSION_USER_KEY] = user.id
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request) -> Response:
    """End the session and go to the login page."""
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/")
def pens_page(request: Request, session: SessionDep, user: PageUser) -> Response:
    """Pens overview: animals, today's activity, animals needing attention, cameras, processing queue."""
    if user is None:
        return login_redirect(request)
    today = today_utc()
    return render(request, "pens.html", user, pens=queries.pens_overview(session, today), today=today)


def day_range(
    start: date | None, end: date | None, *, last_day: date, first_day: date | None = None
) -> tuple[date, date]:
    """The inclusive day range; by default the 90 days up to ``last_day`` (last day with data), not before
    ``first_day`` (first day with data). Never longer than 400 days."""
    end = end or last_day
    start = start or max(end - timedelta(days=DEFAULT_RANGE_DAYS - 1), min(first_day or end, end))
    if start > end:
        start, end = end, start
    return max(start, end - timedelta(days=MAX_RANGE_DAYS - 1)), end


@router.get("/pigs/{animal_id}")
def pig_page(
    request: Request,
    animal_id: int,
    session: SessionDep,
    user: PageUser,
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
) -> Response:
    """One pig's timeline over ``from``..``to`` (UTC days), its latest thumbnails up to ``to``, its records
    and identity history."""
    if user is None:
        return login_redirect(request)
    animal = require_animal(session, animal_id)
    last_day = queries.latest_data_day(session, animal.id) or today_utc()
    first_day = queries.first_summary_day(session, animal.id)
    first, last = day_range(start, end, last_day=last_day, first_day=first_day)
    timeline = build_timeline(session, animal, first, last)
    context: dict[str, Any] = {
        "animal": animal,
        "pen": session.get(Pen, animal.pen_id) if animal.pen_id else None,
        "start": first,
        "end": last,
        "presets": [
            (label, last - timedelta(days=n - 1))
            for label, n in (("2 weeks", 14), ("3 months", 90), ("1 year", 365))
        ],
        "figure_json": json.dumps(timeline.figure, separators=(",", ":")),
        "notes": timeline.notes,
        "events": [(e, event_label(e)) for e in reversed(timeline.events)],
        "scores": list(reversed(timeline.scores)),
        "weights": list(reversed(timeline.weights)),
        "alerts": queries.animal_open_alerts(session, animal.id),
        "identity_events": identity_repository.animal_events(session, animal.id, limit=20),
        "thumbnails": queries.recent_thumbnails(
            session, animal.id, before=queries.day_bounds(first, last)[1], limit=THUMBNAILS_ON_PIG_PAGE
        ),
    }
    return render(request, "pig.html", user, **context)
