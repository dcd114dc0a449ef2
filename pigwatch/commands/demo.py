"""``pigwatch demo``: the whole system on one machine, end to end.

Starts (or attaches to) the embedded database and migrates it, creates a demo farm, pen (with the simulator's
zones), animals and an admin user (credentials printed), renders a simulated pen recording with
`models.sim`, registers it through the recordings service, starts a real Celery worker process (and the web
server, unless ``--no-serve``) beside it, and shows progress bars while its chunks are processed.
"""

from __future__ import annotations

import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer

DEMO_FARM, DEMO_PEN, DEMO_ADMIN = "Demo farm", "Demo pen", "demo-admin@pigwatch.local"
ZONE_KINDS = ("feeder", "drinker", "lying")
SIM_SEXES = {"female": "female", "male": "male", "castrate": "castrated_male"}
"""Simulator sex names -> the animals table's vocabulary."""


def _ensure_admin(session: Any) -> str:
    """Create the demo admin, or give it a new password; returns the password."""
    from sqlalchemy import select

    from app.auth.models import User
    from app.auth.schemas import UserCreate, UserUpdate
    from app.auth.service import create_user, update_user

    password = secrets.token_urlsafe(12)
    user = session.scalars(select(User).where(User.email == DEMO_ADMIN)).first()
    if user is None:
        create_user(session, UserCreate(email=DEMO_ADMIN, role="admin", name="Demo admin", password=password))
    else:
        update_user(session, user.id, UserUpdate(password=password, active=True, role="admin"))
    return password


def _ensure_pen(session: Any, manifest: dict) -> int:
    """The demo farm and pen (the simulator's zones) and one animal per simulated pig; returns the pen id."""
    from sqlalchemy import select

    from app.animals.models import Animal
    from app.farms.models import Farm, Pen, Zone

    farm = session.scalars(select(Farm).where(Farm.name == DEMO_FARM)).first() or Farm(name=DEMO_FARM)
    session.add(farm)
    session.flush()
    pen = session.scalars(select(Pen).where(Pen.farm_id == farm.id, Pen.name == DEMO_PEN)).first()
    if pen is None:
        pen = Pen(farm_id=farm.id, name=DEMO_PEN, capacity=len(manifest["pigs"]))
        session.add(pen)
        session.flush()
        for kind in ZONE_KINDS:
            if kind in manifest["zones"]:
                session.add(Zone(pen_id=pen.id, kind=kind, name=kind, polygon=manifest["zones"][kind]))
        for pig in manifest["pigs"]:
            sex = SIM_SEXES.get(pig["sex"], "unknown")
            session.add(Animal(pen_id=pen.id, ear_tag=f"DEMO-{pig['id']:03d}", sex=sex))
    session.flush()
    return int(pen.id)


def _render_clip(out_dir: Path, *, seconds: float, console: Any) -> tuple[Path, dict]:
    """Render a simulated 8-pig pen clip (640x360, 6 fps) with a progress bar; returns (video, manifest)."""
    import json

    from rich.progress import Progress

    from models.sim.scenario import Scenario, ScenarioConfig
    from models.sim.writer import render_clip

    scenario = Scenario.from_config(ScenarioConfig(name="demo", seed=7, n_pigs=8, width=640, height=360))
    total = int(round(seconds * scenario.config.fps))
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("rendering simulated pen", total=total)
        render_clip(scenario, out_dir, day=0, start_s=8 * 3600, duration_s=seconds,
                    on_frame=lambda i: progress.update(task, completed=i + 1))  # fmt: skip
    return out_dir / "video.mp4", json.loads((out_dir / "manifest.json").read_text())


def _register(session: Any, settings: Any, video: Path, pen_id: int) -> tuple[int, list[int]]:
    """Copy the clip into the media store and register it (recording + chunks) as filmed today from 08:00
    UTC (the simulated clip's time of day); returns (id, chunk ids)."""
    from app.media import repository
    from app.media.service import register_recording
    from app.media.storage import new_media_path
    from models.pipeline.decode import probe_video

    morning = datetime.now(UTC).replace(hour=8, minute=0, second=0, microsecond=0)
    relative, absolute = new_media_path(settings.media_dir, kind="sim", filename=video.name)
    shutil.copyfile(video, absolute)
    recording = register_recording(
        session, pen_id=pen_id, camera_id=None, source="sim", media_path=relative, info=probe_video(absolute),
        chunk_seconds=settings.chunk_seconds, size_bytes=absolute.stat().st_size,
        original_filename=video.name, started_at=morning,
    )  # fmt: skip
    return recording.id, [c.id for c in repository.chunks_of(session, [recording.id])[recording.id]]


def _spawn(args: list[str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "pigwatch", *args])


