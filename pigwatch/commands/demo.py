"""``pigwatch demo``: the whole system on one machine, end to end, over several simulated days.

Starts (or attaches to) the embedded database and migrates it, creates a demo farm, an empty pen (with
the simulator's zones) and an admin user (credentials printed), starts the web server (unless
``--no-serve``) and a real Celery worker, then renders a multi-day simulated scenario
(`models.sim.presets.demo_scenario`: one pig falls sick on a late day, one is lame) as a few short clips
per day at different clock hours. Each clip is registered as a recording with its true simulated start
time (scenario day ``d`` is ``d`` days after the first demo day; the last day is today, UTC), so the
worker's chunk, summary and alert tasks file every row on the right day. Rendering the next clip
overlaps the worker's processing of the previous one.

The pen starts with no animals: re-identification creates them from the first clip's tracks and
recognises them afterwards (nothing is hand-inserted). Once every chunk is done, the demo recomputes the
pen's daily summaries and evaluates alerts over all demo days with the real services (so pen medians
include every pen-mate's day), prints an end-of-demo summary (URL, login, days, clips, alerts) and keeps
serving.
"""

from __future__ import annotations

import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    import numpy as np

DEMO_FARM, DEMO_PEN, DEMO_ADMIN = "Demo farm", "Demo pen", "demo-admin@pigwatch.local"
ZONE_KINDS = ("feeder", "drinker", "lying")
DEFAULT_DAYS, DEFAULT_CLIPS_PER_DAY, DEFAULT_CLIP_SECONDS = 5, 36, 2.0
"""The default sampling: 5 days (3 baseline days, the alerts' minimum, + the sick pig's 2 sick days), 36
clips of 2 s a day in the active hours (72 s of video a day, 180 chunks). With perfect perception the alert
rule finds the sick pig in 79 of 100 demo scenarios at this sampling (healthy pigs: 2 of 700 alerted;
`--check-sampling 100`, docs/web.md "Demo"); with the shipped models the whole demo takes about 5-6 minutes
on the shared 2-core machine. Clip length does not change the alert statistics (each clip is about one
sample of what a pig is doing), so 2-s clips give the tracker 6 analysed frames for little cost."""


@dataclass(frozen=True)
class DemoPlan:
    """What the demo films.

    Attributes:
        scenario: the simulated pen (`models.sim.scenario.Scenario`).
        clips: the sampled clips (`models.sim.presets.SampledClip`), in time order.
        first_day: the UTC date of scenario day ``scenario.days.start``.
    """

    scenario: Any
    clips: list[Any]
    first_day: date

    def started_at(self, clip: Any) -> datetime:
        """Wall clock (UTC) of a clip's first frame: its scenario day mapped onto the demo's dates."""
        day = self.first_day + timedelta(days=clip.day - self.scenario.days.start)
        return _midnight(day) + timedelta(seconds=clip.start_s)

    @property
    def days(self) -> list[date]:
        """The demo's UTC dates, first to last."""
        return [self.first_day + timedelta(days=i) for i in range(len(self.scenario.days))]


@dataclass
class DemoProgress:
    """Chunks queued so far and their latest states (for the progress bar and the summary)."""

    chunk_ids: list[int] = field(default_factory=list)
    recording_ids: list[int] = field(default_factory=list)


def make_plan(
    *,
    days: int,
    clips_per_day: int,
    clip_seconds: float,
    width: int,
    height: int,
    today: date | None = None,
    seed: int = 7,
) -> DemoPlan:
    """The demo's scenario (`demo_scenario`, sick pig from day ``days - 2``) and its sampling plan; the last
    scenario day falls on ``today`` (default: today, UTC, or yesterday while today's last clip would still
    lie in the future)."""
    from models.sim.presets import demo_scenario, sampling_plan

    scenario = demo_scenario(n_days=days, width=width, height=height, seed=seed)
    clips = sampling_plan(scenario, clips_per_day=clips_per_day, clip_seconds=clip_seconds)
    if today is None:
        now = datetime.now(UTC)
        last_clip_end_s = max(c.start_s + c.duration_s for c in clips)
        today = now.date() if now >= _midnight(now.date()) + timedelta(seconds=last_clip_end_s) else None
        today = today or now.date() - timedelta(days=1)
    return DemoPlan(scenario=scenario, clips=clips, first_day=today - timedelta(days=days - 1))


