"""Request and response bodies of the auth routes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Role = Literal["admin", "manager", "vet", "viewer"]
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+$"


def _normalise_email(value: str) -> str:
    return value.strip().lower()


class LoginRequest(BaseModel):
    """Credentials for a browser session."""

    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)

    _email = field_validator("email")(_normalise_email)


class UserCreate(BaseModel):
    """A new user; ``password`` at least 8 characters."""

    model_config = ConfigDict(extra="forbid")

    email: str = Field(pattern=EMAIL_PATTERN, max_length=320)
    name: str | None = Field(default=None, max_length=200)
    role: Role
    password: str = Field(min_length=8, max_length=1024)

    _email = field_validator("email")(_normalise_email)


class UserUpdate(BaseModel):
    """Fields an admin may change; omitted fields stay as they are."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=200)
    role: Role | None = None
    active: bool | None = None
    password: str | None = Field(default=None, min_length=8, max_length=1024)


class UserRead(BaseModel):
    """A user as the API shows it (never the password hash)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    name: str | None
    role: Role
    active: bool
    created_at: datetime


class ApiKeyCreate(BaseModel):
    """A new API key for ``user_id`` (default: the caller)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    user_id: int | None = None


class ApiKeyRead(BaseModel):
    """An API key without its secret."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    user_id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyRead):
    """A new API key; ``key`` is shown this once and cannot be read again."""

    key: str
