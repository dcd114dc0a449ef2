"""Initial schema: farms, pens, zones, cameras, recordings, chunks, animals, per-chunk results, embeddings
(halfvec(384) with an HNSW cosine index), daily summaries, alerts, health records, identity audit trail, users
and API keys. Reviewed by hand; `tests/migrations` checks that it agrees with the models.

Revision ID: 0001
Revises:
Create Date: 2026-11-24 14:39:41.838472

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
import pgvector.sqlalchemy

# revision identifiers, used by Alembic.
revision: str = '0001'
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Create the vector extension, then every table."""
    op.execute("CREATE EXTENSION IF NOT EXISTS vector")
    op.create_table('farms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_farms')),
    sa.UniqueConstraint('name', name=op.f('uq_farms_name'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('password_hash', sa.Text(), nullable=True),
    sa.Column('active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("role IN ('admin', 'manager', 'vet', 'viewer')", name=op.f('ck_users_role_vocabulary')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    op.create_table('api_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('prefix', sa.String(length=32), nullable=False),
    sa.Column('key_hash', sa.String(length=128), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_keys_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
    sa.UniqueConstraint('prefix', name=op.f('uq_api_keys_prefix'))
    )
    op.create_index(op.f('ix_api_keys_user_id'), 'api_keys', ['user_id'], unique=False)
    op.create_table('pens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('farm_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('capacity IS NULL OR capacity > 0', name=op.f('ck_pens_capacity_positive')),
    sa.ForeignKeyConstraint(['farm_id'], ['farms.id'], name=op.f('fk_pens_farm_id_farms'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pens')),
    sa.UniqueConstraint('farm_id', 'name', name=op.f('uq_pens_farm_id_name'))
    )
    op.create_index(op.f('ix_pens_farm_id'), 'pens', ['farm_id'], unique=False)
    op.create_table('animals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pen_id', sa.Integer(), nullable=True),
    sa.Column('ear_tag', sa.String(length=100), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('sex', sa.String(length=20), server_default='unknown', nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=20), server_default='healthy', nullable=False),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("sex IN ('female', 'male', 'castrated_male', 'unknown')", name=op.f('ck_animals_sex_vocabulary')),
    sa.CheckConstraint("status IN ('healthy', 'suspicious', 'ill', 'in_treatment', 'to_be_culled')", name=op.f('ck_animals_status_vocabulary')),
    sa.ForeignKeyConstraint(['merged_into_id'], ['animals.id'], name=op.f('fk_animals_merged_into_id_animals'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['pen_id'], ['pens.id'], name=op.f('fk_animals_pen_id_pens'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_animals')),
    sa.UniqueConstraint('ear_tag', name=op.f('uq_animals_ear_tag'))
    )
    op.create_index(op.f('ix_animals_pen_id'), 'animals', ['pen_id'], unique=False)
    op.create_table('cameras',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pen_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('stream_url', sa.Text(), nullable=False),
    sa.Column('enabled', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('status', sa.String(length=20), server_default='idle', nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('idle', 'connecting', 'recording', 'reconnecting', 'error', 'disabled')", name=op.f('ck_cameras_status_vocabulary')),
    sa.ForeignKeyConstraint(['pen_id'], ['pens.id'], name=op.f('fk_cameras_pen_id_pens'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cameras')),
    sa.UniqueConstraint('pen_id', 'name', name=op.f('uq_cameras_pen_id_name'))
    )
    op.create_index(op.f('ix_cameras_pen_id'), 'cameras', ['pen_id'], unique=False)
    op.create_table('daily_summaries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('animal_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('behaviour_seconds', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('observed_s', sa.Float(), server_default='0', nullable=False),
    sa.Column('feeder_visits', sa.Integer(), server_default='0', nullable=False),
    sa.Column('feeder_dwell_s', sa.Float(), server_default='0', nullable=False),
    sa.Column('drinker_visits', sa.Integer(), server_default='0', nullable=False),
    sa.Column('drinker_dwell_s', sa.Float(), server_default='0', nullable=False),
    sa.Column('activity_index', sa.Float(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('observed_s >= 0', name=op.f('ck_daily_summaries_observed_non_negative')),
    sa.ForeignKeyConstraint(['animal_id'], ['animals.id'], name=op.f('fk_daily_summaries_animal_id_animals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_daily_summaries')),
    sa.UniqueConstraint('animal_id', 'day', name=op.f('uq_daily_summaries_animal_id_day'))
    )
    op.create_index(op.f('ix_daily_summaries_animal_id'), 'daily_summaries', ['animal_id'], unique=False)
    op.create_table('health_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('animal_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('condition', sa.String(length=200), nullable=True),
    sa.Column('severity', sa.String(length=50), nullable=True),
    sa.Column('product', sa.String(length=200), nullable=True),
    sa.Column('dose', sa.String(length=100), nullable=True),
    sa.Column('route', sa.String(length=100), nullable=True),
    sa.Column('withdrawal_end', sa.Date(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind IN ('diagnosis', 'treatment', 'observation')", name=op.f('ck_health_events_kind_vocabulary')),
    sa.ForeignKeyConstraint(['animal_id'], ['animals.id'], name=op.f('fk_health_events_animal_id_animals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_health_events_recorded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_health_events'))
    )
    op.create_index(op.f('ix_health_events_animal_id'), 'health_events', ['animal_id'], unique=False)
    op.create_table('lameness_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('animal_id', sa.Integer(), nullable=False),
    sa.Column('scored_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('scale_max', sa.SmallInteger(), nullable=False),
    sa.Column('score', sa.SmallInteger(), nullable=False),
    sa.Column('scorer_id', sa.Integer(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('scale_max IN (3, 5)', name=op.f('ck_lameness_scores_scale_max_vocabulary')),
    sa.CheckConstraint('score >= 0 AND score <= scale_max', name=op.f('ck_lameness_scores_score_in_scale')),
    sa.ForeignKeyConstraint(['animal_id'], ['animals.id'], name=op.f('fk_lameness_scores_animal_id_animals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['scorer_id'], ['users.id'], name=op.f('fk_lameness_scores_scorer_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lameness_scores'))
    )
    op.create_index(op.f('ix_lameness_scores_animal_id'), 'lameness_scores', ['animal_id'], unique=False)
    op.create_table('recordings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pen_id', sa.Integer(), nullable=False),
    sa.Column('camera_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('media_path', sa.Text(), nullable=False),
    sa.Column('original_filename', sa.Text(), nullable=True),
    sa.Column('size_bytes', sa.BigInteger(), nullable=True),
    sa.Column('container', sa.String(length=50), nullable=True),
    sa.Column('codec', sa.String(length=50), nullable=True),
    sa.Column('width', sa.Integer(), nullable=True),
    sa.Column('height', sa.Integer(), nullable=True),
    sa.Column('fps', sa.Float(), nullable=True),
    sa.Column('duration_s', sa.Float(), nullable=True),
    sa.Column('n_frames', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=20), server_default='pending', nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("source IN ('upload', 'stream', 'sim')", name=op.f('ck_recordings_source_vocabulary')),
    sa.CheckConstraint("status IN ('pending', 'queued', 'processing', 'done', 'failed')", name=op.f('ck_recordings_status_vocabulary')),
    sa.CheckConstraint('size_bytes IS NULL OR size_bytes >= 0', name=op.f('ck_recordings_size_non_negative')),
    sa.ForeignKeyConstraint(['camera_id'], ['cameras.id'], name=op.f('fk_recordings_camera_id_cameras'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_recordings_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['pen_id'], ['pens.id'], name=op.f('fk_recordings_pen_id_pens'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recordings'))
    )
    op.create_index(op.f('ix_recordings_camera_id'), 'recordings', ['camera_id'], unique=False)
    op.create_index(op.f('ix_recordings_pen_id'), 'recordings', ['pen_id'], unique=False)
    op.create_table('stream_gaps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('camera_id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['camera_id'], ['cameras.id'], name=op.f('fk_stream_gaps_camera_id_cameras'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stream_gaps'))
    )
    op.create_index(op.f('ix_stream_gaps_camera_id'), 'stream_gaps', ['camera_id'], unique=False)
    op.create_table('weights',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('animal_id', sa.Integer(), nullable=False),
    sa.Column('weighed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kg', sa.Float(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('kg > 0', name=op.f('ck_weights_kg_positive')),
    sa.ForeignKeyConstraint(['animal_id'], ['animals.id'], name=op.f('fk_weights_animal_id_animals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_weights_recorded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_weights'))
    )
    op.create_index(op.f('ix_weights_animal_id'), 'weights', ['animal_id'], unique=False)
    op.create_table('zones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pen_id', sa.Integer(), nullable=False),
    sa.Column('camera_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('polygon', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.CheckConstraint("kind IN ('feeder', 'drinker', 'lying')", name=op.f('ck_zones_kind_vocabulary')),
    sa.ForeignKeyConstraint(['camera_id'], ['cameras.id'], name=op.f('fk_zones_camera_id_cameras'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['pen_id'], ['pens.id'], name=op.f('fk_zones_pen_id_pens'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_zones')),
    sa.UniqueConstraint('pen_id', 'name', name=op.f('uq_zones_pen_id_name'))
    )
    op.create_index(op.f('ix_zones_camera_id'), 'zones', ['camera_id'], unique=False)
    op.create_index(op.f('ix_zones_pen_id'), 'zones', ['pen_id'], unique=False)
    op.create_table('alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('animal_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('evidence', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('status', sa.String(length=20), server_default='open', nullable=False),
    sa.Column('health_event_id', sa.Integer(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind IN ('feeding', 'drinking', 'activity')", name=op.f('ck_alerts_kind_vocabulary')),
    sa.CheckConstraint("status IN ('open', 'confirmed', 'dismissed')", name=op.f('ck_alerts_status_vocabulary')),
    sa.ForeignKeyConstraint(['animal_id'], ['animals.id'], name=op.f('fk_alerts_animal_id_animals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_alerts_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['health_event_id'], ['health_events.id'], name=op.f('fk_alerts_health_event_id_health_events'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alerts')),
    sa.UniqueConstraint('animal_id', 'kind', 'day', name=op.f('uq_alerts_animal_id_kind_day'))
    )
    op.create_index(op.f('ix_alerts_animal_id'), 'alerts', ['animal_id'], unique=False)
    op.create_table('chunks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recording_id', sa.Integer(), nullable=False),
    sa.Column('index', sa.Integer(), nullable=False),
    sa.Column('start_s', sa.Float(), nullable=False),
    sa.Column('end_s', sa.Float(), nullable=False),
    sa.Column('status', sa.String(length=20), server_default='queued', nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('progress', sa.Float(), server_default='0', nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('task_id', sa.String(length=255), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name=op.f('ck_chunks_status_vocabulary')),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_chunks_attempts_non_negative')),
    sa.CheckConstraint('end_s >= start_s', name=op.f('ck_chunks_span_ordered')),
    sa.CheckConstraint('progress >= 0 AND progress <= 1', name=op.f('ck_chunks_progress_unit')),
    sa.ForeignKeyConstraint(['recording_id'], ['recordings.id'], name=op.f('fk_chunks_recording_id_recordings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chunks')),
    sa.UniqueConstraint('recording_id', 'index', name=op.f('uq_chunks_recording_id_index'))
    )
    op.create_index(op.f('ix_chunks_recording_id'), 'chunks', ['recording_id'], unique=False)
    op.create_table('tracks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chunk_id', sa.Integer(), nullable=False),
    sa.Column('local_id', sa.Integer(), nullable=False),
    sa.Column('animal_id', sa.Integer(), nullable=True),
    sa.Column('assignment_confidence', sa.Float(), nullable=True),
    sa.Column('assignment_band', sa.String(length=20), server_default='unknown', nullable=False),
    sa.Column('candidate_animal_id', sa.Integer(), nullable=True),
    sa.Column('start_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('n_frames', sa.Integer(), server_default='0', nullable=False),
    sa.CheckConstraint("assignment_band IN ('assigned', 'suggested', 'unknown')", name=op.f('ck_tracks_assignment_band_vocabulary')),
    sa.CheckConstraint('assignment_confidence IS NULL OR (assignment_confidence >= 0 AND assignment_confidence <= 1)', name=op.f('ck_tracks_confidence_unit')),
    sa.CheckConstraint('end_at >= start_at', name=op.f('ck_tracks_span_ordered')),
    sa.ForeignKeyConstraint(['animal_id'], ['animals.id'], name=op.f('fk_tracks_animal_id_animals'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['candidate_animal_id'], ['animals.id'], name=op.f('fk_tracks_candidate_animal_id_animals'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['chunk_id'], ['chunks.id'], name=op.f('fk_tracks_chunk_id_chunks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tracks')),
    sa.UniqueConstraint('chunk_id', 'local_id', name=op.f('uq_tracks_chunk_id_local_id'))
    )
    op.create_index(op.f('ix_tracks_animal_id'), 'tracks', ['animal_id'], unique=False)
    op.create_index(op.f('ix_tracks_chunk_id'), 'tracks', ['chunk_id'], unique=False)
    op.create_table('behaviour_bouts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chunk_id', sa.Integer(), nullable=False),
    sa.Column('track_id', sa.Integer(), nullable=False),
    sa.Column('animal_id', sa.Integer(), nullable=True),
    sa.Column('label', sa.String(length=20), nullable=False),
    sa.Column('start_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('probability', sa.Float(), nullable=False),
    sa.CheckConstraint("label IN ('standing', 'lying', 'eat', 'drink', 'sitting', 'sleep', 'run', 'playwithtoy', 'nose-to-nose')", name=op.f('ck_behaviour_bouts_label_vocabulary')),
    sa.CheckConstraint('end_at >= start_at', name=op.f('ck_behaviour_bouts_span_ordered')),
    sa.CheckConstraint('probability >= 0 AND probability <= 1', name=op.f('ck_behaviour_bouts_probability_unit')),
    sa.ForeignKeyConstraint(['animal_id'], ['animals.id'], name=op.f('fk_behaviour_bouts_animal_id_animals'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['chunk_id'], ['chunks.id'], name=op.f('fk_behaviour_bouts_chunk_id_chunks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['track_id'], ['tracks.id'], name=op.f('fk_behaviour_bouts_track_id_tracks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_behaviour_bouts'))
    )
    op.create_index(op.f('ix_behaviour_bouts_animal_id'), 'behaviour_bouts', ['animal_id'], unique=False)
    op.create_index(op.f('ix_behaviour_bouts_chunk_id'), 'behaviour_bouts', ['chunk_id'], unique=False)
    op.create_index(op.f('ix_behaviour_bouts_track_id'), 'behaviour_bouts', ['track_id'], unique=False)
    op.create_table('embeddings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('animal_id', sa.Integer(), nullable=True),
    sa.Column('track_id', sa.Integer(), nullable=True),
    sa.Column('chunk_id', sa.Integer(), nullable=False),
    sa.Column('camera_id', sa.Integer(), nullable=True),
    sa.Column('captured_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('vector', pgvector.sqlalchemy.halfvec.HALFVEC(dim=384), nullable=False),
    sa.Column('in_pool', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.ForeignKeyConstraint(['animal_id'], ['animals.id'], name=op.f('fk_embeddings_animal_id_animals'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['camera_id'], ['cameras.id'], name=op.f('fk_embeddings_camera_id_cameras'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['chunk_id'], ['chunks.id'], name=op.f('fk_embeddings_chunk_id_chunks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['track_id'], ['tracks.id'], name=op.f('fk_embeddings_track_id_tracks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_embeddings'))
    )
    op.create_index(op.f('ix_embeddings_animal_id'), 'embeddings', ['animal_id'], unique=False)
    op.create_index(op.f('ix_embeddings_chunk_id'), 'embeddings', ['chunk_id'], unique=False)
    op.create_index(op.f('ix_embeddings_track_id'), 'embeddings', ['track_id'], unique=False)
    op.create_index('ix_embeddings_vector_hnsw', 'embeddings', ['vector'], unique=False, postgresql_using='hnsw', postgresql_ops={'vector': 'halfvec_cosine_ops'})
    op.create_table('identity_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('animal_id', sa.Integer(), nullable=False),
    sa.Column('other_animal_id', sa.Integer(), nullable=True),
    sa.Column('track_id', sa.Integer(), nullable=True),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('reverted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reverts_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('merge', 'split', 'reassign', 'confirm', 'reject', 'create')", name=op.f('ck_identity_events_kind_vocabulary')),
    sa.ForeignKeyConstraint(['animal_id'], ['animals.id'], name=op.f('fk_identity_events_animal_id_animals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['other_animal_id'], ['animals.id'], name=op.f('fk_identity_events_other_animal_id_animals'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reverts_id'], ['identity_events.id'], name=op.f('fk_identity_events_reverts_id_identity_events'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['track_id'], ['tracks.id'], name=op.f('fk_identity_events_track_id_tracks'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_identity_events_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_events'))
    )
    op.create_index(op.f('ix_identity_events_animal_id'), 'identity_events', ['animal_id'], unique=False)
    op.create_table('zone_visits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chunk_id', sa.Integer(), nullable=False),
    sa.Column('track_id', sa.Integer(), nullable=False),
    sa.Column('animal_id', sa.Integer(), nullable=True),
    sa.Column('zone_id', sa.Integer(), nullable=False),
    sa.Column('start_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('end_at >= start_at', name=op.f('ck_zone_visits_span_ordered')),
    sa.ForeignKeyConstraint(['animal_id'], ['animals.id'], name=op.f('fk_zone_visits_animal_id_animals'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['chunk_id'], ['chunks.id'], name=op.f('fk_zone_visits_chunk_id_chunks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['track_id'], ['tracks.id'], name=op.f('fk_zone_visits_track_id_tracks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['zone_id'], ['zones.id'], name=op.f('fk_zone_visits_zone_id_zones'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_zone_visits'))
    )
    op.create_index(op.f('ix_zone_visits_animal_id'), 'zone_visits', ['animal_id'], unique=False)
    op.create_index(op.f('ix_zone_visits_chunk_id'), 'zone_visits', ['chunk_id'], unique=False)
    op.create_index(op.f('ix_zone_visits_track_id'), 'zone_visits', ['track_id'], unique=False)
    op.create_index(op.f('ix_zone_visits_zone_id'), 'zone_visits', ['zone_id'], unique=False)


def downgrade() -> None:
    """Drop every table (the vector extension stays: other databases objects may use it)."""
    op.drop_index(op.f('ix_zone_visits_zone_id'), table_name='zone_visits')
    op.drop_index(op.f('ix_zone_visits_track_id'), table_name='zone_visits')
    op.drop_index(op.f('ix_zone_visits_chunk_id'), table_name='zone_visits')
    op.drop_index(op.f('ix_zone_visits_animal_id'), table_name='zone_visits')
    op.drop_table('zone_visits')
    op.drop_index(op.f('ix_identity_events_animal_id'), table_name='identity_events')
    op.drop_table('identity_events')
    op.drop_index('ix_embeddings_vector_hnsw', table_name='embeddings', postgresql_using='hnsw', postgresql_ops={'vector': 'halfvec_cosine_ops'})
    op.drop_index(op.f('ix_embeddings_track_id'), table_name='embeddings')
    op.drop_index(op.f('ix_embeddings_chunk_id'), table_name='embeddings')
    op.drop_index(op.f('ix_embeddings_animal_id'), table_name='embeddings')
    op.drop_table('embeddings')
    op.drop_index(op.f('ix_behaviour_bouts_track_id'), table_name='behaviour_bouts')
    op.drop_index(op.f('ix_behaviour_bouts_chunk_id'), table_name='behaviour_bouts')
    op.drop_index(op.f('ix_behaviour_bouts_animal_id'), table_name='behaviour_bouts')
    op.drop_table('behaviour_bouts')
    op.drop_index(op.f('ix_tracks_chunk_id'), table_name='tracks')
    op.drop_index(op.f('ix_tracks_animal_id'), table_name='tracks')
    op.drop_table('tracks')
    op.drop_index(op.f('ix_chunks_recording_id'), table_name='chunks')
    op.drop_table('chunks')
    op.drop_index(op.f('ix_alerts_animal_id'), table_name='alerts')
    op.drop_table('alerts')
    op.drop_index(op.f('ix_zones_pen_id'), table_name='zones')
    op.drop_index(op.f('ix_zones_camera_id'), table_name='zones')
    op.drop_table('zones')
    op.drop_index(op.f('ix_weights_animal_id'), table_name='weights')
    op.drop_table('weights')
    op.drop_index(op.f('ix_stream_gaps_camera_id'), table_name='stream_gaps')
    op.drop_table('stream_gaps')
    op.drop_index(op.f('ix_recordings_pen_id'), table_name='recordings')
    op.drop_index(op.f('ix_recordings_camera_id'), table_name='recordings')
    op.drop_table('recordings')
    op.drop_index(op.f('ix_lameness_scores_animal_id'), table_name='lameness_scores')
    op.drop_table('lameness_scores')
    op.drop_index(op.f('ix_health_events_animal_id'), table_name='health_events')
    op.drop_table('health_events')
    op.drop_index(op.f('ix_daily_summaries_animal_id'), table_name='daily_summaries')
    op.drop_table('daily_summaries')
    op.drop_index(op.f('ix_cameras_pen_id'), table_name='cameras')
    op.drop_table('cameras')
    op.drop_index(op.f('ix_animals_pen_id'), table_name='animals')
    op.drop_table('animals')
    op.drop_index(op.f('ix_pens_farm_id'), table_name='pens')
    op.drop_table('pens')
    op.drop_index(op.f('ix_api_keys_user_id'), table_name='api_keys')
    op.drop_table('api_keys')
    op.drop_table('users')
    op.drop_table('farms')