def _midnight(day: date) -> datetime:
    """00:00 UTC of ``day``."""
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC)


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


def ensure_pen(session: Any, zones: dict[str, list[list[float]]], *, capacity: int) -> int:
    """The demo farm and pen with the simulator's zones (normalised polygons); returns the pen id.

    A pen left by an earlier demo run is emptied of its recordings (their chunks, tracks, bouts, visits and
    embeddings go with them) and animals (with their summaries and alerts), so a rerun starts clean.
    """
    from sqlalchemy import delete, select

    from app.animals.models import Animal
    from app.farms.models import Farm, Pen, Zone
    from app.media.models import Recording

    farm = session.scalars(select(Farm).where(Farm.name == DEMO_FARM)).first() or Farm(name=DEMO_FARM)
    session.add(farm)
    session.flush()
    pen = session.scalars(select(Pen).where(Pen.farm_id == farm.id, Pen.name == DEMO_PEN)).first()
    if pen is None:
        pen = Pen(farm_id=farm.id, name=DEMO_PEN, capacity=capacity)
        session.add(pen)
        session.flush()
        for kind in ZONE_KINDS:
            if kind in zones:
                session.add(Zone(pen_id=pen.id, kind=kind, name=kind, polygon=zones[kind]))
    else:
        session.execute(delete(Recording).where(Recording.pen_id == pen.id))
        session.execute(delete(Animal).where(Animal.pen_id == pen.id))
    session.flush()
    return int(pen.id)


def render_clip_video(plan: DemoPlan, clip: Any, out_dir: Path) -> Path:
    """Render one sampled clip (video + ground truth) into ``out_dir``; returns the video path."""
    from models.sim.writer import render_clip

    render_clip(plan.scenario, out_dir, day=clip.day, start_s=clip.start_s, duration_s=clip.duration_s)
    return out_dir / "video.mp4"


def register_clip(
    session: Any, *, media_dir: Path, video: Path, pen_id: int, started_at: datetime, chunk_seconds: float
) -> tuple[int, list[int]]:
    """Copy a clip into the media store and register it (recording + chunks) as filmed from ``started_at``;
    returns (recording id, chunk ids)."""
    from app.media import repository
    from app.media.service import register_recording
    from app.media.storage import new_media_path
    from models.pipeline.decode import probe_video

    relative, absolute = new_media_path(media_dir, kind="sim", filename=video.name)
    shutil.copyfile(video, absolute)
    recording = register_recording(
        session, pen_id=pen_id, camera_id=None, source="sim", media_path=relative, info=probe_video(absolute),
        chunk_seconds=chunk_seconds, size_bytes=absolute.stat().st_size,
        original_filename=f"demo-{started_at:%Y%m%d-%H%M}.mp4", started_at=started_at,
    )  # fmt: skip
    session.flush()
    return recording.id, [c.id for c in repository.chunks_of(session, [recording.id])[recording.id]]


def produce_clips(
    factory: Any, plan: DemoPlan, *, pen_id: int, media_dir: Path, chunk_seconds: float, work_dir: Path
) -> Iterator[tuple[Any, int, list[int]]]:
    """Render, store and register the plan's clips one by one; yields (clip, recording id, chunk ids) after
    each registration is committed (so its chunks can be queued while the next clip renders)."""
    from app.db import session_scope

    for index, clip in enumerate(plan.clips):
        clip_dir = work_dir / f"clip-{index:03d}"
        video = render_clip_video(plan, clip, clip_dir)
        with session_scope(factory) as session:
            recording_id, chunk_ids = register_clip(
                session, media_dir=media_dir, video=video, pen_id=pen_id, started_at=plan.started_at(clip),
                chunk_seconds=chunk_seconds,
            )  # fmt: skip
        shutil.rmtree(clip_dir, ignore_errors=True)
        yield clip, recording_id, chunk_ids


