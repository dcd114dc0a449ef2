"""CSRF protection of the browser forms: a per-session token, sent back in every state-changing request.

The token is 32 random bytes (url-safe base64), kept in the signed session cookie (``csrf`` key) and put
into every form as the hidden field ``csrf_token`` (or sent as the ``X-CSRF-Token`` header by scripts).
`verify_csrf` is a dependency of the page routers: on POST/PUT/PATCH/DELETE it refuses (403,
`CsrfRejectedError`) a request whose token is missing or differs from the session's. The JSON API under
``/api`` is not covered: it is used with API keys, and its cookie-authenticated calls rely on the cookie's
``SameSite=Lax`` (a cross-site POST carries no session cookie).
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request

from app.errors import AppError

SESSION_CSRF_KEY = "csrf"
FORM_FIELD = "csrf_token"
HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class CsrfRejectedError(AppError):
    """A state-changing browser request without the session's CSRF token (forged, or a stale page)."""

    status_code = 403
    code = "csrf_failed"


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created (and stored in the session cookie) on first use."""
    token = request.session.get(SESSION_CSRF_KEY)
    if not isinstance(token, str) or len(token) < 32:
        token = secrets.token_urlsafe(32)
        request.session[SESSION_CSRF_KEY] = token
    return token


async def submitted_token(request: Request) -> str | None:
    """The token the request carries: the ``X-CSRF-Token`` header, else the form field ``csrf_token``."""
    header = request.headers.get(HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get(FORM_FIELD)
        return value if isinstance(value, str) else None
    return None


async def verify_csrf(request: Request) -> None:
    """Dependency: refuse a state-changing request whose CSRF token does not match the session's.

    Raises:
        CsrfRejectedError: no token in the session (never loaded a page, or the session expired), no token
            in the request, or a different one (403).
    """
    if request.method in SAFE_METHODS:
        return
    expected = request.session.get(SESSION_CSRF_KEY)
    sent = await submitted_token(request)
    if not isinstance(expected, str) or not sent or not hmac.compare_digest(sent, expected):
        raise CsrfRejectedError(
            "This form could not be verified (missing or wrong security token). Reload the page and try "
            "again; if it keeps happening, sign in again.",
            details={"field": FORM_FIELD},
        )
