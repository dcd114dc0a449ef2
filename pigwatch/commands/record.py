"""``pigwatch record --camera ID``: record a camera's stream into segments registered as recordings."""

from __future__ import annotations

from typing import Any

import typer


def record(
    camera: int = typer.Option(..., "--camera", help="Id of the camera to record (see GET /api/cameras)."),
    segment_seconds: float = typer.Option(300.0, "--segment-seconds", min=1.0, help="Segment length, s."),
    backoff_max_s: float = typer.Option(60.0, "--backoff-max", min=0.1, help="Longest reconnect delay, s."),
    stop_at_end: bool = typer.Option(False, "--stop-at-end", help="Exit when the stream ends (files)."),
) -> None:
    """Record a camera until Ctrl-C, reconnecting when its stream drops (gaps are recorded)."""
    import signal
    import threading

    from rich.console import Console

    import app.models  # noqa: F401  (every table mapped, so foreign keys resolve)
    from app.cli_support import database_url, load_settings
    from app.db import make_engine, make_session_factory
    from app.embedded import stop_embedded_server
    from app.media.queue import sender_for_settings
    from workers.recorder import RecorderConfig, StreamRecorder
    from workers.recorder_events import ReportingRecorderEvents, camera_segment_dir

    settings = load_settings()
    factory = make_session_factory(make_engine(database_url(settings)))
    url = _camera_url(factory, camera)
    console = Console()
    events = ReportingRecorderEvents(
        factory, camera_id=camera, media_dir=settings.media_dir, chunk_seconds=settings.chunk_seconds,
        sender=sender_for_settings(settings), report=console.print,
    )  # fmt: skip
    config = RecorderConfig(
        segment_seconds=segment_seconds, backoff_max_s=backoff_max_s, stop_at_end=stop_at_end
    )
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    out_dir = camera_segment_dir(settings.media_dir, camera)
    console.print(f"recording camera {camera} from {url} into {out_dir} (Ctrl-C stops)")
    try:
        StreamRecorder(url=url, out_dir=out_dir, events=events, config=config, stop=stop).run()
    finally:
        events.stopped()
        stop_embedded_server()
    console.print(f"stopped; {len(events.recording_ids)} segment(s) registered")


def _camera_url(factory: Any, camera_id: int) -> str:
    """The camera's stream URL, or a clear error (exit 1) for an unknown or disabled camera."""
    from app.cameras.models import Camera
    from app.cli_support import fail

    with factory() as session:
        camera = session.get(Camera, camera_id)
        if camera is None:
            fail(f"camera {camera_id} not found")
        if not camera.enabled:
            fail(f"camera {camera_id} is disabled")
        return str(camera.stream_url)


def register(app: typer.Typer) -> None:
    """Add the ``record`` command."""
    app.command("record")(record)