def _stop(processes: list[subprocess.Popen]) -> None:
    """Terminate the child processes (SIGTERM, then SIGKILL after 20 s)."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def _watch_chunks(factory: Any, chunk_ids: list[int], *, console: Any, timeout_s: float, worker: Any) -> bool:
    """Progress bars per chunk until all are done or failed; True when all are done."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from app.media.models import Chunk

    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"))
    deadline = time.monotonic() + timeout_s
    with Progress(*columns, TimeElapsedColumn(), console=console) as progress:
        tasks = {cid: progress.add_task(f"chunk {i}", total=1.0) for i, cid in enumerate(chunk_ids)}
        while time.monotonic() < deadline and worker.poll() is None:
            with factory() as session:
                chunks = [session.get_one(Chunk, cid) for cid in chunk_ids]
            for chunk in chunks:
                done = 1.0 if chunk.status == "done" else chunk.progress
                progress.update(
                    tasks[chunk.id], completed=done, description=f"chunk {chunk.index} {chunk.status}"
                )
            if all(c.status in ("done", "failed") for c in chunks):
                break
            time.sleep(0.5)
    for chunk in chunks:
        if chunk.status == "failed":
            console.print(f"[red]chunk {chunk.index} failed:[/] {chunk.error}")
    return all(c.status == "done" for c in chunks)


def _check_processor(spec: str, console: Any) -> None:
    """Build the processor named by ``PIGWATCH_PROCESSOR`` once, so a missing model bundle or module is a
    clear error here rather than failed chunks later."""
    from app.cli_support import fail
    from models.pipeline.processor import load_processor

    with console.status(f"checking the chunk processor {spec}"):
        try:
            load_processor(spec)
        except Exception as exc:
            fail(f"the chunk processor {spec!r} (PIGWATCH_PROCESSOR) cannot be built: {exc}")


def _prepare(factory: Any, settings: Any, *, seconds: float, console: Any) -> tuple[str, int, list[int]]:
    """Render the clip and write the demo rows in one transaction; returns (password, recording, chunks)."""
    from app.db import session_scope

    with tempfile.TemporaryDirectory() as tmp:
        video, manifest = _render_clip(Path(tmp) / "clip", seconds=seconds, console=console)
        with session_scope(factory) as session:
            password = _ensure_admin(session)
            pen_id = _ensure_pen(session, manifest)
            recording_id, chunk_ids = _register(session, settings, video, pen_id)
    return password, recording_id, chunk_ids


def _interrupt(signum: int, _frame: Any) -> None:
    """Turn SIGTERM (and SIGINT, even where a parent shell ignored it) into a clean stop."""
    raise KeyboardInterrupt(f"signal {signum}")


def _serve_until_interrupted(server: subprocess.Popen, url: str, console: Any) -> None:
    console.print(f"\n[bold]pigwatch is running at {url}[/] (Ctrl-C stops everything)")
    while server.poll() is None:
        time.sleep(0.5)
    console.print(f"[red]the web server exited (code {server.returncode})[/]")


def demo(
    seconds: float = typer.Option(20.0, "--seconds", min=1.0, help="Length of the simulated recording, s."),
    chunk_seconds: float = typer.Option(
        5.0, "--chunk-seconds", min=0.5, help="Chunk length for the demo, s."
    ),
    serve: bool = typer.Option(True, "--serve/--no-serve", help="Keep the web app running after processing."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Web server port."),
    timeout_s: float = typer.Option(1800.0, "--timeout", min=1.0, help="Longest wait for processing, s."),
) -> None:
    """Run pigwatch end to end on a simulated recording (embedded database, worker, web app)."""
    from rich.console import Console

    from app import migrate
    from app.cli_support import database_url, load_settings
    from app.db import make_engine, make_session_factory
    from app.embedded import stop_embedded_server
    from app.media.queue import sender_for_settings

    console = Console()
    settings = load_settings().model_copy(update={"chunk_seconds": chunk_seconds})
    _check_processor(settings.processor, console)
    url = database_url(settings)
    migrate.upgrade(url)
    factory = make_session_factory(make_engine(url))
    password, recording_id, chunk_ids = _prepare(factory, settings, seconds=seconds, console=console)
    console.print(f"admin sign-in: [bold]{DEMO_ADMIN}[/] / [bold]{password}[/]")
    console.print(f"recording {recording_id}: {len(chunk_ids)} chunk(s) of {chunk_seconds:g} s")
    processes = [_spawn(["worker", "--pool", "solo", "--loglevel", "warning"])]
    if serve:
        processes.append(_spawn(["serve", "--port", str(port), "--no-migrate", "--log-level", "warning"]))
    all_done = False
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _interrupt)
    try:
        sender_for_settings(settings).send_chunks(chunk_ids)
        all_done = _watch_chunks(
            factory, chunk_ids, console=console, timeout_s=timeout_s, worker=processes[0]
        )
        console.print("[green]all chunks processed[/]" if all_done else "[red]processing did not finish[/]")
        if serve:
            _serve_until_interrupted(processes[1], f"http://127.0.0.1:{port}", console)
    except KeyboardInterrupt:
        console.print("stopping...")
    finally:
        _stop(processes)
        stop_embedded_server()
    if not serve and not all_done:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the ``demo`` command."""
    app.command("demo")(demo)
