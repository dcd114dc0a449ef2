"""Record forms on the web: add, edit and delete health events, notes, lameness scores and weights (vet+).

Each form is described by a `FormSpec`; the submitted fields are validated by the same schemas as the REST
API and saved through `app.health.service`, so every change is attributed to the signed-in user.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from app.animals.service import require_animal
from app.auth.csrf import FORM_FIELD, verify_csrf
from app.deps import SessionDep
from app.errors import NotFoundError
from app.health import service
from app.health.repository import HEALTH_EVENTS, LAMENESS_SCORES, WEIGHTS, RecordKind
from app.health.schemas import (
    HealthEventCreate,
    HealthEventUpdate,
    LamenessScoreCreate,
    LamenessScoreUpdate,
    WeightCreate,
    WeightUpdate,
)
from app.web.session import PageUser, login_redirect, refuse, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])


@dataclass(frozen=True)
class Field:
    """One input: its name (schema field), label, HTML input type and choices for a select."""

    name: str
    label: str
    input: str = "text"
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class FormSpec:
    """A record form: the table, its schemas, title, inputs and fixed values (e.g. ``kind`` of a note)."""

    kind: RecordKind
    create: type[BaseModel]
    update: type[BaseModel]
    title: str
    fields: tuple[Field, ...]
    fixed: tuple[tuple[str, str], ...] = ()


EVENT_FIELDS = (
    Field("kind", "Kind", "select", ("diagnosis", "treatment", "observation")),
    Field("occurred_at", "When (UTC)", "datetime-local"),
    Field("condition", "Condition (diagnosis)"),
    Field("severity", "Severity", "select", ("", "mild", "moderate", "severe")),
    Field("product", "Product (treatment)"),
    Field("dose", "Dose, e.g. 5 ml"),
    Field("route", "Route", "select", ("", "IM", "SC", "IV", "oral", "in feed", "in water", "topical")),
    Field("withdrawal_end", "Withdrawal end", "date"),
    Field("notes", "Notes", "textarea"),
)
FORMS: dict[str, FormSpec] = {
    "health-event": FormSpec(
        HEALTH_EVENTS, HealthEventCreate, HealthEventUpdate, "Health event", EVENT_FIELDS
    ),
    "note": FormSpec(
        HEALTH_EVENTS,
        HealthEventCreate,
        HealthEventUpdate,
        "Note",
        (Field("occurred_at", "When (UTC)", "datetime-local"), Field("notes", "Note", "textarea")),
        fixed=(("kind", "observation"),),
    ),
    "lameness": FormSpec(
        LAMENESS_SCORES,
        LamenessScoreCreate,
        LamenessScoreUpdate,
        "Lameness score",
        (
            Field("scored_at", "When (UTC)", "datetime-local"),
            Field("scale_max", "Scale", "select", ("3", "5")),
            Field("score", "Score", "number"),
            Field("notes", "Notes", "textarea"),
        ),
    ),
    "weight": FormSpec(
        WEIGHTS,
        WeightCreate,
        WeightUpdate,
        "Weight",
        (Field("weighed_at", "When (UTC)", "datetime-local"), Field("kg", "Weight (kg)", "number")),
    ),
}


async def submitted_fields(request: Request) -> dict[str, str]:
    """The form's non-empty text fields, stripped (without the CSRF token, checked by `verify_csrf`)."""
    form = await request.form()
    return {k: v.strip() for k, v in form.items() if isinstance(v, str) and v.strip() and k != FORM_FIELD}


FormData = Annotated[dict[str, str], Depends(submitted_fields)]


def require_form(name: str) -> FormSpec:
    """The `FormSpec` called ``name``; 404 for an unknown form."""
    if name not in FORMS:
        raise NotFoundError(f"no record form {name!r}; choose one of {sorted(FORMS)}")
    return FORMS[name]


def field_errors(errors: list[Any]) -> dict[str, str]:
    """``{field name or "form": message}`` from pydantic errors (body prefix dropped)."""
    messages: dict[str, str] = {}
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if p != "body"]
        key = loc[0] if loc else "form"
        messages.setdefault(key, str(err.get("msg", "invalid value")).removeprefix("Value error, "))
    return messages