def finalize_pen(factory: Any, pen_id: int, days: list[date]) -> int:
    """Recompute the pen's daily summaries over ``days`` and evaluate alerts for every window ending on them,
    with the real services (`recompute_range`, `evaluate_animal`), in one transaction; returns the number of
    alerts opened or extended. Idempotent."""
    from sqlalchemy import select

    from app.alerts.service import evaluate_animal
    from app.animals.models import Animal
    from app.db import session_scope
    from app.summaries.service import recompute_range

    with session_scope(factory) as session:
        animal_ids = list(
            session.scalars(select(Animal.id).where(Animal.pen_id == pen_id, Animal.merged_into_id.is_(None)))
        )
        recompute_range(session, animal_ids, days[0], days[-1])
        session.flush()
        return sum(evaluate_animal(session, animal_id, days) for animal_id in animal_ids)


def pen_report(factory: Any, pen_id: int) -> dict[str, Any]:
    """What the demo produced: animals, summary days, chunk states and alerts (with the pig they name)."""
    from sqlalchemy import func, select

    from app.animals.models import Animal
    from app.db import session_scope
    from app.media.models import Chunk, Recording
    from app.summaries.models import Alert, DailySummary
    from app.tracking.models import Track

    with session_scope(factory) as session:
        bands = session.execute(
            select(Track.assignment_band, func.count())
            .join(Chunk, Chunk.id == Track.chunk_id)
            .join(Recording, Recording.id == Chunk.recording_id)
            .where(Recording.pen_id == pen_id)
            .group_by(Track.assignment_band)
        ).all()
        animals = list(session.scalars(select(Animal.id).where(Animal.pen_id == pen_id)))
        days = session.scalars(
            select(DailySummary.day).join(Animal, Animal.id == DailySummary.animal_id)
            .where(Animal.pen_id == pen_id).distinct().order_by(DailySummary.day)
        ).all()  # fmt: skip
        states = dict(
            session.execute(
                select(Chunk.status, func.count())
                .join(Recording, Recording.id == Chunk.recording_id)
                .where(Recording.pen_id == pen_id)
                .group_by(Chunk.status)
            ).all()  # fmt: skip
        )
        alerts = session.execute(
            select(Alert.id, Alert.animal_id, Alert.kind, Alert.day, Alert.evidence)
            .join(Animal, Animal.id == Alert.animal_id).where(Animal.pen_id == pen_id).order_by(Alert.id)
        ).all()  # fmt: skip
    return {
        "animals": len(animals),
        "tracks": {str(band): int(n) for band, n in bands},
        "summary_days": list(days),
        "chunks": {str(k): int(v) for k, v in states.items()},
        "alerts": [
            {
                "id": a.id,
                "animal_id": a.animal_id,
                "kind": a.kind,
                "first_day": a.day,
                "last_day": a.evidence.get("last_day"),
            }
            for a in alerts
        ],
    }


def process_inline(
    factory: Any,
    processor: Any,
    chunk_ids: list[int],
    *,
    media_dir: Path,
    on_chunk: Callable[[int], None] | None,
) -> None:
    """Run the worker's chunk and summaries task functions in this process (tests, scripts): for each chunk,
    `workers.chunk_runner.run_chunk` with the re-identification hook, then
    `workers.tasks.summaries.recompute_chunk_summaries`."""
    from app.identity.service import chunk_identity_hook
    from workers.chunk_runner import run_chunk
    from workers.tasks.summaries import recompute_chunk_summaries

    for chunk_id in chunk_ids:
        run_chunk(factory, processor, chunk_id, media_dir=media_dir, assign_identities=chunk_identity_hook)
        recompute_chunk_summaries(factory, chunk_id)
        if on_chunk is not None:
            on_chunk(chunk_id)


