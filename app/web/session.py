"""Who is looking at a page, and the shared template context (signed-in user, what they may do)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from app.auth.csrf import csrf_token
from app.auth.models import User
from app.auth.permissions import role_at_least
from app.deps import SESSION_USER_KEY, SessionDep
from app.web.timeline import observed_duration

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
TEMPLATES.env.filters["duration"] = observed_duration


def page_user(request: Request, session: SessionDep) -> User | None:
    """The active user signed in by the session cookie, or None (pages then redirect to the login page)."""
    from app.auth import service

    user_id = request.session.get(SESSION_USER_KEY)
    return service.active_user_by_id(session, user_id) if isinstance(user_id, int) else None


PageUser = Annotated[User | None, Depends(page_user)]


def login_redirect(request: Request) -> RedirectResponse:
    """303 to ``/login?next=<this path>``."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={target}", status_code=303)


def render(
    request: Request, template: str, user: User | None, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """Render ``template`` with the user, their rights (``can_edit``: vet+, ``can_curate``: manager+) and the
    session's CSRF token (``csrf_token``, the hidden field of every POST form)."""
    rights = {
        "user": user,
        "csrf_token": csrf_token(request),
        "can_edit": user is not None and role_at_least(user.role, "vet"),
        "can_curate": user is not None and role_at_least(user.role, "manager"),
    }
    return TEMPLATES.TemplateResponse(request, template, {**rights, **context}, status_code=status_code)


def refuse(request: Request, user: User, needed: str) -> Response | None:
    """A 403 page when ``user`` ranks below ``needed``, else None."""
    if role_at_least(user.role, needed):
        return None
    message = f"Your role ({user.role}) may not change this; it needs {needed} or above."
    return render(request, "message.html", user, status_code=403, title="Not allowed", message=message)
