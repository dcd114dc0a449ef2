"""End to end on a simulator clip: ground truth fed back, a planted ID switch, a dropped pig, masks."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from models.eval.edinburgh import edinburgh_behaviours, edinburgh_frames, read_edinburgh
from models.eval.mot_io import parse_mot_rows, read_mot
from models.eval.tracking import evaluate_tracking
from pigwatch.commands.eval import eval_app

sim_writer = pytest.importorskip("models.sim.writer", reason="models/sim (the simulator) has not landed")
sim_scenario = pytest.importorskip("models.sim.scenario", reason="models/sim (the simulator) has not landed")

W, H, FPS, SECONDS = 160, 96, 6.0, 2.0


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    scenario = sim_scenario.Scenario.from_config(sim_scenario.scenario_set("test")[0])
    out = tmp_path_factory.mktemp("simclip")
    return sim_writer.render_clip(
        scenario, out, day=scenario.days.start + 1, start_s=9 * 3600, duration_s=SECONDS,
        width=W, height=H, fps=FPS, keyframe_step=3,
    )  # fmt: skip


def _score(clip: Path, pred_rows: np.ndarray, tmp_path: Path, *extra: str) -> dict:
    run = tmp_path / "run"
    run.mkdir(exist_ok=True)
    lines = [",".join(f"{v:g}" for v in row[:6]) + ",1,-1,-1,-1\n" for row in pred_rows]
    (run / "pred.txt").write_text("".join(lines))
    if "--masks" in extra:
        (run / "masks.npz").write_bytes((clip / "masks.npz").read_bytes())
    out = tmp_path / "result.json"
    args = ["track", "--gt", str(clip), "--pred", str(run / "pred.txt"), "--json", str(out), *extra]
    result = CliRunner().invoke(eval_app, args)
    assert result.exit_code == 0, result.output
    return json.loads(out.read_text())[0]["metrics"]


def _gt_rows(clip: Path) -> np.ndarray:
    return parse_mot_rows((clip / "gt" / "gt.txt").read_text())


@pytest.mark.parametrize("extra", [(), ("--masks",)], ids=["boxes", "masks"])
def test_ground_truth_fed_back_scores_100(clip: Path, tmp_path: Path, extra: tuple[str, ...]) -> None:
    metrics = _score(clip, _gt_rows(clip), tmp_path, *extra)
    assert metrics["mota"] == 1.0 and metrics["idf1"] == 1.0 and metrics["hota"] == pytest.approx(1.0)


def test_planted_id_switch_scores_the_hand_calculation(clip: Path, tmp_path: Path) -> None:
    rows = _gt_rows(clip)
    pig = int(rows[0, 1])
    late = (rows[:, 1] == pig) & (rows[:, 0] > 6)
    rows[late, 1] = 999  # the pig gets a new id from frame 7 on
    metrics = _score(clip, rows, tmp_path)
    n_gt = len(rows)
    n_pig, n_late = int((_gt_rows(clip)[:, 1] == pig).sum()), int(late.sum())
    assert metrics["id_switches"] == 1
    assert metrics["mota"] == pytest.approx(1 - 1 / n_gt)
    # IDF1: the pig's longer part keeps its id; the other part is IDFN and IDFP.
    idtp = n_gt - min(n_late, n_pig - n_late)
    assert metrics["idf1"] == pytest.approx(2 * idtp / (2 * n_gt))


def test_dropped_pig_scores_the_hand_calculation(clip: Path, tmp_path: Path) -> None:
    rows = _gt_rows(clip)
    pig = int(rows[0, 1])
    kept = rows[rows[:, 1] != pig]
    metrics = _score(clip, kept, tmp_path)
    n_gt, n_pig = len(rows), len(rows) - len(kept)
    assert metrics["misses"] == n_pig and metrics["false_positives"] == 0
    assert metrics["mota"] == pytest.approx(1 - n_pig / n_gt)
    assert metrics["idf1"] == pytest.approx(2 * len(kept) / (2 * len(kept) + n_pig))
    # Every remaining pig matched with IoU 1: DetA = kept / gt, AssA = 1.
    assert metrics["hota"] == pytest.approx(math.sqrt(len(kept) / n_gt))


def test_edinburgh_output_agrees_with_gt_on_keyframes(clip: Path) -> None:
    edinburgh = read_edinburgh(clip / "output.json")
    held = edinburgh_frames(edinburgh)
    keyframes = {f: held[f] for f in held if f % edinburgh.step_size == 0}
    gt_frames = {f: d for f, d in read_mot(clip / "gt" / "gt.txt").items() if f in keyframes}
    assert keyframes and gt_frames.keys() == keyframes.keys()
    metrics = evaluate_tracking(gt_frames, keyframes)
    assert metrics["mota"] == pytest.approx(1.0) and metrics["motp"] > 0.95
    labels = edinburgh_behaviours(edinburgh)
    assert labels  # every simulator behaviour is one of the nine classes, none excluded