def truth_day_records(plan: DemoPlan, *, fps: float = 3.0) -> dict[int, dict[date, Any]]:
    """What perfect perception would put in the daily summaries under the plan's sampling: per pig index,
    per demo date, an `app.alerts.detect.DayRecord` from the simulator's own labels and positions (motion
    model only, nothing rendered). Feeder/drinker dwell counts body centres inside the zone polygons."""
    import cv2
    import numpy as np

    from app.alerts.detect import DayRecord
    from models.sim.render import pen_simulation

    scenario = plan.scenario
    zones = {k: scenario.zones_m[k].astype(np.float32) for k in ("feeder", "drinker")}
    totals: dict[tuple[int, int], dict[str, float]] = {}
    for clip in plan.clips:
        sim = pen_simulation(scenario, day=clip.day, start_s=clip.start_s, fps=fps)
        for index in range(int(round(clip.duration_s * fps))):
            snap = sim.snapshot() if index == 0 else sim.step()
            for pig, label in enumerate(snap.behaviours):
                t = totals.setdefault((pig, clip.day), dict.fromkeys(("obs", "eat", "drink", "rest"), 0.0))
                t["obs"] += 1.0 / fps
                t["eat"] += (label == "eat") / fps
                t["drink"] += (label == "drink") / fps
                t["rest"] += (label in ("lying", "sleep")) / fps
                x, y = (float(v) for v in snap.positions[pig])
                for kind, polygon in zones.items():
                    inside = cv2.pointPolygonTest(polygon, (x, y), False) >= 0
                    t[kind] = t.get(kind, 0.0) + inside / fps
    records: dict[int, dict[date, Any]] = {}
    for (pig, day), t in totals.items():
        when = plan.first_day + timedelta(days=day - scenario.days.start)
        records.setdefault(pig, {})[when] = DayRecord(
            when, t["obs"], t["eat"], t["drink"], t["feeder"], t["drinker"], 1.0 - t["rest"] / t["obs"]
        )
    return records


def truth_alerts(plan: DemoPlan) -> list[tuple[int, str, date, date]]:
    """(pig index, kind, first day, last day) of every window the alert rule (`app.alerts.detect`, product
    thresholds) flags on `truth_day_records`: what the demo could show with perfect perception."""
    from app.alerts.detect import evaluate
    from app.alerts.service import THRESHOLDS
    from app.summaries.models import ALERT_KINDS

    records = truth_day_records(plan)
    found = []
    for kind in ALERT_KINDS:
        for pig, own in records.items():
            mates = {other: r for other, r in records.items() if other != pig}
            for last in plan.days[1:]:
                finding = evaluate(kind, own, mates, last, THRESHOLDS)
                if finding is not None:
                    found.append((pig, kind, finding.first_day, finding.last_day))
    return found


def gt_boxes(gt_file: Path) -> dict[int, dict[int, np.ndarray]]:
    """``{0-based frame: {pig index: xyxy pixels}}`` from a MOTChallenge ``gt.txt`` (id = pig index + 1)."""
    import numpy as np

    boxes: dict[int, dict[int, np.ndarray]] = {}
    for row in np.atleast_2d(np.loadtxt(gt_file, delimiter=",")):
        frame, pig, x, y, w, h = (float(v) for v in row[:6])
        boxes.setdefault(int(frame) - 1, {})[int(pig) - 1] = np.array([x, y, x + w, y + h])
    return boxes


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    """IoU of two xyxy boxes."""
    inter = max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / union) if union > 0 else 0.0


def track_pigs(result: Any, gt: dict[int, dict[int, np.ndarray]], *, min_iou: float = 0.5) -> dict[int, int]:
    """Local track id -> simulator pig index: the pig whose ground-truth box overlaps the track's boxes best
    (mean IoU over the track's frames, at least ``min_iou``); tracks matching no pig are left out."""
    matched = {}
    for track in result.tracks:
        scores: dict[int, float] = {}
        for frame, box in zip(track.frame_indices, track.xyxy, strict=True):
            for pig, truth in gt.get(int(frame), {}).items():
                scores[pig] = scores.get(pig, 0.0) + _iou(box, truth) / len(track.frame_indices)
        if scores and max(scores.values()) >= min_iou:
            matched[int(track.track_id)] = max(scores, key=lambda k: scores[k])
    return matched


