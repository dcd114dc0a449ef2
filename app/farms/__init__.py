"""Farms domain."""
