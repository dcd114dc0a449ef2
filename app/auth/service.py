"""Auth rules: creating users, checking passwords and API keys, issuing and revoking keys. Never commits."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache

from sqlalchemy.orm import Session

from app.auth import repository
from app.auth.models import ApiKey, User
from app.auth.schemas import UserCreate, UserUpdate
from app.auth.security import (
    api_key_matches,
    generate_api_key,
    hash_password,
    parse_api_key_prefix,
    verify_password,
)
from app.errors import ConflictError, NotFoundError


def create_user(session: Session, data: UserCreate) -> User:
    """Add a user with an argon2-hashed password.

    Raises:
        ConflictError: the email is already taken.
    """
    if repository.get_user_by_email(session, data.email) is not None:
        raise ConflictError(f"a user with email {data.email} already exists")
    user = User(email=data.email, name=data.name, role=data.role, password_hash=hash_password(data.password))
    session.add(user)
    session.flush()
    return user


def update_user(session: Session, user_id: int, data: UserUpdate) -> User:
    """Apply the fields set in ``data`` (a new password is hashed).

    Raises:
        NotFoundError: no such user.
    """
    user = require_user(session, user_id)
    changes = data.model_dump(exclude_unset=True)
    new_role, new_active = changes.get("role") or user.role, changes.get("active", user.active)
    _keep_an_admin(session, user, role=new_role, active=new_active)
    password = changes.pop("password", None)
    for field, value in changes.items():
        setattr(user, field, value)
    if password:
        user.password_hash = hash_password(password)
    session.flush()
    return user


def _keep_an_admin(session: Session, user: User, *, role: str, active: bool | None) -> None:
    """Refuse to demote or deactivate the last active admin (nobody could manage users afterwards)."""
    losing_admin = user.role == "admin" and user.active and (role != "admin" or active is False)
    if losing_admin and repository.count_active_admins(session) <= 1:
        raise ConflictError("this is the last active admin; make another admin first")


def require_user(session: Session, user_id: int) -> User:
    """The user with ``user_id``; raises `NotFoundError` when absent."""
    user = repository.get_user(session, user_id)
    if user is None:
        raise NotFoundError.for_id("user", user_id)
    return user


def active_user_by_id(session: Session, user_id: int) -> User | None:
    """The user with ``user_id`` if it exists and is active."""
    user = repository.get_user(session, user_id)
    return user if user is not None and user.active else None


def authenticate_password(session: Session, email: str, password: str) -> User | None:
    """The active user with this email and password, or None."""
    user = repository.get_user_by_email(session, email)
    if user is None:
        verify_password(password, _timing_dummy_hash())  # same cost whether or not the email exists
        return None
    if not user.active or not verify_password(password, user.password_hash):
        return None
    return user


@lru_cache(maxsize=1)
def _timing_dummy_hash() -> str:
    return hash_password("pigwatch-timing-dummy")


def authenticate_api_key(session: Session, plaintext: str) -> User | None:
    """The active owner of a valid, unrevoked key (its ``last_used_at`` is updated), or None."""
    prefix = parse_api_key_prefix(plaintext)
    key = repository.get_api_key_by_prefix(session, prefix) if prefix else None
    if key is None or key.revoked_at is not None or not api_key_matches(plaintext, key.key_hash):
        return None
    user = active_user_by_id(session, key.user_id)
    if user is not None:
        key.last_used_at = datetime.now(UTC)
        session.flush()
    return user


def create_api_key(session: Session, *, user_id: int, name: str) -> tuple[ApiKey, str]:
    """Issue a key for ``user_id``; returns the row and the plaintext key (to show once).

    Raises:
        NotFoundError: no such user.
    """
    require_user(session, user_id)
    new_key = generate_api_key()
    key = ApiKey(user_id=user_id, name=name, prefix=new_key.prefix, key_hash=new_key.key_hash)
    session.add(key)
    session.flush()
    return key, new_key.plaintext


def revoke_api_key(session: Session, key_id: int) -> ApiKey:
    """Mark the key revoked (idempotent).

    Raises:
        NotFoundError: no such key.
    """
    key = repository.get_api_key(session, key_id)
    if key is None:
        raise NotFoundError.for_id("api key", key_id)
    if key.revoked_at is None:
        key.revoked_at = datetime.now(UTC)
        session.flush()
    return key
