"""FastAPI dependencies shared by every router: the request's DB session, settings, the current user, roles.

Usage in a route::

    @router.post("/things")
    def create_thing(body: ThingCreate, session: SessionDep, user: ManagerUser) -> ThingRead: ...

`SessionDep` commits when the route returns normally and rolls back when it raises; services and
repositories only ``flush``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from app.auth.models import User
from app.auth.permissions import role_at_least
from app.config import Settings
from app.db import session_scope
from app.errors import AuthenticationError, PermissionDeniedError

SESSION_USER_KEY = "user_id"
"""Key of the signed session cookie payload holding the signed-in user's id."""


def get_db(request: Request) -> Iterator[Session]:
    """One session per request from ``app.state.session_factory``; committed before the response is sent."""
    with session_scope(request.app.state.session_factory) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_db, scope="function")]


def get_app_settings(request: Request) -> Settings:
    """The `Settings` the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]


def api_key_from_headers(request: Request) -> str | None:
    """The API key from ``X-API-Key`` or ``Authorization: Bearer <key>``, if either is present."""
    key = request.headers.get("x-api-key")
    if key:
        return key.strip()
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def get_current_user(request: Request, session: SessionDep) -> User:
    """The user behind the request's API key, or else its session cookie.

    Raises:
        AuthenticationError: no credentials, an invalid or revoked key, or an inactive user (401).
    """
    from app.auth import service

    key = api_key_from_headers(request)
    if key is not None:
        user = service.authenticate_api_key(session, key)
        if user is None:
            raise AuthenticationError("invalid or revoked API key")
        return user
    user_id = request.session.get(SESSION_USER_KEY) if "session" in request.scope else None
    user = service.active_user_by_id(session, user_id) if isinstance(user_id, int) else None
    if user is None:
        raise AuthenticationError("sign in or send an API key (X-API-Key or Authorization: Bearer)")
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


def require_role(minimum: str) -> Callable[[User], User]:
    """A dependency that returns the current user if their role ranks at least ``minimum``.

    Args:
        minimum: one of ``admin``, ``manager``, ``vet``, ``viewer``.

    Returns:
        A dependency callable; use as ``Annotated[User, Depends(require_role("vet"))]``.
    """
    role_at_least("viewer", minimum)  # validates ``minimum`` at import time of the route

    def check_role(user: CurrentUser) -> User:
        if not role_at_least(user.role, minimum):
            raise PermissionDeniedError(
                f"role {user.role!r} may not do this; needs {minimum!r} or above",
                details={"role": user.role, "required": minimum},
            )
        return user

    return check_role


ViewerUser = Annotated[User, Depends(require_role("viewer"))]
VetUser = Annotated[User, Depends(require_role("vet"))]
ManagerUser = Annotated[User, Depends(require_role("manager"))]
AdminUser = Annotated[User, Depends(require_role("admin"))]
