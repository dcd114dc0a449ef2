"""Resumable uploads: an upload session on disk (``<media_dir>/incoming/<token>.json`` and ``.part``) that the
client fills with PATCH requests at an explicit offset, then finishes; a dropped connection keeps the bytes
that arrived, so the client resumes from the offset the server reports."""

from __future__ import annotations

import fcntl
import json
import re
import secrets
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from app.errors import ConflictError, NotFoundError
from app.media.storage import PayloadTooLargeError

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


@dataclass(frozen=True)
class UploadSession:
    """What a client declared when it opened the upload (sizes in bytes)."""

    token: str
    pen_id: int
    camera_id: int | None
    filename: str | None
    size_bytes: int
    started_at: datetime | None
    user_id: int


class ResumableStore:
    """Upload sessions under ``<media_dir>/incoming``."""

    def __init__(self, media_dir: Path) -> None:
        self.root = media_dir.resolve() / "incoming"

    def _paths(self, token: str) -> tuple[Path, Path]:
        if not _TOKEN.match(token):
            raise NotFoundError.for_id("upload", token)
        return self.root / f"{token}.json", self.root / f"{token}.part"

    def create(
        self, *, pen_id: int, camera_id: int | None, filename: str | None, size_bytes: int,
        started_at: datetime | None, user_id: int,
    ) -> UploadSession:  # fmt: skip
        """Open a session with an empty ``.part`` file."""
        self.root.mkdir(parents=True, exist_ok=True)
        upload = UploadSession(
            secrets.token_urlsafe(24), pen_id, camera_id, filename, size_bytes, started_at, user_id
        )
        meta, part = self._paths(upload.token)
        part.touch()
        meta.write_text(json.dumps(asdict(upload), default=str))
        return upload

    def load(self, token: str) -> UploadSession:
        """The session, or `NotFoundError` (404)."""
        meta, _ = self._paths(token)
        if not meta.is_file():
            raise NotFoundError.for_id("upload", token)
        data = json.loads(meta.read_text())
        started = data.get("started_at")
        return UploadSession(**{**data, "started_at": datetime.fromisoformat(started) if started else None})

    def offset(self, token: str) -> int:
        """Bytes received so far."""
        return self._paths(token)[1].stat().st_size

    async def append(self, token: str, body: AsyncIterator[bytes], *, offset: int) -> int:
        """Append a request body at ``offset`` (which must be the current size); returns the new offset.

        Raises:
            ConflictError: ``offset`` is not the current size (409; details hold the right offset).
            PayloadTooLargeError: more bytes than declared (413); the file is cut back to ``offset``.
        """
        upload = self.load(token)
        part = self._paths(token)[1]
        with part.open("r+b") as out:
            fcntl.flock(out, fcntl.LOCK_EX)
            current = out.seek(0, 2)
            if offset != current:
                raise ConflictError(f"offset {offset} is not where the upload stands ({current})",
                                    details={"offset": current})  # fmt: skip
            async for piece in body:
                if out.tell() + len(piece) > upload.size_bytes:
                    out.truncate(offset)
                    raise PayloadTooLargeError(f"more than the declared {upload.size_bytes} bytes")
                out.write(piece)
            return out.tell()

    def complete_file(self, token: str) -> Path:
        """The ``.part`` file once it holds exactly the declared size (else `ConflictError`, 409)."""
        upload, part = self.load(token), self._paths(token)[1]
        size = part.stat().st_size
        if size != upload.size_bytes:
            raise ConflictError(f"upload has {size} of {upload.size_bytes} bytes", details={"offset": size})
        return part

    def discard(self, token: str) -> None:
        """Delete the session and its data."""
        for path in self._paths(token):
            path.unlink(missing_ok=True)