def values_of(row: Any, spec: FormSpec) -> dict[str, str]:
    """A record's current values as form strings (datetimes as ``YYYY-MM-DDTHH:MM`` UTC)."""
    values = {}
    for field in spec.fields:
        value = getattr(row, field.name, None)
        if isinstance(value, datetime):
            value = value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")
        values[field.name] = "" if value is None else str(value)
    return values


def show_form(request: Request, user: Any, spec: FormSpec, animal: Any, **context: Any) -> Response:
    """Render the record form (``values``, ``errors``, ``action``, ``record_id`` in ``context``)."""
    context.setdefault("errors", {})
    context.setdefault("values", {})
    status = 422 if context["errors"] else 200
    return render(request, "record_form.html", user, status_code=status, spec=spec, animal=animal, **context)


@router.get("/pigs/{animal_id}/records/{form}/new")
def new_record_form(
    request: Request, animal_id: int, form: str, session: SessionDep, user: PageUser
) -> Response:
    """An empty form for a new record of ``form`` (health-event, note, lameness, weight)."""
    if user is None:
        return login_redirect(request)
    spec, animal = require_form(form), require_animal(session, animal_id)
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M")
    values = {f.name: now for f in spec.fields if f.input == "datetime-local"}
    return refuse(request, user, "vet") or show_form(
        request, user, spec, animal, action=request.url.path, values=values
    )


@router.post("/pigs/{animal_id}/records/{form}/new")
def create_record(
    request: Request, animal_id: int, form: str, session: SessionDep, user: PageUser, data: FormData
) -> Response:
    """Validate and save a new record; the form again with messages when invalid."""
    if user is None:
        return login_redirect(request)
    spec, animal = require_form(form), require_animal(session, animal_id)
    if (refused := refuse(request, user, "vet")) is not None:
        return refused
    try:
        body = spec.create.model_validate({**data, **dict(spec.fixed)})
    except ValidationError as exc:
        errors = field_errors(exc.errors())
        return show_form(request, user, spec, animal, action=request.url.path, values=data, errors=errors)
    service.create_record(session, spec.kind, animal.id, body, user_id=user.id)
    return RedirectResponse(f"/pigs/{animal.id}#records", status_code=303)


@router.get("/records/{form}/{record_id}/edit")
def edit_record_form(
    request: Request, form: str, record_id: int, session: SessionDep, user: PageUser
) -> Response:
    """A record's form filled with its current values."""
    if user is None:
        return login_redirect(request)
    spec = require_form(form)
    row = service.require_record(session, spec.kind, record_id)
    if (refused := refuse(request, user, "vet")) is not None:
        return refused
    animal = require_animal(session, row.animal_id)
    values = values_of(row, spec)
    return show_form(request, user, spec, animal, action=request.url.path, values=values, record_id=record_id)


@router.post("/records/{form}/{record_id}/edit")
def update_record(
    request: Request, form: str, record_id: int, session: SessionDep, user: PageUser, data: FormData
) -> Response:
    """Save changes to a record (blank optional inputs clear the field); the form again when invalid."""
    if user is None:
        return login_redirect(request)
    spec = require_form(form)
    row = service.require_record(session, spec.kind, record_id)
    if (refused := refuse(request, user, "vet")) is not None:
        return refused
    animal = require_animal(session, row.animal_id)
    changes = {f.name: data.get(f.name) for f in spec.fields}
    try:
        body = spec.update.model_validate(changes)
        service.update_record(session, spec.kind, record_id, body, user_id=user.id)
    except (ValidationError, RequestValidationError) as exc:
        errors = field_errors(list(exc.errors()))
        context = {"action": request.url.path, "values": data, "errors": errors, "record_id": record_id}
        return show_form(request, user, spec, animal, **context)
    return RedirectResponse(f"/pigs/{animal.id}#records", status_code=303)


@router.post("/records/{form}/{record_id}/delete")
def delete_record(
    request: Request, form: str, record_id: int, session: SessionDep, user: PageUser
) -> Response:
    """Delete a record and go back to its pig."""
    if user is None:
        return login_redirect(request)
    spec = require_form(form)
    row = service.require_record(session, spec.kind, record_id)
    if (refused := refuse(request, user, "vet")) is not None:
        return refused
    animal_id = row.animal_id
    service.delete_record(session, spec.kind, record_id)
    return RedirectResponse(f"/pigs/{animal_id}#records", status_code=303)
