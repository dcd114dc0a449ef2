"""HNSW over the pools only: ``ix_embeddings_vector_hnsw`` (every embedding) becomes the partial
``ix_embeddings_pool_vector_hnsw`` (``WHERE in_pool``).

Since 0003 the per-pen re-ID search is exact through the pool covering btree, so no query needs the history's
vectors in an approximate index; every non-pool embedding (most of them: a track stores up to 8, its pool
admits the novel few) paid an HNSW insertion and ~1.2 kB of index for nothing. The pools stay in an HNSW
cosine index for searches across pens (an animal that moved, `bench/pgvector_query.py` "global").

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 20:55:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HNSW_OPS = {"vector": "halfvec_cosine_ops"}


def upgrade() -> None:
    """Replace the full-table HNSW index by one over the pool entries."""
    op.drop_index("ix_embeddings_vector_hnsw", table_name="embeddings", postgresql_using="hnsw")
    op.create_index(
        "ix_embeddings_pool_vector_hnsw",
        "embeddings",
        ["vector"],
        unique=False,
        postgresql_using="hnsw",
        postgresql_ops=HNSW_OPS,
        postgresql_where=sa.text("in_pool"),
    )


def downgrade() -> None:
    """Back to the full-table HNSW index of 0001."""
    op.drop_index("ix_embeddings_pool_vector_hnsw", table_name="embeddings", postgresql_using="hnsw")
    op.create_index(
        "ix_embeddings_vector_hnsw",
        "embeddings",
        ["vector"],
        unique=False,
        postgresql_using="hnsw",
        postgresql_ops=HNSW_OPS,
    )
