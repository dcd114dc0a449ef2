"""`pigwatch eval ...` end to end on files the tests write."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from models.eval.masks import save_mask_file
from pigwatch.commands.eval import eval_app

runner = CliRunner()
GT_ROWS = "".join(f"{f},{i},{10 + 40 * i + f},20,30,30,1,-1,-1,-1\n" for f in range(1, 6) for i in (1, 2))


def _invoke(*args: str | Path) -> object:
    result = runner.invoke(eval_app, [str(a) for a in args])
    return result


def _track_files(tmp_path: Path, pred_rows: str) -> tuple[Path, Path]:
    (tmp_path / "clip" / "gt").mkdir(parents=True)
    (tmp_path / "clip" / "gt" / "gt.txt").write_text(GT_ROWS)
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "pred.txt").write_text(pred_rows)
    return tmp_path / "clip", tmp_path / "run" / "pred.txt"


@pytest.mark.parametrize(
    ("pred_rows", "mota"),
    [(GT_ROWS, 1.0), ("".join(r for r in GT_ROWS.splitlines(True) if ",2," not in r[:4]), 0.5), ("", 0.0)],
    ids=["perfect", "dropped-pig", "empty-prediction"],
)
def test_eval_track_writes_json(tmp_path: Path, pred_rows: str, mota: float) -> None:
    clip, pred = _track_files(tmp_path, pred_rows)
    out = tmp_path / "track.json"
    result = runner.invoke(eval_app, ["track", "--gt", str(clip), "--pred", str(pred), "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "mota" in result.output
    saved = json.loads(out.read_text())[0]
    assert saved["kind"] == "tracking" and saved["metrics"]["mota"] == pytest.approx(mota)


def test_eval_track_with_masks(tmp_path: Path) -> None:
    clip, pred = _track_files(tmp_path, GT_ROWS)
    masks = {f: (np.asarray([1, 2]), np.zeros((2, 8, 8), bool)) for f in range(5)}
    for _, m in masks.values():
        m[0, :4], m[1, 4:] = True, True
    save_mask_file(clip / "masks.npz", masks)
    shifted = np.zeros((2, 8, 8), bool)
    shifted[:, 2:6] = True  # IoU 16 / 48 = 1/3 with either true mask
    save_mask_file(pred.parent / "masks.npz", {f: (ids, shifted) for f, (ids, _) in masks.items()})
    out = tmp_path / "m.json"
    result = runner.invoke(
        eval_app, ["track", "--gt", str(clip), "--pred", str(pred), "--masks", "--json", str(out)]
    )
    assert result.exit_code == 0, result.output
    # Boxes match perfectly, masks nowhere reach IoU 0.5: 10 misses and 10 false positives of 10 boxes.
    assert json.loads(out.read_text())[0]["metrics"]["mota"] == pytest.approx(-1.0)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["track", "--gt", "nowhere", "--pred", "nowhere.txt"], "no such file"),
        (["reid", "--embeddings", "missing.npz"], "missing.npz"),
        (["report", "nothing.json"], "nothing.json"),
    ],
)
def test_user_mistakes_give_a_message_not_a_traceback(args: list[str], message: str) -> None:
    result = runner.invoke(eval_app, args)
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


def test_eval_reid(tmp_path: Path) -> None:
    path = tmp_path / "emb.npz"
    vectors = np.asarray([[1, 0], [0, 1], [1, 0.1], [0.1, 1]], dtype=np.float32)
    np.savez(path, vectors=vectors, pig=np.asarray([1, 2, 1, 2]), day=np.asarray([0, 0, 1, 1]),
             pred_identity=np.asarray([5, 5, 5, 6]))  # fmt: skip
    out = tmp_path / "reid.json"
    result = runner.invoke(eval_app, ["reid", "--embeddings", str(path), "--json", str(out)])
    assert result.exit_code == 0, result.output
    metrics = json.loads(out.read_text())[0]["metrics"]
    assert metrics["rank1"] == 1.0 and metrics["identity_false_merge_rate"] == 0.5


def test_eval_behaviour_against_edinburgh_truth(tmp_path: Path) -> None:
    frames = [{"frameNumber": 0, "bbox": {"x": 0, "y": 0, "width": 5, "height": 5}, "visible": True,
               "behaviour": "eat"},
              {"frameNumber": 3, "bbox": {"x": 0, "y": 0, "width": 5, "height": 5}, "visible": True,
               "behaviour": "walk"}]  # fmt: skip
    truth = tmp_path / "output.json"
    truth.write_text(
        json.dumps({"videoFileName": "v.mp4", "stepSize": 3, "objects": [{"id": 4, "frames": frames}]})
    )
    pred = tmp_path / "pred.csv"
    pred.write_text("frame,id,label\n0,4,eat\n1,4,eat\n2,4,lying\n3,4,lying\n")
    out = tmp_path / "b.json"
    result = runner.invoke(
        eval_app, ["behaviour", "--truth", str(truth), "--pred", str(pred), "--json", str(out)]
    )
    assert result.exit_code == 0, result.output
    metrics = json.loads(out.read_text())[0]["metrics"]
    # Frames 0-2 are "eat" (held), frames 3-5 "walk" (excluded): 3 scored, 2 right.
    assert metrics["samples"] == 3 and metrics["accuracy"] == pytest.approx(2 / 3)


def test_eval_report_writes_self_contained_html(tmp_path: Path) -> None:
    clip, pred = _track_files(tmp_path, GT_ROWS)
    track_json = tmp_path / "t.json"
    assert (
        runner.invoke(
            eval_app, ["track", "--gt", str(clip), "--pred", str(pred), "--json", str(track_json)]
        ).exit_code
        == 0
    )
    behaviour_json = tmp_path / "b.json"
    metrics = {"accuracy": 0.5, "macro_f1": None, "labels": ["eat", "lying"], "confusion": [[1, 1], [0, 0]],
               "per_class_f1": {"eat": 0.667, "lying": None}}  # fmt: skip
    behaviour_json.write_text(json.dumps([{"kind": "behaviour", "name": "b", "metrics": metrics}]))
    out = tmp_path / "report"
    result = runner.invoke(eval_app, ["report", str(track_json), str(behaviour_json), "--out", str(out)])
    assert result.exit_code == 0, result.output
    page = (out / "report.html").read_text()
    assert len(page) > 1_000_000  # plotly.js embedded, not linked
    assert re.findall(r"<script[^>]*\bsrc=", page) == []  # no external script
    assert page.count('class="plotly-graph-div"') == 4  # tracking, behaviour, per-class F1 bars; confusion
    assert [r["kind"] for r in json.loads((out / "report.json").read_text())] == ["tracking", "behaviour"]


def test_eval_track_set_pools_the_counts_of_its_clips(tmp_path: Path) -> None:
    perfect_clip, perfect = _track_files(tmp_path / "a", GT_ROWS)
    one_pig = "".join(r for r in GT_ROWS.splitlines(True) if ",2," not in r[:4])
    half_clip, half = _track_files(tmp_path / "b", one_pig)
    out = tmp_path / "set.json"
    result = runner.invoke(eval_app, ["track-set", "--gt", str(perfect_clip), "--pred", str(perfect),
                                      "--gt", str(half_clip), "--pred", str(half), "--json", str(out)])
    assert result.exit_code == 0, result.output
    metrics = json.loads(out.read_text())[0]["metrics"]
    # 20 gt boxes, 5 missed in the second clip: MOTA 0.75; IDTP 15 of 20 gt + 15 predicted: IDF1 6/7
    assert metrics["mota"] == pytest.approx(0.75) and metrics["idf1"] == pytest.approx(30 / 35)
    assert "pooled" in result.output


def test_eval_track_set_refuses_unpaired_inputs(tmp_path: Path) -> None:
    clip, pred = _track_files(tmp_path, GT_ROWS)
    result = runner.invoke(eval_app, ["track-set", "--gt", str(clip), "--gt", str(clip), "--pred", str(pred)])
    assert result.exit_code == 2 and "give one of each per clip" in result.output
