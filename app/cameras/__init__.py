"""Cameras domain."""
