"""Auth routes: sign in/out, the current user, users (admin) and API keys (admin)."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from app.auth import repository, service
from app.auth.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyRead,
    LoginRequest,
    UserCreate,
    UserRead,
    UserUpdate,
)
from app.deps import SESSION_USER_KEY, AdminUser, CurrentUser, SessionDep
from app.errors import AuthenticationError

router = APIRouter(tags=["auth"])


@router.post("/auth/login")
def login(body: LoginRequest, request: Request, session: SessionDep) -> UserRead:
    """Check email and password and start a browser session (signed cookie)."""
    user = service.authenticate_password(session, body.email, body.password)
    if user is None:
        raise AuthenticationError("wrong email or password")
    request.session.clear()
    request.session[SESSION_USER_KEY] = user.id
    return UserRead.model_validate(user)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(request: Request) -> None:
    """End the browser session (no-op when not signed in)."""
    request.session.clear()


@router.get("/auth/me")
def me(user: CurrentUser) -> UserRead:
    """The signed-in user (cookie or API key)."""
    return UserRead.model_validate(user)


@router.get("/users")
def list_users(session: SessionDep, _: AdminUser) -> list[UserRead]:
    """Every user."""
    return [UserRead.model_validate(u) for u in repository.list_users(session)]


@router.post("/users", status_code=status.HTTP_201_CREATED)
def create_user(body: UserCreate, session: SessionDep, _: AdminUser) -> UserRead:
    """Add a user."""
    return UserRead.model_validate(service.create_user(session, body))


@router.get("/users/{user_id}")
def get_user(user_id: int, session: SessionDep, _: AdminUser) -> UserRead:
    """One user."""
    return UserRead.model_validate(service.require_user(session, user_id))


@router.patch("/users/{user_id}")
def update_user(user_id: int, body: UserUpdate, session: SessionDep, _: AdminUser) -> UserRead:
    """Change a user's name, role, active flag or password."""
    return UserRead.model_validate(service.update_user(session, user_id, body))


@router.get("/api-keys")
def list_api_keys(session: SessionDep, _: AdminUser) -> list[ApiKeyRead]:
    """Every API key (without secrets)."""
    return [ApiKeyRead.model_validate(k) for k in repository.list_api_keys(session)]


@router.post("/api-keys", status_code=status.HTTP_201_CREATED)
def create_api_key(body: ApiKeyCreate, session: SessionDep, admin: AdminUser) -> ApiKeyCreated:
    """Issue an API key; the response holds the secret ``key``, shown this once."""
    key, plaintext = service.create_api_key(session, user_id=body.user_id or admin.id, name=body.name)
    return ApiKeyCreated(**ApiKeyRead.model_validate(key).model_dump(), key=plaintext)


@router.delete("/api-keys/{key_id}")
def revoke_api_key(key_id: int, session: SessionDep, _: AdminUser) -> ApiKeyRead:
    """Revoke an API key (it stops working at once)."""
    return ApiKeyRead.model_validate(service.revoke_api_key(session, key_id))
