"""REST routes for alerts (``/api/alerts``): viewers read; vets, managers and admins confirm or dismiss."""

from __future__ import annotations

from fastapi import APIRouter, Query

from app.alerts import repository, service
from app.alerts.schemas import AlertConfirm, AlertDismiss, AlertKind, AlertPage, AlertRead, AlertStatus
from app.deps import SessionDep, VetUser, ViewerUser
from app.errors import NotFoundError
from app.summaries.models import Alert

router = APIRouter(prefix="/alerts", tags=["alerts"])


def _read(alert: Alert, ear_tag: str | None, pen_id: int | None) -> AlertRead:
    return AlertRead.model_validate(alert).model_copy(update={"ear_tag": ear_tag, "pen_id": pen_id})


def _read_by_id(session: SessionDep, alert_id: int) -> AlertRead:
    row = repository.alert_with_animal(session, alert_id)
    if row is None:
        raise NotFoundError.for_id("alert", alert_id)
    return _read(*row)


@router.get("")
def list_alerts(
    session: SessionDep,
    _: ViewerUser,
    pen_id: int | None = None,
    animal_id: int | None = None,
    status: AlertStatus | None = None,
    kind: AlertKind | None = None,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0),
) -> AlertPage:
    """Alerts filtered by pen, animal, status and kind, newest episode first."""
    query = repository.alerts_query(pen_id=pen_id, animal_id=animal_id, status=status, kind=kind)
    rows, total = repository.page_of_alerts(session, query, limit=limit, offset=offset)
    return AlertPage(items=[_read(*row) for row in rows], total=total, limit=limit, offset=offset)


@router.get("/{alert_id}")
def get_alert(alert_id: int, session: SessionDep, _: ViewerUser) -> AlertRead:
    """One alert with its evidence."""
    return _read_by_id(session, alert_id)


@router.post("/{alert_id}/confirm")
def confirm_alert(alert_id: int, body: AlertConfirm, session: SessionDep, user: VetUser) -> AlertRead:
    """Confirm an open alert, linking a health event of the animal or creating an observation."""
    service.confirm(session, alert_id, user, health_event_id=body.health_event_id, notes=body.notes)
    return _read_by_id(session, alert_id)


@router.post("/{alert_id}/dismiss")
def dismiss_alert(alert_id: int, body: AlertDismiss, session: SessionDep, user: VetUser) -> AlertRead:
    """Dismiss an open alert."""
    service.dismiss(session, alert_id, user, notes=body.notes)
    return _read_by_id(session, alert_id)
