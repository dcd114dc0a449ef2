"""The media store: where uploaded and recorded video files live, and streaming a request body to disk."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime
from pathlib import Path

from app.errors import AppError

ALLOWED_SUFFIXES: frozenset[str] = frozenset({".mp4", ".mkv", ".mov", ".avi", ".ts", ".webm", ".m4v", ".mpg"})
"""File name suffixes kept for stored media; anything else as ``.upload`` (PyAV sniffs the format)."""


class PayloadTooLargeError(AppError):
    """The body is larger than ``PIGWATCH_MAX_UPLOAD_BYTES``."""

    status_code = 413
    code = "payload_too_large"


def new_media_path(media_dir: Path, *, kind: str, filename: str | None) -> tuple[str, Path]:
    """A fresh, unique location for a media file.

    Args:
        media_dir: root of the media store.
        kind: first folder level (``uploads``, ``streams``, ``sim``).
        filename: the client's file name; only its suffix is used, when it is a known video suffix.

    Returns:
        (path relative to ``media_dir`` with ``/`` separators, absolute path); parent folders exist.
    """
    suffix = Path(filename or "").suffix.lower()
    suffix = suffix if suffix in ALLOWED_SUFFIXES else ".upload"
    relative = f"{kind}/{datetime.now(UTC):%Y/%m/%d}/{uuid.uuid4().hex}{suffix}"
    absolute = (media_dir / relative).resolve()
    absolute.parent.mkdir(parents=True, exist_ok=True)
    return relative, absolute


def _too_large(max_bytes: int) -> PayloadTooLargeError:
    return PayloadTooLargeError(
        f"upload is larger than the limit of {max_bytes} bytes", details={"max_bytes": max_bytes}
    )


def check_declared_length(content_length: str | None, *, max_bytes: int) -> None:
    """Refuse early when the client's ``Content-Length`` header already exceeds ``max_bytes``.

    Raises:
        PayloadTooLargeError: declared length over the limit.
        AppError: a malformed header (400).
    """
    if content_length is None:
        return
    try:
        declared = int(content_length)
    except ValueError as exc:
        raise AppError(f"Content-Length {content_length!r} is not a number") from exc
    if declared > max_bytes:
        raise _too_large(max_bytes)


async def save_stream(body: AsyncIterator[bytes], destination: Path, *, max_bytes: int) -> int:
    """Write an async byte stream to ``destination`` without holding it in memory.

    Args:
        body: the request body chunks (``request.stream()``).
        destination: file to create (overwritten).
        max_bytes: largest accepted size, bytes.

    Returns:
        Number of bytes written.

    Raises:
        PayloadTooLargeError: more than ``max_bytes`` arrived; the partial file is deleted.
        AppError: the body was empty (400); the file is deleted.
    """
    written = 0
    try:
        with destination.open("wb") as out:
            async for piece in body:
                written += len(piece)
                if written > max_bytes:
                    raise _too_large(max_bytes)
                out.write(piece)
        if written == 0:
            raise AppError("the request body is empty; send the video file as the body")
    except BaseException:
        destination.unlink(missing_ok=True)
        raise
    return written


def stored_file(media_dir: Path, relative: str) -> Path:
    """The absolute path of a stored media file, given its path relative to ``media_dir``.

    Raises:
        NotFoundError: the path leaves the media directory, or no such file exists (404).
    """
    from app.errors import NotFoundError

    root = media_dir.resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise NotFoundError(f"media file {relative!r} is not in the media store")
    return path


def remove_stored_files(media_dir: Path, relatives: Iterable[str], *, within: Path | None = None) -> int:
    """Unlink stored files (paths relative to ``media_dir``) and the folders they leave empty, climbing no
    higher than ``within`` (default: ``media_dir``; never removed itself). Paths outside ``within`` are
    ignored and a file already gone is no error, so a retried clean-up is harmless.

    Returns:
        The number of files unlinked.
    """
    root = media_dir.resolve()
    top = (within or media_dir).resolve()
    removed = 0
    for relative in relatives:
        path = (root / relative).resolve()
        if not path.is_relative_to(top) or path == top:
            continue
        if path.is_file():
            path.unlink(missing_ok=True)
            removed += 1
        parent = path.parent
        while parent != top and parent.is_relative_to(top):
            try:
                parent.rmdir()  # fails while the folder still holds files: then stop climbing
            except OSError:
                break
            parent = parent.parent
    return removed
