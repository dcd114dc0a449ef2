"""Mounts the web pages (login, pens overview, pig pages, record forms, identity review, alerts) at ``/``.

`app.main.create_app` calls `mount_pages` after the API routers (which live under ``/api``). It also registers
the HTML 403 page of `app.auth.csrf.CsrfRejectedError` (a form without its CSRF token).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response


def mount_pages(app: FastAPI) -> None:
    """Add the page routes to ``app`` at ``/`` (idempotent)."""
    if getattr(app.state, "web_pages_mounted", False):
        return
    from app.auth.csrf import CsrfRejectedError
    from app.web import assets, forms, media, pages, review

    for module in (assets, pages, forms, review, media):
        app.include_router(module.router)
    app.add_exception_handler(CsrfRejectedError, csrf_rejected_page)  # type: ignore[arg-type]
    app.state.web_pages_mounted = True


def csrf_rejected_page(request: Request, error: Exception) -> Response:
    """The HTML 403 page of a form whose CSRF token is missing or wrong."""
    from app.web.session import render

    message = getattr(error, "message", str(error))
    return render(request, "message.html", None, status_code=403, title="Form not accepted", message=message)
