"""Password hashing and API key helpers."""

from __future__ import annotations

import pytest

from app.auth.permissions import role_at_least
from app.auth.security import (
    api_key_matches,
    generate_api_key,
    hash_password,
    parse_api_key_prefix,
    verify_password,
)


@pytest.mark.parametrize(
    ("attempt", "stored", "expected"),
    [("secret pw", "secret pw", True), ("other", "secret pw", False), ("", "secret pw", False)],
)
def test_password_roundtrip(attempt: str, stored: str, expected: bool) -> None:
    password_hash = hash_password(stored)
    assert password_hash.startswith("$argon2id$")
    assert verify_password(attempt, password_hash) is expected


@pytest.mark.parametrize("password_hash", [None, "", "not-a-hash"])
def test_missing_or_malformed_hash_never_verifies(password_hash: str | None) -> None:
    assert verify_password("anything", password_hash) is False


def test_generated_keys_are_unique_and_verifiable() -> None:
    first, second = generate_api_key(), generate_api_key()
    assert first.plaintext != second.plaintext and first.prefix != second.prefix
    assert parse_api_key_prefix(first.plaintext) == first.prefix
    assert api_key_matches(first.plaintext, first.key_hash)
    assert not api_key_matches(second.plaintext, first.key_hash)


@pytest.mark.parametrize("text", ["", "pw", "pw_", "pw__secret", "xx_abc_secret", "pw_abc_"])
def test_malformed_keys_have_no_prefix(text: str) -> None:
    assert parse_api_key_prefix(text) is None


@pytest.mark.parametrize(
    ("role", "minimum", "allowed"),
    [
        ("admin", "viewer", True),
        ("admin", "admin", True),
        ("manager", "admin", False),
        ("manager", "vet", True),
        ("vet", "manager", False),
        ("vet", "vet", True),
        ("viewer", "vet", False),
        ("nobody", "viewer", False),
    ],
)
def test_role_order(role: str, minimum: str, allowed: bool) -> None:
    assert role_at_least(role, minimum) is allowed


def test_unknown_minimum_role_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown role"):
        role_at_least("admin", "owner")
