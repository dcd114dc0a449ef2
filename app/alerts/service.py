"""Alerts: evaluate animals' days against their baselines (rules in `app.alerts.detect`), keep one alert per
animal, kind and episode, and record a person's decision (confirm with a health event, or dismiss).

An *episode* is a run of consecutive windows that need attention: a finding whose first day is at most one
day after the last day of the animal's latest alert of that kind extends that alert (its evidence is
refreshed while it is open; a decided alert is never reopened by the same episode), otherwise it opens a new
alert whose ``day`` is the episode's first day. Services only flush; the caller commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from app.alerts import repository
from app.alerts.detect import Finding, Thresholds, evaluate
from app.auth.models import User
from app.errors import ConflictError, NotFoundError
from app.health.models import HealthEvent
from app.health.repository import HEALTH_EVENTS
from app.health.schemas import HealthEventCreate
from app.health.service import create_record
from app.summaries.models import ALERT_KINDS, Alert

THRESHOLDS = Thresholds()
"""The thresholds the product runs with (documented in docs/rest-api.md)."""


def _apply(session: Session, animal_id: int, finding: Finding) -> bool:
    """Open or extend the alert of ``finding``'s episode; True when an alert was written."""
    latest = repository.latest_alert(session, animal_id, finding.kind, on_or_before=finding.last_day)
    if latest is not None:
        latest_last = date.fromisoformat(latest.evidence.get("last_day", latest.day.isoformat()))
        if latest_last >= finding.first_day - timedelta(days=1):
            if latest.status != "open":
                return False
            first = min(latest.day, finding.first_day).isoformat()
            latest.evidence = {**finding.evidence, "first_day": first}
            return True
    alert = Alert(animal_id=animal_id, kind=finding.kind, day=finding.first_day, evidence=finding.evidence)
    session.add(alert)
    return True


def evaluate_animal(
    session: Session, animal_id: int, days: Iterable[date], *, thresholds: Thresholds = THRESHOLDS
) -> int:
    """Evaluate every alert kind for the windows ending on each of ``days`` (in date order).

    Returns:
        The number of alerts opened or extended.
    """
    ordered = sorted(set(days))
    if not ordered:
        return 0
    first = ordered[0] - timedelta(days=thresholds.baseline_days + thresholds.consecutive_days)
    own = repository.day_records(session, [animal_id], first, ordered[-1]).get(animal_id, {})
    mates = repository.day_records(session, repository.pen_mates(session, animal_id), first, ordered[-1])
    written = 0
    for kind in ALERT_KINDS:
        for day in ordered:
            finding = evaluate(kind, own, mates, day, thresholds)
            if finding is not None and _apply(session, animal_id, finding):
                written += 1
                session.flush()
    return written


def evaluate_after_recompute(
    session: Session, touched: dict[int, set[date]], *, thresholds: Thresholds = THRESHOLDS
) -> int:
    """Evaluate the windows that recomputed days fall in: for day d, windows ending on d..d+N-1.

    Args:
        session: open session.
        touched: ``{animal_id: recomputed days}`` (as `app.summaries.service.recompute_for_chunk` returns).

    Returns:
        The number of alerts opened or extended.
    """
    spread = range(thresholds.consecutive_days)
    written = 0
    for animal_id, days in touched.items():
        window_ends = {d + timedelta(days=i) for d in days for i in spread}
        written += evaluate_animal(session, animal_id, window_ends, thresholds=thresholds)
    return written


def require_alert(session: Session, alert_id: int) -> Alert:
    """The alert ``alert_id``; raises `NotFoundError` (404) when missing."""
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise NotFoundError.for_id("alert", alert_id)
    return alert


def _require_open(alert: Alert) -> None:
    if alert.status != "open":
        raise ConflictError(
            f"alert {alert.id} is already {alert.status}", details={"id": alert.id, "status": alert.status}
        )


def _linked_event(session: Session, alert: Alert, event_id: int) -> HealthEvent:
    event = session.get(HealthEvent, event_id)
    if event is None:
        raise NotFoundError.for_id("health event", event_id)
    if event.animal_id != alert.animal_id:
        raise ConflictError(
            f"health event {event_id} belongs to animal {event.animal_id}, not {alert.animal_id}",
            details={"health_event_id": event_id, "animal_id": alert.animal_id},
        )
    return event


def _observation(session: Session, alert: Alert, user: User, notes: str | None) -> HealthEvent:
    """A new observation health event recording the confirmed alert (through the health service)."""
    text = f"Confirmed alert: {alert.kind} below baseline from {alert.day.isoformat()}."
    body = HealthEventCreate(kind="observation", notes=f"{text} {notes}" if notes else text)
    event: HealthEvent = create_record(session, HEALTH_EVENTS, alert.animal_id, body, user_id=user.id)
    return event


def confirm(
    session: Session, alert_id: int, user: User, *, health_event_id: int | None, notes: str | None
) -> Alert:
    """Confirm an open alert, linking health event ``health_event_id`` (of the same animal) or, when None,
    a new ``observation`` health event recorded by ``user``.

    Raises:
        NotFoundError: no such alert or health event.
        ConflictError: the alert is not open, or the event is another animal's.
    """
    alert = require_alert(session, alert_id)
    _require_open(alert)
    if health_event_id is not None:
        event = _linked_event(session, alert, health_event_id)
    else:
        event = _observation(session, alert, user, notes)
    return _decide(session, alert, user, "confirmed", health_event_id=event.id)


def dismiss(session: Session, alert_id: int, user: User, *, notes: str | None) -> Alert:
    """Dismiss an open alert; ``notes`` are kept in its evidence as ``decision_notes``."""
    alert = require_alert(session, alert_id)
    _require_open(alert)
    if notes:
        alert.evidence = {**alert.evidence, "decision_notes": notes}
    return _decide(session, alert, user, "dismissed", health_event_id=None)


def _decide(session: Session, alert: Alert, user: User, status: str, *, health_event_id: int | None) -> Alert:
    alert.status = status
    alert.health_event_id = health_event_id
    alert.decided_by_id = user.id
    alert.decided_at = datetime.now(UTC)
    session.flush()
    return alert
