"""pigwatch command line: composes `app/`, `workers/` and `models/` behind one `pigwatch` command."""
