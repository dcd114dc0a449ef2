"""Mounts the web pages (login, pens overview, pig pages, record forms, identity review, alerts) at ``/``.

`app.main.create_app` calls `mount_pages` after the API routers (which live under ``/api``).
"""

from __future__ import annotations

from fastapi import FastAPI


def mount_pages(app: FastAPI) -> None:
    """Add the page routes to ``app`` at ``/`` (idempotent)."""
    if getattr(app.state, "web_pages_mounted", False):
        return
    from app.web import assets, forms, pages, review

    for module in (assets, pages, forms, review):
        app.include_router(module.router)
    app.state.web_pages_mounted = True
