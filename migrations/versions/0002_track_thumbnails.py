"""Track thumbnails: a few small JPEG crops per stored track, in the media store (``track_thumbnails``), and
the index ``tracks (animal_id, start_at)`` that finds an animal's latest tracks (and so thumbnails) fast.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 17:45:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create ``track_thumbnails`` (rows of a chunk are replaced with it; files live in the media store)."""
    op.create_table(
        "track_thumbnails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chunk_id", sa.Integer(), nullable=False),
        sa.Column("track_id", sa.Integer(), nullable=False),
        sa.Column("captured_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("frame_index", sa.Integer(), nullable=False),
        sa.Column("media_path", sa.String(length=500), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("xyxy", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.CheckConstraint("score >= 0 AND score <= 1", name=op.f("ck_track_thumbnails_score_unit")),
        sa.CheckConstraint("width > 0 AND height > 0", name=op.f("ck_track_thumbnails_size_positive")),
        sa.ForeignKeyConstraint(
            ["chunk_id"], ["chunks.id"], name=op.f("fk_track_thumbnails_chunk_id_chunks"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["track_id"], ["tracks.id"], name=op.f("fk_track_thumbnails_track_id_tracks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_track_thumbnails")),
        sa.UniqueConstraint("media_path", name=op.f("uq_track_thumbnails_media_path")),
    )
    op.create_index(op.f("ix_track_thumbnails_chunk_id"), "track_thumbnails", ["chunk_id"], unique=False)
    op.create_index(op.f("ix_track_thumbnails_track_id"), "track_thumbnails", ["track_id"], unique=False)
    op.create_index("ix_tracks_animal_id_start_at", "tracks", ["animal_id", "start_at"], unique=False)


def downgrade() -> None:
    """Drop ``track_thumbnails`` (the JPEG files stay in the media store under ``thumbs/``) and the index."""
    op.drop_index("ix_tracks_animal_id_start_at", table_name="tracks")
    op.drop_index(op.f("ix_track_thumbnails_track_id"), table_name="track_thumbnails")
    op.drop_index(op.f("ix_track_thumbnails_chunk_id"), table_name="track_thumbnails")
    op.drop_table("track_thumbnails")
