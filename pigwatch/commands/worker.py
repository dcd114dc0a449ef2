"""``pigwatch worker``: a real Celery worker processing chunk tasks (attaches to the embedded database)."""

from __future__ import annotations

import typer

POOLS = ("prefork", "solo", "threads")


def worker_argv(
    *, queues: str, concurrency: int, pool: str, loglevel: str, hostname: str | None, beat: bool = False
) -> list[str]:
    """The ``celery worker`` argument list for these options (``--beat`` embeds the periodic scheduler)."""
    argv = ["worker", f"--queues={queues}", f"--concurrency={concurrency}", f"--pool={pool}"]
    argv += [f"--loglevel={loglevel}", "--without-gossip", "--without-mingle"]
    return argv + ([f"--hostname={hostname}"] if hostname else []) + (["--beat"] if beat else [])


def worker(
    queues: str = typer.Option("cpu", "--queues", "-Q", help="Comma-separated queues to consume: cpu, gpu."),
    concurrency: int = typer.Option(1, "--concurrency", "-c", min=1, help="Tasks run at once (processes)."),
    pool: str = typer.Option("prefork", "--pool", help=f"Execution pool: {', '.join(POOLS)}."),
    loglevel: str = typer.Option("info", "--loglevel", help="Celery log level."),
    hostname: str = typer.Option(None, "--hostname", help="Worker node name (default celery@<host>)."),
    beat: bool = typer.Option(
        False, "--beat", help="Also run the periodic scheduler (daily thumbnail pruning); one worker only."
    ),
) -> None:
    """Start a Celery worker for chunk processing (broker: Redis, or the database without REDIS_URL)."""
    from app.cli_support import database_url, fail, load_settings
    from app.embedded import stop_embedded_server
    from workers.celery_app import make_celery

    unknown = {q.strip() for q in queues.split(",")} - {"cpu", "gpu"}
    if unknown:
        fail(f"unknown queue(s) {sorted(unknown)}; use cpu and/or gpu", code=2)
    if pool not in POOLS:
        fail(f"unknown pool {pool!r}; use one of {POOLS}", code=2)
    settings = load_settings()
    celery = make_celery(settings, database_url(settings))
    argv = worker_argv(
        queues=queues, concurrency=concurrency, pool=pool, loglevel=loglevel, hostname=hostname, beat=beat
    )
    try:
        celery.worker_main(argv)
    finally:
        stop_embedded_server()


def register(app: typer.Typer) -> None:
    """Add the ``worker`` command."""
    app.command("worker")(worker)
