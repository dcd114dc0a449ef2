"""Typed errors of chunk processing: permanent ones fail the chunk, transient ones are retried."""

from __future__ import annotations


class ChunkError(Exception):
    """Base class of chunk processing errors; ``str(error)`` is the message stored on the chunk."""


class ChunkNotFoundError(ChunkError):
    """The chunk id names no row (deleted recording, stale message); the task is dropped."""


class MediaMissingError(ChunkError):
    """The recording's video file is not in the media directory (permanent)."""


class InvalidResultError(ChunkError):
    """The processor returned something that cannot be stored (permanent: a processor bug)."""


class TransientChunkError(ChunkError):
    """A failure worth retrying (database or broker unavailable); the task retries with back-off."""
