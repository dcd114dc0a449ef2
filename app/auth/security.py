"""Password hashing (argon2) and API key generation/hashing.

An API key is shown once as ``pw_<prefix>_<secret>``; the database keeps ``prefix`` (for lookup) and the
SHA-256 hex digest of the whole key (a random 256-bit secret needs no slow hash).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

API_KEY_SCHEME = "pw"


def set_password_hash_cost(*, time_cost: int, memory_cost_kib: int) -> None:
    """Change the argon2 cost of new hashes (existing hashes carry their own parameters).

    Production keeps argon2-cffi's defaults (RFC 9106 low-memory profile); tests lower them for speed.

    Args:
        time_cost: number of passes (>= 1).
        memory_cost_kib: memory per hash in KiB (>= 8).
    """
    global _hasher
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost_kib, parallelism=1)


def hash_password(password: str) -> str:
    """Argon2id hash of ``password`` (PHC string)."""
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """True when ``password`` matches ``password_hash``; False for a missing or malformed hash."""
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class NewApiKey:
    """A freshly generated key: ``plaintext`` is shown to the user once and never stored."""

    prefix: str
    plaintext: str
    key_hash: str


def hash_api_key(plaintext: str) -> str:
    """SHA-256 hex digest of the whole key string."""
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def generate_api_key() -> NewApiKey:
    """A random key ``pw_<12 hex prefix>_<43 char urlsafe secret>`` with its stored hash."""
    prefix = secrets.token_hex(6)
    plaintext = f"{API_KEY_SCHEME}_{prefix}_{secrets.token_urlsafe(32)}"
    return NewApiKey(prefix=prefix, plaintext=plaintext, key_hash=hash_api_key(plaintext))


def parse_api_key_prefix(plaintext: str) -> str | None:
    """The prefix of a key string, or None when it is not in ``pw_<prefix>_<secret>`` form."""
    parts = plaintext.split("_", 2)
    if len(parts) != 3 or parts[0] != API_KEY_SCHEME or not parts[1] or not parts[2]:
        return None
    return parts[1]


def api_key_matches(plaintext: str, key_hash: str) -> bool:
    """Constant-time comparison of the key's hash with the stored one."""
    return hmac.compare_digest(hash_api_key(plaintext), key_hash)
