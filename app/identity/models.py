"""Re-identification data: appearance embeddings (pgvector) and the identity audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pgvector.sqlalchemy import HALFVEC
from sqlalchemy import Boolean, ForeignKey, Index, String, false, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.columns import TZ, created_at_column, one_of
from app.db import Base

EMBEDDING_DIM = 384
"""Length of every stored appearance vector (DINOv3 ViT-S/16 CLS token)."""

IDENTITY_EVENT_KINDS: tuple[str, ...] = ("merge", "split", "reassign", "confirm", "reject", "create")


class Embedding(Base):
    """One L2-normalised appearance vector (``halfvec(384)``) of a track, captured at ``captured_at``.

    ``in_pool`` marks vectors kept in the animal's re-identification pool. A pen's pools are read through the
    partial covering btree ``ix_embeddings_pool_animal_id`` ``(animal_id) INCLUDE (vector) WHERE in_pool``
    (migration 0003; `app.identity.repository.nearest_pool_hits`); the pool entries are also in an HNSW
    cosine index (``WHERE in_pool``, migration 0004) for searches across pens.
    """

    __tablename__ = "embeddings"
    __table_args__ = (
        Index(
            "ix_embeddings_pool_vector_hnsw",
            "vector",
            postgresql_using="hnsw",
            postgresql_ops={"vector": "halfvec_cosine_ops"},
            postgresql_where=text("in_pool"),
        ),
        Index(
            "ix_embeddings_pool_animal_id",
            "animal_id",
            postgresql_include=["vector"],
            postgresql_where=text("in_pool"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    animal_id: Mapped[int | None] = mapped_column(ForeignKey("animals.id", ondelete="SET NULL"), index=True)
    track_id: Mapped[int | None] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"), index=True)
    chunk_id: Mapped[int] = mapped_column(ForeignKey("chunks.id", ondelete="CASCADE"), index=True)
    camera_id: Mapped[int | None] = mapped_column(ForeignKey("cameras.id", ondelete="SET NULL"))
    captured_at: Mapped[datetime] = mapped_column(TZ)
    vector: Mapped[Any] = mapped_column(HALFVEC(EMBEDDING_DIM))
    in_pool: Mapped[bool] = mapped_column(Boolean, server_default=false())


class IdentityEvent(Base):
    """One identity curation step (audit trail); ``reverts_id`` points at the event this one undoes."""

    __tablename__ = "identity_events"
    __table_args__ = (one_of("kind", IDENTITY_EVENT_KINDS),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    animal_id: Mapped[int] = mapped_column(ForeignKey("animals.id", ondelete="CASCADE"), index=True)
    other_animal_id: Mapped[int | None] = mapped_column(ForeignKey("animals.id", ondelete="SET NULL"))
    track_id: Mapped[int | None] = mapped_column(ForeignKey("tracks.id", ondelete="SET NULL"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()
    reverted_at: Mapped[datetime | None] = mapped_column(TZ)
    reverts_id: Mapped[int | None] = mapped_column(ForeignKey("identity_events.id", ondelete="SET NULL"))
