"""The list of routers the app serves under `API_PREFIX`.

Each domain adds one line to `ROUTERS` (``"app.<domain>.routes"``); the module must expose ``router``.
Routers are imported lazily by `include_routers` so that a broken domain names itself in the error.
"""

from __future__ import annotations

import importlib

from fastapi import APIRouter, FastAPI

API_PREFIX = "/api"

ROUTERS: list[str] = [
    "app.auth.routes",
    "app.farms.routes",
    "app.animals.routes",
    "app.identity.routes",
    "app.media.routes",
    "app.media.upload_routes",
    "app.cameras.routes",
    "app.health.routes",
    "app.summaries.routes",
    "app.alerts.routes",
    "app.exports.routes",
]


def include_routers(app: FastAPI, modules: list[str] | None = None) -> None:
    """Mount ``router`` of every module in ``modules`` (default `ROUTERS`) under `API_PREFIX`."""
    for name in modules if modules is not None else ROUTERS:
        router = importlib.import_module(name).router
        if not isinstance(router, APIRouter):
            raise TypeError(f"{name}.router is not a fastapi.APIRouter")
        app.include_router(router, prefix=API_PREFIX)
