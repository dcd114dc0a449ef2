"""Per-worker-process state, created lazily once: settings, the database session factory, the processor."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings, get_settings
from models.pipeline.processor import ChunkProcessor, load_processor
from workers.results import IdentityAssigner


@lru_cache(maxsize=1)
def worker_settings() -> Settings:
    """The settings of this worker process (environment / `.env`)."""
    return get_settings()


@lru_cache(maxsize=1)
def worker_session_factory() -> sessionmaker[Session]:
    """Session factory on the pigwatch database (the embedded server attached when no ``DATABASE_URL``)."""
    import app.models  # noqa: F401  (every table mapped, so foreign keys resolve)
    from app.db import make_engine, make_session_factory, resolve_database_url

    return make_session_factory(make_engine(resolve_database_url(worker_settings())))


@lru_cache(maxsize=1)
def worker_processor() -> ChunkProcessor:
    """The chunk processor named by ``PIGWATCH_PROCESSOR``, built on first use and kept for the process."""
    return load_processor(worker_settings().processor)


def identity_assigner() -> IdentityAssigner | None:
    """RE-IDENTIFICATION HOOK POINT: the function the chunk task calls, in the chunk's result transaction,
    right after inserting its tracks and embeddings (`app.identity.service.chunk_identity_hook`)."""
    from app.identity.service import chunk_identity_hook

    return chunk_identity_hook
