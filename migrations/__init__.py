"""Alembic migrations of the pigwatch schema (revisions in `versions/`, reviewed by hand)."""
