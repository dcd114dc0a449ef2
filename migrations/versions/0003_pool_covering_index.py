"""Pool covering index: the partial btree ``embeddings (animal_id) INCLUDE (vector) WHERE in_pool``.

Re-identification searches a pen's pools exactly, one statement per query embedding
(`app.identity.repository.nearest_pool_hits`); through this index each search is one index-only scan in which
each animal's pool vectors lie together, instead of one random heap fetch per pool row. Non-pool embeddings
(the history) are not in it. Costs one index tuple per pool entry (915 B measured at 1,000,000 entries).
See docs/reid.md "Measured".

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 20:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create ``ix_embeddings_pool_animal_id`` (in one transaction: it blocks writes to ``embeddings``)."""
    op.create_index(
        "ix_embeddings_pool_animal_id",
        "embeddings",
        ["animal_id"],
        unique=False,
        postgresql_include=["vector"],
        postgresql_where=sa.text("in_pool"),
    )


def downgrade() -> None:
    """Drop ``ix_embeddings_pool_animal_id``."""
    op.drop_index(
        "ix_embeddings_pool_animal_id", table_name="embeddings", postgresql_where=sa.text("in_pool")
    )
