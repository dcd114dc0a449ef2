"""Roles and what each may do.

Roles are ordered; every role may do everything the roles below it may do:

| role    | reads | health records (*) | farm records (**) | users, API keys |
|---------|-------|--------------------|-------------------|-----------------|
| viewer  | yes   |                    |                   |                 |
| vet     | yes   | write              |                   |                 |
| manager | yes   | write              | write             |                 |
| admin   | yes   | write              | write             | write           |

(*) health events, lameness scores, weights. (**) animals, farms, pens and zones, cameras, uploads,
identity review (merge, split, reassign).

Routes declare the least role they need with `app.deps.require_role` (e.g. ``require_role("vet")`` for health
writes); every route needs at least an authenticated ``viewer``, except `/healthz` and `/api/auth/login`.
"""

from __future__ import annotations

from app.auth.models import ROLES

ROLE_RANK: dict[str, int] = {role: len(ROLES) - i for i, role in enumerate(ROLES)}
"""admin 4 > manager 3 > vet 2 > viewer 1."""


def role_at_least(role: str, minimum: str) -> bool:
    """True when ``role`` ranks at or above ``minimum``.

    Raises:
        ValueError: when ``minimum`` is not a known role (a programming error in a route).
    """
    if minimum not in ROLE_RANK:
        raise ValueError(f"unknown role {minimum!r}; expected one of {ROLES}")
    return ROLE_RANK.get(role, 0) >= ROLE_RANK[minimum]
