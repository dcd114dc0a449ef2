"""The FastAPI application factory.

``create_app(settings)`` builds an app from explicit collaborators: the settings and, optionally, an
engine or a session factory (tests pass one bound to a rolled-back connection). Without them, the engine
is made from `resolve_database_url(settings)`, which starts the embedded PostgreSQL when needed.
"""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.middleware.sessions import SessionMiddleware

from app.api import include_routers
from app.config import Settings
from app.db import make_engine, make_session_factory, resolve_database_url
from app.errors import install_error_handlers
from app.web.routes import mount_pages

SESSION_COOKIE = "pigwatch_session"
SESSION_MAX_AGE_S = 14 * 24 * 3600


def _session_factory(
    settings: Settings, engine: Engine | None, session_factory: sessionmaker[Session] | None
) -> sessionmaker[Session]:
    if session_factory is not None:
        return session_factory
    return make_session_factory(engine or make_engine(resolve_database_url(settings)))


def _add_health_route(app: FastAPI) -> None:
    @app.get("/healthz", tags=["meta"])
    def healthz() -> dict[str, str]:
        """Liveness and database reachability: ``{"status": "ok", "database": "ok"}``."""
        with app.state.session_factory() as session:
            session.execute(text("SELECT 1"))
        return {"status": "ok", "database": "ok"}


def create_app(
    settings: Settings,
    *,
    engine: Engine | None = None,
    session_factory: sessionmaker[Session] | None = None,
) -> FastAPI:
    """Build the pigwatch web app.

    Args:
        settings: validated settings (secret key, upload limit, media directory...).
        engine: database engine to use (default: made from the settings).
        session_factory: session factory to use (takes precedence over ``engine``).

    Returns:
        The `FastAPI` app; ``app.state.settings`` and ``app.state.session_factory`` are set.
    """
    app = FastAPI(title="pigwatch", version="0.1.0")
    app.state.settings = settings
    app.state.session_factory = _session_factory(settings, engine, session_factory)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE_S,
        same_site="lax",
        https_only=settings.env == "production",
    )
    install_error_handlers(app)
    _add_health_route(app)
    include_routers(app)
    mount_pages(app)
    return app
