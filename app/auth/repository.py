"""Queries on users and API keys (no commits; the caller's scope commits)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.models import ApiKey, User


def get_user(session: Session, user_id: int) -> User | None:
    """The user with ``user_id``, or None."""
    return session.get(User, user_id)


def get_user_by_email(session: Session, email: str) -> User | None:
    """The user with this (lower-case) email, or None."""
    return session.scalar(select(User).where(User.email == email.lower()))


def list_users(session: Session) -> Sequence[User]:
    """Every user, by id."""
    return session.scalars(select(User).order_by(User.id)).all()


def count_active_admins(session: Session) -> int:
    """Number of active users with the admin role."""
    query = select(func.count()).select_from(User).where(User.role == "admin", User.active.is_(True))
    return int(session.scalar(query) or 0)


def get_api_key(session: Session, key_id: int) -> ApiKey | None:
    """The API key with ``key_id``, or None."""
    return session.get(ApiKey, key_id)


def get_api_key_by_prefix(session: Session, prefix: str) -> ApiKey | None:
    """The API key whose public prefix is ``prefix``, or None."""
    return session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))


def list_api_keys(session: Session, *, user_id: int | None = None) -> Sequence[ApiKey]:
    """API keys (of ``user_id`` when given), by id."""
    query = select(ApiKey).order_by(ApiKey.id)
    if user_id is not None:
        query = query.where(ApiKey.user_id == user_id)
    return session.scalars(query).all()
