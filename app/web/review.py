"""Pages where a person decides: identity review (re-ID suggestions) and alerts (confirm or dismiss).

Identity actions go through `app.identity.actions` (audit trail, reversible) and need a manager; alert
decisions need a vet.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.animals.models import Animal
from app.auth.csrf import verify_csrf
from app.deps import SessionDep
from app.errors import AppError, NotFoundError
from app.health import service as health_service
from app.health.models import HealthEvent
from app.health.repository import HEALTH_EVENTS
from app.health.schemas import HealthEventCreate
from app.identity import actions
from app.identity import repository as identity_repository
from app.summaries.models import Alert, DailySummary
from app.web import charts, queries
from app.web.forms import field_errors
from app.web.session import PageUser, login_redirect, refuse, render
from models.reid.pool import PoolPolicy

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])
POLICY = PoolPolicy()
EVIDENCE_DAYS = 14
CANDIDATE_THUMBNAILS = 4
ALERT_METRICS: dict[str, tuple[str, Callable[[DailySummary], float | None]]] = {
    "feeding": ("feeder visits/day", lambda s: float(s.feeder_visits)),
    "drinking": ("drinker visits/day", lambda s: float(s.drinker_visits)),
    "activity": ("activity index", lambda s: s.activity_index),
}


def failed(request: Request, user: Any, error: AppError) -> Response:
    """A page explaining why an action was refused (conflict, not found...)."""
    return render(
        request, "message.html", user, status_code=error.status_code, title="Not done", message=error.message
    )


@router.get("/identity")
def identity_page(request: Request, session: SessionDep, user: PageUser) -> Response:
    """Suggestions the re-ID could not settle beside their candidate pig (the track's thumbnails beside the
    candidate's most recent ones); merge/split forms; audit trail."""
    if user is None:
        return login_redirect(request)
    tracks = identity_repository.suggested_tracks(session, pen_id=None, limit=100)
    ids = {t.candidate_animal_id for t in tracks if t.candidate_animal_id is not None}
    candidates = {a.id: a for a in session.scalars(select(Animal).where(Animal.id.in_(ids)))}
    animals = session.scalars(select(Animal).where(Animal.merged_into_id.is_(None)).order_by(Animal.id)).all()
    events = identity_repository.animal_events(session, None, limit=30)
    suggestions = [(t, candidates.get(t.candidate_animal_id or 0)) for t in tracks]
    images = queries.review_images(session, tracks, per_candidate=CANDIDATE_THUMBNAILS)
    return render(
        request, "identity.html", user, suggestions=suggestions, animals=animals, events=events,
        track_images=images.tracks, candidate_images=images.candidates,
    )  # fmt: skip


def run_identity_action(request: Request, user: Any, action: Callable[[], Any]) -> Response:
    """Run an identity action as a manager; back to the review page, or a page saying why not."""
    if (refused := refuse(request, user, "manager")) is not None:
        return refused
    try:
        action()
    except AppError as error:
        return failed(request, user, error)
    return RedirectResponse("/identity", status_code=303)


@router.post("/identity/tracks/{track_id}/{decision}")
def decide_track(
    request: Request, track_id: int, decision: str, session: SessionDep, user: PageUser
) -> Response:
    """Confirm or reject a suggestion (``decision`` is ``confirm`` or ``reject``)."""
    if user is None:
        return login_redirect(request)
    if decision not in ("confirm", "reject"):
        raise NotFoundError(f"unknown decision {decision!r}")
    if decision == "confirm":
        return run_identity_action(
            request, user, lambda: actions.confirm(session, track_id, user_id=user.id, policy=POLICY)
        )
    return run_identity_action(request, user, lambda: actions.reject(session, track_id, user_id=user.id))


@router.post("/identity/merge")
def merge(
    request: Request,
    session: SessionDep,
    user: PageUser,
    animal_id: Annotated[int, Form()],
    other_animal_id: Annotated[int, Form()],
) -> Response:
    """Merge ``other_animal_id`` into ``animal_id``."""
    if user is None:
        return login_redirect(request)
    act = lambda: actions.merge(session, animal_id, other_animal_id, user_id=user.id, policy=POLICY)  # noqa: E731
    return run_identity_action(request, user, act)


@router.post("/identity/split")
def split(
    request: Request,
    session: SessionDep,
    user: PageUser,
    animal_id: Annotated[int, Form()],
    track_ids: Annotated[str, Form()] = "",
) -> Response:
    """Split the listed tracks (comma or space separated ids) off ``animal_id`` into a new pig."""
    if user is None:
        return login_redirect(request)
    ids = [int(t) for t in track_ids.replace(",", " ").split() if t.isdigit()]
    return run_identity_action(request, user, lambda: actions.split(session, animal_id, ids, user_id=user.id))


@router.post("/identity/events/{event_id}/revert")
def revert(request: Request, event_id: int, session: SessionDep, user: PageUser) -> Response:
    """Undo an identity action."""
    if user is None:
        return login_redirect(request)
    return run_identity_action(request, user, lambda: actions.revert(session, event_id, user_id=user.id))


def evidence_figure(alert: Alert, own: list[DailySummary], pen: list[DailySummary]) -> dict[str, Any]:
    """The alert's metric for the animal and the pen's daily mean over the days before the alert."""
    label, metric = ALERT_METRICS[alert.kind]
    pen_days: dict[date, list[float]] = defaultdict(list)
    for s in pen:
        if (value := metric(s)) is not None:
            pen_days[s.day].append(value)
    days = sorted(pen_days)
    start = alert.day - timedelta(days=EVIDENCE_DAYS - 1)
    layout = charts.stacked_layout([charts.Row(label)], start=start, end=alert.day, height_px=240)
    layout["xaxis"].pop("rangeselector")
    layout["legend"]["y"], layout["margin"]["b"] = -0.35, 70
    layout["shapes"] = [charts.span_shape(alert.day, alert.day + timedelta(days=1), colour="#c62828")]
    data = [
        charts.line_trace(
            "This pig", [s.day for s in own], [metric(s) for s in own], row=0, colour="#c62828"
        ),
        charts.line_trace(
            "Pen mean",
            days,
            [sum(v) / len(v) for v in pen_days.values()],
            row=0,
            colour="#9e9e9e",
            dash="dash",
        ),
    ]
    return {"data": data, "layout": layout}


def alert_cards(session: Session) -> list[dict[str, Any]]:
    """Open alerts with animal, evidence figure JSON and the animal's recent health events."""
    cards = []
    for alert, animal in queries.open_alerts(session):
        start = alert.day - timedelta(days=EVIDENCE_DAYS - 1)
        pen_ids = (
            [a.id for a in session.scalars(select(Animal).where(Animal.pen_id == animal.pen_id))]
            if animal.pen_id
            else [animal.id]
        )
        summaries = queries.daily_summaries(session, pen_ids, start, alert.day)
        own = [s for s in summaries if s.animal_id == animal.id]
        figure = evidence_figure(alert, own, summaries)
        events = session.scalars(
            select(HealthEvent)
            .where(HealthEvent.animal_id == animal.id)
            .order_by(HealthEvent.occurred_at.desc())
            .limit(10)
        ).all()
        cards.append({"alert": alert, "animal": animal, "figure_json": json.dumps(figure), "events": events})
    return cards


@router.get("/alerts")
def alerts_page(request: Request, session: SessionDep, user: PageUser) -> Response:
    """Open alerts ("needs attention") with their evidence charts and confirm/dismiss forms."""
    if user is None:
        return login_redirect(request)
    return render(request, "alerts.html", user, cards=alert_cards(session), errors={})


def require_open_alert(session: Session, alert_id: int) -> Alert:
    """The alert; `NotFoundError` when absent."""
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise NotFoundError.for_id("alert", alert_id)
    return alert


def decide_alert(alert: Alert, status: str, user_id: int, health_event_id: int | None = None) -> None:
    """Record a person's decision on an alert."""
    alert.status, alert.decided_by_id, alert.decided_at = status, user_id, datetime.now(UTC)
    alert.health_event_id = health_event_id


@router.post("/alerts/{alert_id}/dismiss")
def dismiss_alert(request: Request, alert_id: int, session: SessionDep, user: PageUser) -> Response:
    """Dismiss an alert (a vet or above)."""
    if user is None:
        return login_redirect(request)
    alert = require_open_alert(session, alert_id)
    if (refused := refuse(request, user, "vet")) is not None:
        return refused
    decide_alert(alert, "dismissed", user.id)
    return RedirectResponse("/alerts", status_code=303)


@router.post("/alerts/{alert_id}/confirm")
def confirm_alert(
    request: Request,
    alert_id: int,
    session: SessionDep,
    user: PageUser,
    health_event_id: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "diagnosis",
    condition: Annotated[str, Form()] = "",
    notes: Annotated[str, Form()] = "",
) -> Response:
    """Confirm an alert, linking an existing health event of the pig or creating a new one."""
    if user is None:
        return login_redirect(request)
    alert = require_open_alert(session, alert_id)
    if (refused := refuse(request, user, "vet")) is not None:
        return refused
    if health_event_id.isdigit():
        event = health_service.require_record(session, HEALTH_EVENTS, int(health_event_id))
        if event.animal_id != alert.animal_id:
            return failed(request, user, AppError("that health event belongs to another pig"))
    else:
        try:
            fields = {"kind": kind, "condition": condition.strip() or None, "notes": notes.strip() or None}
            body = HealthEventCreate.model_validate(fields)
        except ValidationError as exc:
            message = "; ".join(field_errors(exc.errors()).values())
            return failed(request, user, AppError(f"the health event is not valid: {message}"))
        event = health_service.create_record(session, HEALTH_EVENTS, alert.animal_id, body, user_id=user.id)
    decide_alert(alert, "confirmed", user.id, event.id)
    return RedirectResponse("/alerts", status_code=303)
