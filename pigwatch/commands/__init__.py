"""Sub-commands of `pigwatch`.

Each module here exposes ``register(app: typer.Typer) -> None`` and is picked up by `pigwatch.cli`.
Keep imports of heavy libraries (torch, the app, Celery) inside the command functions so that
``pigwatch --help`` stays fast.
"""
