"""Alembic migrations on a real PostgreSQL 18 + pgvector: up, down, up again; and they match the models."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import create_engine, inspect, pool, text

import app.models
from app.migrate import current_revision, downgrade, upgrade


def _table_names(url: str) -> set[str]:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _index_names(url: str, table: str) -> set[str]:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        return {str(i["name"]) for i in inspect(engine).get_indexes(table)}
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def scratch_url(make_database: Callable[[str], str]) -> str:
    """An empty database of its own, so that downgrades never touch the shared test database."""
    return make_database("pigwatch_migrations")


def test_upgrade_downgrade_upgrade(scratch_url: str) -> None:
    expected = set(app.models.metadata.tables)
    upgrade(scratch_url)
    assert current_revision(scratch_url) == "0004"
    assert expected <= _table_names(scratch_url)
    downgrade(scratch_url, "base")
    assert current_revision(scratch_url) is None
    assert _table_names(scratch_url) == {"alembic_version"}
    upgrade(scratch_url)
    assert expected <= _table_names(scratch_url)


def test_models_and_migration_agree(database_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    engine = create_engine(database_url, poolclass=pool.NullPool)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, app.models.metadata)
    engine.dispose()
    assert diff == []


def test_vector_extension_and_hnsw_index(database_url: str) -> None:
    engine = create_engine(database_url, poolclass=pool.NullPool)
    with engine.connect() as conn:
        version = conn.scalar(text("SELECT extversion FROM pg_extension WHERE extname = 'vector'"))
        indexdef = conn.scalar(
            text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_embeddings_pool_vector_hnsw'")
        )
    engine.dispose()
    assert version is not None
    assert "hnsw" in indexdef and "halfvec_cosine_ops" in indexdef and "WHERE in_pool" in indexdef


def test_track_thumbnails_revision_down_and_up(scratch_url: str) -> None:
    """0002 adds only ``track_thumbnails`` on top of 0001, keeps 0001's rows, and comes back cleanly."""
    upgrade(scratch_url)
    engine = create_engine(scratch_url, poolclass=pool.NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO farms (name) VALUES ('kept across 0002')"))
        downgrade(scratch_url, "0001")
        assert current_revision(scratch_url) == "0001"
        tables = _table_names(scratch_url)
        assert "track_thumbnails" not in tables and "tracks" in tables
        assert "ix_tracks_animal_id_start_at" not in _index_names(scratch_url, "tracks")
        upgrade(scratch_url, "0002")
        assert current_revision(scratch_url) == "0002"
        assert "track_thumbnails" in _table_names(scratch_url)
        assert "ix_tracks_animal_id_start_at" in _index_names(scratch_url, "tracks")
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT count(*) FROM farms WHERE name = 'kept across 0002'")) == 1
            columns = {c["name"] for c in inspect(conn).get_columns("track_thumbnails")}
    finally:
        engine.dispose()
    assert {"chunk_id", "track_id", "captured_at", "media_path", "width", "height", "score"} <= columns


def test_pool_covering_index_revision_down_and_up(scratch_url: str) -> None:
    """0003 adds only the partial covering btree of the pools on top of 0002, and comes back cleanly."""
    upgrade(scratch_url)
    engine = create_engine(scratch_url, poolclass=pool.NullPool)
    query = text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_embeddings_pool_animal_id'")
    try:
        with engine.connect() as conn:
            indexdef = conn.scalar(query)
        assert indexdef is not None
        assert "(animal_id) INCLUDE (vector) WHERE in_pool" in indexdef
        downgrade(scratch_url, "0002")
        assert current_revision(scratch_url) == "0002"
        assert "ix_embeddings_pool_animal_id" not in _index_names(scratch_url, "embeddings")
        assert "ix_embeddings_vector_hnsw" in _index_names(scratch_url, "embeddings")
        upgrade(scratch_url, "0003")
        assert "ix_embeddings_pool_animal_id" in _index_names(scratch_url, "embeddings")
    finally:
        engine.dispose()


def test_pool_only_hnsw_revision_down_and_up(scratch_url: str) -> None:
    """0004 swaps the full-table HNSW index for one over the pools, and comes back cleanly."""
    upgrade(scratch_url)
    assert {"ix_embeddings_pool_vector_hnsw", "ix_embeddings_pool_animal_id"} <= _index_names(
        scratch_url, "embeddings"
    )
    assert "ix_embeddings_vector_hnsw" not in _index_names(scratch_url, "embeddings")
    downgrade(scratch_url, "0003")
    names = _index_names(scratch_url, "embeddings")
    assert "ix_embeddings_vector_hnsw" in names and "ix_embeddings_pool_vector_hnsw" not in names
    upgrade(scratch_url)
    assert current_revision(scratch_url) == "0004"
