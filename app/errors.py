"""Consistent error bodies for every 4xx/5xx: ``{"error": {"code", "message", "details"}}``.

Services raise the typed errors below (never `HTTPException`); the handlers registered by
`install_error_handlers` turn them, validation errors, integrity errors and unexpected exceptions into
JSON bodies of that one shape.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

_logger = logging.getLogger(__name__)

_HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
}


class AppError(Exception):
    """A user-facing error with an HTTP status, a stable machine code and a message."""

    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, *, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFoundError(AppError):
    """The id in the path (or body) names no row."""

    status_code = 404
    code = "not_found"

    @classmethod
    def for_id(cls, kind: str, ident: object) -> NotFoundError:
        """``NotFoundError("animal 12 not found")``-style error for ``kind`` with id ``ident``."""
        return cls(f"{kind} {ident} not found", details={"kind": kind, "id": ident})


class ConflictError(AppError):
    """The request clashes with existing data (duplicate name, referenced row...)."""

    status_code = 409
    code = "conflict"


class AuthenticationError(AppError):
    """No valid credentials (session cookie, API key)."""

    status_code = 401
    code = "not_authenticated"


class PermissionDeniedError(AppError):
    """Authenticated, but the role does not allow this action."""

    status_code = 403
    code = "forbidden"


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    """The one error body shape: ``{"error": {"code": str, "message": str, "details": any}}``."""
    return {"error": {"code": code, "message": message, "details": jsonable_encoder(details)}}


def _error_response(status: int, code: str, message: str, details: Any = None) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(error_body(code, message, details), status_code=status, headers=headers)


async def _app_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return _error_response(exc.status_code, exc.code, exc.message, exc.details)


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "error" if exc.status_code < 500 else "server_error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    details = None if isinstance(exc.detail, str) else exc.detail
    return _error_response(exc.status_code, code, message, details)


def _validation_message(errors: list[dict[str, Any]]) -> tuple[str, str]:
    """(code, message) for a list of pydantic errors; malformed JSON gets its own code."""
    if any(err.get("type") == "json_invalid" for err in errors):
        return "malformed_json", "request body is not valid JSON"
    first = errors[0] if errors else {}
    where = ".".join(str(part) for part in first.get("loc", ()) if part != "body")
    return "validation_error", f"invalid request: {where or 'body'}: {first.get('msg', 'invalid value')}"


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [dict(err) for err in exc.errors()]
    for err in errors:
        err.pop("ctx", None)  # may hold exception objects
        err.pop("url", None)
    code, message = _validation_message(errors)
    return _error_response(422, code, message, json.loads(json.dumps(errors, default=str)))


async def _integrity_error(_: Request, exc: Exception) -> JSONResponse:
    orig = getattr(exc, "orig", None)
    diag = getattr(orig, "diag", None)
    constraint = getattr(diag, "constraint_name", None)
    message = f"conflicts with existing data (constraint {constraint})" if constraint else "conflict"
    return _error_response(409, "conflict", message, {"constraint": constraint})


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    _logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _error_response(500, "server_error", "internal server error")


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that produce the one error body shape on ``app``."""
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(Exception, _unexpected_error)
