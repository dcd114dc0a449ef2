"""``pigwatch demo``: the multi-day flow through the real services and worker task functions (in-process,
tiny clips), and a smoke test of the command itself (real worker, SQLAlchemy broker)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from sqlalchemy import create_engine, func, pool, select, text

from app.animals.models import Animal
from app.media.models import Recording
from app.summaries.models import DailySummary
from models.pipeline.processor import ChunkContext
from models.pipeline.types import BehaviourLabel, ChunkResult, Frame, TrackSummary, ZoneVisitSpan
from models.sim.writer import scenario_manifest
from pigwatch.commands import demo

REPO_ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 3, 10)


class OnePigProcessor:
    """Fake pipeline for this flow test: one track over the whole chunk with a fixed appearance vector (so
    re-identification recognises the same animal in every clip), eating for its first half and lying for the
    second, at the feeder while eating."""

    def __init__(self) -> None:
        vector = np.random.default_rng(3).normal(size=384).astype(np.float32)
        self.vector = vector / np.linalg.norm(vector)

    def process(
        self, frames: Iterable[Frame], *, context: ChunkContext, on_progress: Callable[[float], None]
    ) -> ChunkResult:
        seen = list(frames)
        on_progress(1.0)
        start, end = seen[0].t_seconds, seen[-1].t_seconds + 1.0 / context.fps
        middle = (start + end) / 2.0
        boxes = np.tile(np.array([[1.0, 1.0, 20.0, 20.0]], np.float32), (len(seen), 1))
        track = TrackSummary(
            track_id=1, frame_indices=np.array([f.index for f in seen]), xyxy=boxes,
            embeddings=np.stack([self.vector, self.vector]), t_start_s=start, t_end_s=end,
        )  # fmt: skip
        bouts = [BehaviourLabel(1, start, middle, "eat", 0.9), BehaviourLabel(1, middle, end, "lying", 0.9)]
        return ChunkResult(
            tracks=[track], behaviours=bouts, zone_visits=[ZoneVisitSpan(1, "feeder", start, middle)],
            frames_decoded=len(seen), frames_analysed=len(seen),
        )  # fmt: skip


def test_plan_maps_scenario_days_onto_dates_ending_today() -> None:
    plan = demo.make_plan(days=3, clips_per_day=2, clip_seconds=5.0, width=64, height=36, today=TODAY)
    assert plan.days == [TODAY - timedelta(days=2), TODAY - timedelta(days=1), TODAY]
    assert len(plan.clips) == 6
    starts = [plan.started_at(c) for c in plan.clips]
    assert starts == sorted(starts)
    assert {s.date() for s in starts} == set(plan.days)
    assert [(s.hour, s.minute) for s in starts[:2]] == [(8, 0), (16, 30)]  # the two feeding peaks
    sick = [e for e in plan.scenario.config.health_events if e.condition == "sick"]
    assert [e.onset_day for e in sick] == [1]


@pytest.mark.parametrize(("clips", "seconds"), [(0, 2.0), (361, 1.0), (4, 0.0), (4, 9000.0)])
def test_sampling_plan_refuses_bad_plans(clips: int, seconds: float) -> None:
    with pytest.raises(ValueError, match="clips_per_day|clip_seconds"):
        demo.make_plan(days=2, clips_per_day=clips, clip_seconds=seconds, width=64, height=36)


def test_alert_sampling_finds_the_sick_pig_with_perfect_perception() -> None:
    """The alert rule on what perfect perception would store under the demo's default sampling plan (simulator
    labels, no video): the sick pig is flagged inside its sick days and no other pig is."""
    plan = demo.make_plan(
        days=demo.DEFAULT_DAYS, clips_per_day=demo.DEFAULT_CLIPS_PER_DAY,
        clip_seconds=demo.DEFAULT_CLIP_SECONDS, width=640, height=360, today=TODAY,
    )  # fmt: skip
    sick = next(e for e in plan.scenario.config.health_events if e.condition == "sick")
    alerts = demo.truth_alerts(plan)
    assert {pig for pig, _, _, _ in alerts} == {sick.pig_index}
    assert max(first for _, _, first, _ in alerts) >= plan.days[sick.onset_day]


def test_multi_day_flow_fills_summaries_on_every_day(db_session_factory, db_session, tmp_path: Path) -> None:
    plan = demo.make_plan(days=3, clips_per_day=1, clip_seconds=1.0, width=96, height=54, today=TODAY)
    zones = scenario_manifest(plan.scenario, width=96, height=54)["zones"]
    with db_session_factory() as session, session.begin():
        pen_id = demo.ensure_pen(session, zones, capacity=8)
    media = tmp_path / "media"
    media.mkdir()
    clips = list(
        demo.produce_clips(
            db_session_factory, plan, pen_id=pen_id, media_dir=media, chunk_seconds=1.0, work_dir=tmp_path
        )
    )
    chunk_ids = [c for _, _, ids in clips for c in ids]
    done: list[int] = []
    processor = OnePigProcessor()
    demo.process_inline(db_session_factory, processor, chunk_ids, media_dir=media, on_chunk=done.append)
    assert done == chunk_ids

    starts = db_session.scalars(select(Recording.started_at).where(Recording.pen_id == pen_id)).all()
    assert sorted(s.date() for s in starts) == plan.days
    [animal_id] = db_session.scalars(select(Animal.id).where(Animal.pen_id == pen_id)).all()
    rows = db_session.scalars(select(DailySummary).where(DailySummary.animal_id == animal_id)).all()
    assert sorted(r.day for r in rows) == plan.days
    assert all(r.behaviour_seconds["eat"] > 0 and r.feeder_visits == 1 for r in rows)
    assert all(0.0 < r.activity_index < 1.0 for r in rows)

    assert demo.finalize_pen(db_session_factory, pen_id, plan.days) == 0  # one pig: no pen, no baseline
    report = demo.pen_report(db_session_factory, pen_id)
    assert report["animals"] == 1 and report["summary_days"] == plan.days
    assert report["chunks"] == {"done": 3} and report["alerts"] == []
    assert report["tracks"] == {"assigned": 3}

    with db_session_factory() as session, session.begin():  # a rerun starts the pen clean
        assert demo.ensure_pen(session, zones, capacity=8) == pen_id
    count = db_session.scalar(select(func.count()).select_from(Animal).where(Animal.pen_id == pen_id))
    assert count == 0


@pytest.mark.slow
def test_demo_processes_simulated_days_end_to_end(
    make_database: Callable[[str], str], settings_env: dict[str, str], tmp_path: Path
) -> None:
    url = make_database("pigwatch_demo_smoke")  # its own database: kombu's broker tables land there
    env = {k: v for k, v in settings_env.items() if k != "REDIS_URL"}  # no Redis: SQLAlchemy transport
    env |= {
        "DATABASE_URL": url,
        "PIGWATCH_MEDIA_DIR": str(tmp_path / "media"),
        "PIGWATCH_PROCESSOR": "tests.workers.processors:build_square_processor",
        "PYTHONPATH": str(REPO_ROOT),
    }
    argv = [sys.executable, "-m", "pigwatch", "demo", "--no-serve", "--days", "2", "--clips-per-day", "1"]
    argv += ["--clip-seconds", "2", "--width", "160", "--height", "90", "--timeout", "120"]
    result = subprocess.run(argv, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "demo-admin@pigwatch.local" in result.stdout and "all chunks processed" in result.stdout
    assert "demo summary" in result.stdout and "2 simulated days" in result.stdout
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as conn:
        statuses = conn.execute(text("SELECT status FROM chunks")).scalars().all()
        recordings = conn.execute(text("SELECT source, status, started_at FROM recordings")).all()
    engine.dispose()
    assert statuses == ["done", "done"]
    assert [(r.source, r.status) for r in recordings] == [("sim", "done"), ("sim", "done")]
    assert recordings[1].started_at - recordings[0].started_at == timedelta(days=1)


def test_tracks_are_matched_to_the_pig_whose_ground_truth_box_they_overlap(tmp_path: Path) -> None:
    """`demo.track_pigs` (behind `--check-identity`): a track follows pig 1 (index 0) over two frames; a track
    far from every pig matches none."""
    gt = tmp_path / "gt.txt"
    gt.write_text("1,1,0,0,10,10,1,-1,-1,-1\n1,2,20,20,10,10,1,-1,-1,-1\n2,1,1,0,10,10,1,-1,-1,-1\n")
    boxes = demo.gt_boxes(gt)
    assert sorted(boxes) == [0, 1] and sorted(boxes[0]) == [0, 1]
    follows = SimpleNamespace(track_id=5, frame_indices=np.array([0, 1]),
                              xyxy=np.array([[0.0, 0, 10, 10], [1.0, 0, 11, 10]]))  # fmt: skip
    stray = SimpleNamespace(track_id=6, frame_indices=np.array([0]), xyxy=np.array([[50.0, 50, 60, 60]]))
    assert demo.track_pigs(SimpleNamespace(tracks=[follows, stray]), boxes) == {5: 0}