def identity_truth(
    factory: Any, plan: DemoPlan, pen_id: int, processor: Any, *, media_dir: Path, work_dir: Path,
    days: set[date] | None = None,
) -> dict[int, dict[int, int]]:  # fmt: skip
    """Which simulator pig each of the pen's animals really is, for a demo run of ``plan`` already in the
    database: every stored clip (of ``days``, default all) is processed again with ``processor`` (same video
    bytes, so the same local tracks), its tracks are matched to the re-rendered ground truth
    (`track_pigs`) and counted under the animal re-identification assigned them to.

    Returns:
        ``{animal id: {pig index: assigned tracks}}``.
    """
    from sqlalchemy import select

    from app.db import session_scope
    from app.media.models import Chunk, Recording
    from app.tracking.models import Track
    from models.pipeline.decode import iter_frames
    from models.pipeline.processor import ChunkContext

    with session_scope(factory) as session:
        rows = session.execute(
            select(Recording.started_at, Recording.media_path, Track.local_id, Track.animal_id)
            .join(Chunk, Chunk.recording_id == Recording.id).join(Track, Track.chunk_id == Chunk.id)
            .where(Recording.pen_id == pen_id, Track.animal_id.is_not(None))
        ).all()  # fmt: skip
    by_recording: dict[tuple[datetime, str], dict[int, int]] = {}
    for started, path, local_id, animal_id in rows:
        if animal_id is not None:
            by_recording.setdefault((started, path), {})[int(local_id)] = int(animal_id)
    clips = {plan.started_at(c): c for c in plan.clips}
    counts: dict[int, dict[int, int]] = {}
    for (started, path), animals in sorted(by_recording.items()):
        clip = clips.get(started)
        if clip is None or (days is not None and started.date() not in days):
            continue
        render_clip_video(plan, clip, work_dir / "clip")
        video = media_dir / path
        config = plan.scenario.config
        context = ChunkContext(
            fps=config.fps, width=config.width, height=config.height, start_s=0.0, end_s=clip.duration_s,
            zones={}, clock_start_s=clip.start_s,
        )  # fmt: skip
        result = processor.process(iter_frames(video), context=context, on_progress=lambda _f: None)
        for local_id, pig in track_pigs(result, gt_boxes(work_dir / "clip" / "gt" / "gt.txt")).items():
            if local_id in animals:
                pigs = counts.setdefault(animals[local_id], {})
                pigs[pig] = pigs.get(pig, 0) + 1
    return counts


def check_sampling(
    *, days: int, clips_per_day: int, clip_seconds: float, seeds: int, console: Any
) -> tuple[int, int]:
    """Perfect-perception check of a sampling plan over ``seeds`` demo scenarios (seeds 0..seeds-1): how
    often the alert rule flags the sick pig on a window inside its sick days, and how many pig-seeds of the
    other pigs get any alert. Prints one line per seed; returns (sick pig found, other pigs flagged)."""
    found = flagged = 0
    for seed in range(seeds):
        plan = make_plan(days=days, clips_per_day=clips_per_day, clip_seconds=clip_seconds, width=640,
                         height=360, seed=seed)  # fmt: skip
        sick = next(e for e in plan.scenario.config.health_events if e.condition == "sick")
        onset = plan.first_day + timedelta(days=sick.onset_day - plan.scenario.days.start)
        alerts = truth_alerts(plan)
        hit = any(p == sick.pig_index and first >= onset for p, _, first, _ in alerts)
        others = sorted({p for p, _, first, _ in alerts if p != sick.pig_index})
        found += hit
        flagged += len(others)
        console.print(f"seed {seed}: sick pig {'found' if hit else 'missed'}; other pigs alerted: {others}")
    return found, flagged


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


def _chunk_states(factory: Any, chunk_ids: list[int]) -> list[tuple[int, str, float, str | None]]:
    """(index, status, progress, error) of each chunk, in one query."""
    from sqlalchemy import select

    from app.media.models import Chunk

    with factory() as session:
        rows = session.execute(
            select(Chunk.index, Chunk.status, Chunk.progress, Chunk.error).where(Chunk.id.in_(chunk_ids))
        ).all()
    return [(r.index, r.status, r.progress, r.error) for r in rows]


def _done_fraction(states: list[tuple[int, str, float, str | None]]) -> float:
    """Processed chunks, counting a running chunk by its progress."""
    return sum(1.0 if s in ("done", "failed") else (p if s == "running" else 0.0) for _, s, p, _ in states)


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


def _interrupt(signum: int, _frame: Any) -> None:
    """Turn SIGTERM (and SIGINT, even where a parent shell ignored it) into a clean stop."""
    raise KeyboardInterrupt(f"signal {signum}")


