"""Summaries domain."""
