"""Animals domain."""