def _run_clips(
    factory: Any, plan: DemoPlan, *, pen_id: int, settings: Any, sender: Any, console: Any, worker: Any,
    timeout_s: float,
) -> DemoProgress:  # fmt: skip
    """Render/register/queue every clip while the worker processes the queued chunks, with one progress bar
    for rendering and one over all chunks; returns what was queued. Stops early if the worker dies."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    progress_state = DemoProgress()
    n_clips = len(plan.clips)
    chunks_per_clip = max(1, int(-(-plan.clips[0].duration_s // settings.chunk_seconds)))
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:.1f}/{task.total:g}"),
    )
    deadline = time.monotonic() + timeout_s
    with (
        Progress(*columns, TimeElapsedColumn(), console=console) as bars,
        tempfile.TemporaryDirectory() as tmp,
    ):
        render = bars.add_task("rendering simulated clips", total=n_clips)
        process = bars.add_task("processing chunks", total=n_clips * chunks_per_clip)

        def refresh() -> list[tuple[int, str, float, str | None]]:
            states = _chunk_states(factory, progress_state.chunk_ids) if progress_state.chunk_ids else []
            bars.update(process, completed=_done_fraction(states))
            return states

        clips = produce_clips(
            factory, plan, pen_id=pen_id, media_dir=settings.media_dir.resolve(),
            chunk_seconds=settings.chunk_seconds, work_dir=Path(tmp),
        )  # fmt: skip
        for clip, recording_id, chunk_ids in clips:
            sender.send_chunks(chunk_ids)
            progress_state.recording_ids.append(recording_id)
            progress_state.chunk_ids.extend(chunk_ids)
            bars.update(
                render, advance=1, description=f"rendered day {clip.day} {clip.start_s / 3600:04.1f} h"
            )
            bars.update(process, total=max(len(progress_state.chunk_ids), n_clips * chunks_per_clip))
            refresh()
            if worker.poll() is not None:
                break
        while time.monotonic() < deadline and worker.poll() is None:
            states = refresh()
            if all(s in ("done", "failed") for _, s, _, _ in states):
                break
            time.sleep(0.5)
    for index, status, _, error in _chunk_states(factory, progress_state.chunk_ids):
        if status == "failed":
            console.print(f"[red]chunk {index} failed:[/] {error}")
    return progress_state


def _finalize_after_worker(factory: Any, pen_id: int, days: list[date]) -> int:
    """`finalize_pen` once the worker's last summaries task has had a moment (it is queued after the last
    chunk commits). Both rewrite the pen's summaries and alerts; they take the pen's summary lock
    (`app.summaries.repository.lock_pens_of`), so they run one after the other instead of deadlocking or
    opening the same alert twice."""
    time.sleep(3.0)
    return finalize_pen(factory, pen_id, days)


def _print_summary(console: Any, plan: DemoPlan, report: dict[str, Any], *, url: str | None, password: str,
                   elapsed_s: float) -> None:  # fmt: skip
    """The end-of-demo summary: where to look, what was filmed, which alerts fired, the simulated truth."""
    clips_per_day = len(plan.clips) // max(1, len(plan.scenario.days))
    seconds = plan.clips[0].duration_s if plan.clips else 0.0
    sick = [e for e in plan.scenario.config.health_events if e.condition == "sick"]
    console.print("\n[bold]demo summary[/]")
    if url:
        console.print(f"  web app: {url}  (sign in as {DEMO_ADMIN} / {password})")
    filmed = f"{len(plan.scenario.days)} simulated days ({plan.days[0]} to {plan.days[-1]})"
    console.print(f"  filmed {filmed}: {len(plan.clips)} clips, {clips_per_day} a day of {seconds:g} s")
    found = f"{report['animals']} animals, tracks by re-ID band {report['tracks']}, summaries on "
    found += f"{len(report['summary_days'])} days"
    console.print(f"  pipeline: {found}, chunks {report['chunks']}, {elapsed_s:.0f} s wall in all")
    for event in sick:
        onset = plan.first_day + timedelta(days=event.onset_day - plan.scenario.days.start)
        console.print(f"  simulated truth: pig {event.pig_index + 1} of the scenario is sick from {onset}")
    if not report["tracks"].get("assigned"):
        console.print("  [yellow]re-identification assigned no track, so no pig has summaries or alerts; the "
                      "identity page lists the suggestions (docs/web.md, \"Demo\")[/]")  # fmt: skip
    if not report["alerts"]:
        console.print("  [yellow]no alert fired[/]")
    else:
        console.print("  which true pig each animal is: the same command with --check-identity (no filming)")
    for alert in report["alerts"]:
        console.print(f"  [bold red]alert[/] {alert['id']}: animal {alert['animal_id']} {alert['kind']} "
                      f"low {alert['first_day']} to {alert['last_day']}")  # fmt: skip


def check_identity(factory: Any, plan: DemoPlan, settings: Any, console: Any) -> None:
    """Print, for the demo pen already in the database, which simulator pig each animal's tracks of the
    last two demo days really show (`identity_truth`) and which animals have alerts."""
    import tempfile

    from sqlalchemy import select

    from app.db import session_scope
    from app.farms.models import Farm, Pen
    from models.pipeline.processor import load_processor

    with session_scope(factory) as session:
        pen_id = session.scalar(
            select(Pen.id)
            .join(Farm, Farm.id == Pen.farm_id)
            .where(Farm.name == DEMO_FARM, Pen.name == DEMO_PEN)
        )
    if pen_id is None:
        console.print("[red]no demo pen in the database: run the demo first[/]")
        raise typer.Exit(1)
    processor = load_processor(settings.processor, thumbnails=False)
    with tempfile.TemporaryDirectory() as tmp:
        counts = identity_truth(factory, plan, int(pen_id), processor, media_dir=settings.media_dir.resolve(),
                                work_dir=Path(tmp), days=set(plan.days[-2:]))  # fmt: skip
    alerted: dict[int, list[str]] = {}
    for alert in pen_report(factory, int(pen_id))["alerts"]:
        alerted.setdefault(alert["animal_id"], []).append(f"{alert['kind']} from {alert['first_day']}")
    sick = {e.pig_index for e in plan.scenario.config.health_events if e.condition == "sick"}
    sick_text = ", ".join(str(p + 1) for p in sorted(sick))
    console.print(f"tracks of {plan.days[-2]} and {plan.days[-1]} by animal and true pig (scenario pig "
                  f"numbers; sick: pig {sick_text}):")  # fmt: skip
    for animal_id, pigs in sorted(counts.items()):
        total = sum(pigs.values())
        top = max(pigs, key=lambda k: pigs[k])
        spread = ", ".join(f"pig {p + 1}: {n}" for p, n in sorted(pigs.items(), key=lambda kv: -kv[1]))
        alerts = "; ".join(alerted.get(animal_id, [])) or "no alert"
        share = f"{pigs[top] / total:.0%} pig {top + 1}"
        console.print(f"  animal {animal_id}: {total} tracks, {share} ({spread}); {alerts}")


def demo(
    days: int = typer.Option(DEFAULT_DAYS, "--days", min=2, max=30, help="Simulated days to film."),
    clips_per_day: int = typer.Option(
        DEFAULT_CLIPS_PER_DAY,
        "--clips-per-day",
        min=1,
        max=360,
        help="Sampled clips per day (active hours); fewer end sooner but find the sick pig less often.",
    ),
    clip_seconds: float = typer.Option(
        DEFAULT_CLIP_SECONDS, "--clip-seconds", min=0.5, help="Length of each clip, s."
    ),
    chunk_seconds: float = typer.Option(
        0.0, "--chunk-seconds", min=0.0, help="Chunk length, s (0: one chunk per clip)."
    ),
    width: int = typer.Option(640, "--width", min=64, help="Frame width, px (even)."),
    height: int = typer.Option(360, "--height", min=64, help="Frame height, px (even)."),
    serve: bool = typer.Option(True, "--serve/--no-serve", help="Serve the web app (during and after)."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Web server port."),
    timeout_s: float = typer.Option(3600.0, "--timeout", min=1.0, help="Longest wait for processing, s."),
    check_seeds: int = typer.Option(
        0,
        "--check-sampling",
        min=0,
        max=100,
        help="Only check the sampling plan: run the alert rule on perfect-perception summaries of this many "
        "demo scenarios (seeds 0..N-1; no video, no database) and print how often the sick pig is found.",
    ),
    identity: bool = typer.Option(
        False,
        "--check-identity",
        help="Only check the last demo run (same --days/--clips-per-day/--clip-seconds, same UTC day): "
        "process its last two days' clips again, match the tracks to the simulator's ground truth and print "
        "which true pig each animal is and which animals have alerts.",
    ),
) -> None:
    """Run pigwatch end to end on several simulated days of one pen (embedded database, worker, web app)."""
    from rich.console import Console

    from app import migrate
    from app.cli_support import database_url, fail, load_settings
    from app.db import make_engine, make_session_factory, session_scope
    from app.embedded import stop_embedded_server
    from app.media.queue import sender_for_settings
    from models.sim.writer import scenario_manifest

    if width % 2 or height % 2:
        fail(f"--width and --height must be even (H.264), got {width}x{height}", code=2)
    started = time.monotonic()
    console = Console()
    try:
        plan = make_plan(
            days=days, clips_per_day=clips_per_day, clip_seconds=clip_seconds, width=width, height=height
        )
    except ValueError as exc:
        fail(f"bad sampling plan: {exc}", code=2)
    if check_seeds:
        found, flagged = check_sampling(days=days, clips_per_day=clips_per_day, clip_seconds=clip_seconds,
                                        seeds=check_seeds, console=console)  # fmt: skip
        plan_text = f"{days} days, {clips_per_day} clips of {clip_seconds:g} s a day"
        console.print(f"{plan_text}: sick pig found in {found}/{check_seeds} scenarios; other pigs alerted "
                      f"in {flagged} pig-scenarios (perfect perception, no video)")  # fmt: skip
        return
    settings = load_settings().model_copy(update={"chunk_seconds": chunk_seconds or clip_seconds})
    _check_processor(settings.processor, console)
    url = database_url(settings)
    migrate.upgrade(url)
    factory = make_session_factory(make_engine(url))
    if identity:
        try:
            check_identity(factory, plan, settings, console)
        finally:
            stop_embedded_server()
        return
    zones = scenario_manifest(plan.scenario, width=width, height=height)["zones"]
    with session_scope(factory) as session:
        password = _ensure_admin(session)
        pen_id = ensure_pen(session, zones, capacity=plan.scenario.config.n_pigs)
    console.print(f"admin sign-in: [bold]{DEMO_ADMIN}[/] / [bold]{password}[/]")
    console.print(f"filming {days} simulated days: {len(plan.clips)} clips of {clip_seconds:g} s "
                  f"({clips_per_day} a day), chunks of {settings.chunk_seconds:g} s")  # fmt: skip
    processes = [_spawn(["worker", "--pool", "solo", "--loglevel", "warning"])]
    web_url = f"http://127.0.0.1:{port}" if serve else None
    if serve:
        processes.append(_spawn(["serve", "--port", str(port), "--no-migrate", "--log-level", "warning"]))
        console.print(f"web app at [bold]{web_url}[/] (usable while the demo runs)")
    all_done = False
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _interrupt)
    try:
        queued = _run_clips(
            factory, plan, pen_id=pen_id, settings=settings, sender=sender_for_settings(settings),
            console=console, worker=processes[0], timeout_s=timeout_s,
        )  # fmt: skip
        states = _chunk_states(factory, queued.chunk_ids)
        all_done = len(queued.recording_ids) == len(plan.clips) and all(s == "done" for _, s, _, _ in states)
        console.print("[green]all chunks processed[/]" if all_done else "[red]processing did not finish[/]")
        with console.status("recomputing the pen's daily summaries and alerts"):
            _finalize_after_worker(factory, pen_id, plan.days)
        report = pen_report(factory, pen_id)
        _print_summary(console, plan, report, url=web_url, password=password,
                       elapsed_s=time.monotonic() - started)  # fmt: skip
        if serve:
            console.print(f"\n[bold]pigwatch is running at {web_url}[/] (Ctrl-C stops everything)")
            while processes[1].poll() is None:
                time.sleep(0.5)
            console.print(f"[red]the web server exited (code {processes[1].returncode})[/]")
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
