"""Clips on disk: video decodes, gt.txt / output.json / masks.npz / manifest.json agree with the frames."""

from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np
import pytest

from models.pipeline.types import BEHAVIOURS
from models.sim.render import generate
from models.sim.scenario import Scenario, scenario_set
from models.sim.writer import load_masks, render_clip

W, H, FPS, SECONDS = 160, 96, 6.0, 2.0


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> tuple[Scenario, Path, list]:
    sc = Scenario.from_config(scenario_set("test")[1])
    day = sc.days.start + 3
    out = render_clip(
        sc,
        tmp_path_factory.mktemp("clip"),
        day=day,
        start_s=8 * 3600,
        duration_s=SECONDS,
        width=W,
        height=H,
        fps=FPS,
        keyframe_step=3,
    )
    frames = list(generate(sc, day=day, start_s=8 * 3600, duration_s=SECONDS, width=W, height=H, fps=FPS))
    return sc, out, frames


def test_video_decodes_to_the_frame_count(clip: tuple) -> None:
    _, out, frames = clip
    with av.open(str(out / "video.mp4")) as container:
        decoded = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    assert len(decoded) == len(frames) == int(SECONDS * FPS)
    assert decoded[0].shape == (H, W, 3)
    assert np.abs(decoded[-1].astype(int) - frames[-1].image).mean() < 12.0


def test_gt_txt_matches_visible_boxes(clip: tuple) -> None:
    _, out, frames = clip
    rows = np.loadtxt(out / "gt" / "gt.txt", delimiter=",", ndmin=2)
    assert rows.shape[1] == 10
    assert np.all(rows[:, 6] == 1) and np.all(rows[:, 7:] == -1)
    for f in frames:
        mine = rows[rows[:, 0] == f.index + 1]
        assert sorted(mine[:, 1].astype(int).tolist()) == sorted(f.ids[f.visible].tolist())
        for row in mine:
            box = f.xyxy[f.ids.tolist().index(int(row[1]))]
            assert row[2:6] == pytest.approx([box[0], box[1], box[2] - box[0], box[3] - box[1]], abs=0.06)


def test_output_json_keyframes(clip: tuple) -> None:
    sc, out, frames = clip
    doc = json.loads((out / "output.json").read_text())
    assert doc["videoFileName"] == "video.mp4" and doc["stepSize"] == 3
    assert [o["id"] for o in doc["objects"]] == [p.pig_id for p in sc.pigs]
    for obj in doc["objects"]:
        assert [fr["frameNumber"] for fr in obj["frames"]] == list(range(0, len(frames), 3))
        for fr in obj["frames"]:
            f = frames[fr["frameNumber"]]
            i = f.ids.tolist().index(obj["id"])
            assert fr["behaviour"] == f.behaviours[i] and fr["behaviour"] in BEHAVIOURS
            assert fr["visible"] == bool(f.visible[i])
            assert fr["bbox"]["x"] == pytest.approx(float(f.xyxy[i, 0]), abs=0.06)
            assert fr["bbox"]["width"] == pytest.approx(float(f.xyxy[i, 2] - f.xyxy[i, 0]), abs=0.11)


def test_masks_npz_round_trip(clip: tuple) -> None:
    sc, out, frames = clip
    store = load_masks(out)
    assert store.shape == (len(frames), H, W)
    assert store.ids.tolist() == [p.pig_id for p in sc.pigs]
    for f, masks in zip(frames, store, strict=True):
        assert np.array_equal(masks, f.masks)


def test_manifest(clip: tuple) -> None:
    sc, out, _ = clip
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["fps"] == FPS and manifest["resolution"] == [W, H] and manifest["start_s"] == 8 * 3600
    assert [p["id"] for p in manifest["pigs"]] == [p.pig_id for p in sc.pigs]
    weights = manifest["pigs"][0]["weights_kg"]
    assert len(weights) == sc.config.n_days and weights[str(sc.days.start)] < weights[str(sc.days.stop - 1)]
    assert {e["condition"] for e in manifest["health_timeline"]} == {"lame", "sick"}
    for name in ("feeder", "drinker", "lying"):
        poly = np.array(manifest["zones"][name])
        assert poly.shape[1] == 2 and np.all((poly >= 0) & (poly <= 1))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"keyframe_step": 0}, "keyframe_step"),
        ({"width": 97, "height": 64}, "even"),
        ({"height": 65}, "even"),
    ],
)
def test_bad_clip_arguments_raise(tmp_path: Path, kwargs: dict, message: str) -> None:
    sc = Scenario.from_config(scenario_set("test")[0])
    with pytest.raises(ValueError, match=message):
        render_clip(sc, tmp_path, day=sc.days.start, start_s=0, duration_s=1, **kwargs)
