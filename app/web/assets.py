"""Static assets served by the app itself (farms are offline: no CDN): Plotly JS and the frontend files.

Each asset is read and gzip-compressed once per process and served with a long cache lifetime.
"""

from __future__ import annotations

import gzip
import hashlib
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.errors import NotFoundError

FRONTEND_DIR = Path(__file__).resolve().parents[2] / "frontend" / "static"
MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
CACHE_CONTROL = "public, max-age=86400"

router = APIRouter(include_in_schema=False)


@lru_cache(maxsize=32)
def load_asset(name: str) -> tuple[bytes, bytes, str]:
    """``(raw, gzipped, etag)`` of ``name``: ``plotly.min.js`` from plotly, else frontend/static."""
    if name == "plotly.min.js":
        from plotly.offline import get_plotlyjs

        raw = get_plotlyjs().encode()
    else:
        path = FRONTEND_DIR / name
        if path.parent != FRONTEND_DIR or not path.is_file():
            raise NotFoundError(f"asset {name!r} not found")
        raw = path.read_bytes()
    return raw, gzip.compress(raw, compresslevel=6), hashlib.sha1(raw).hexdigest()[:16]


@router.get("/static/{name}")
def asset(name: str, request: Request) -> Response:
    """An asset, gzip-compressed when the browser accepts it; ``304`` when the browser's copy is current."""
    suffix = Path(name).suffix
    if suffix not in MEDIA_TYPES:
        raise NotFoundError(f"asset {name!r} not found")
    raw, packed, etag = load_asset(name)
    headers = {"Cache-Control": CACHE_CONTROL, "ETag": f'"{etag}"', "Vary": "Accept-Encoding"}
    if request.headers.get("if-none-match") == f'"{etag}"':
        return Response(status_code=304, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", ""):
        return Response(
            packed, media_type=MEDIA_TYPES[suffix], headers={**headers, "Content-Encoding": "gzip"}
        )
    return Response(raw, media_type=MEDIA_TYPES[suffix], headers=headers)
