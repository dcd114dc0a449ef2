"""MOTChallenge and Edinburgh readers on small files the tests write."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from models.eval.edinburgh import (
    BEHAVIOUR_MAP,
    RAW_BEHAVIOURS,
    edinburgh_behaviours,
    edinburgh_frames,
    map_behaviour,
    read_edinburgh,
)
from models.eval.mot_io import format_mot, read_mot
from models.pipeline.types import BEHAVIOURS


@pytest.mark.parametrize(
    ("text", "expected_frames", "expected_rows"),
    [
        ("", [], 0),
        ("1,1,10,20,30,40,1,-1,-1,-1\n", [0], 1),  # MOT15: 10 columns
        ("1,1,10,20,30,40,1,1,0.8\n2,1,11,20,30,40,1,1,1.0\n", [0, 1], 2),  # MOT16+ gt: 9 columns
        ("3 5 10 20 30 40 0.7\n\n3 6 1 2 3 4 0.2\n", [2], 2),  # whitespace separated, blank line
    ],
    ids=["empty", "ten-columns", "nine-columns", "whitespace"],
)
def test_read_mot_variants(tmp_path: Path, text: str, expected_frames: list[int], expected_rows: int) -> None:
    path = tmp_path / "gt.txt"
    path.write_text(text)
    frames = read_mot(path)
    assert sorted(frames) == expected_frames
    assert sum(len(d) for d in frames.values()) == expected_rows


def test_read_mot_converts_xywh_to_xyxy_and_keeps_ids(tmp_path: Path) -> None:
    path = tmp_path / "gt.txt"
    path.write_text("1,7,10,20,30,40,-1,-1,-1,-1\n")
    det = read_mot(path)[0]
    np.testing.assert_allclose(det.xyxy, [[10, 20, 40, 60]])
    assert det.track_id is not None and det.track_id.tolist() == [7]
    assert det.score.tolist() == [1.0]  # conf -1 means "not given"


def test_read_mot_min_confidence_drops_ignored_rows(tmp_path: Path) -> None:
    path = tmp_path / "gt.txt"
    path.write_text("1,1,0,0,5,5,1,1,1\n1,2,0,0,5,5,0,1,1\n")
    assert len(read_mot(path, min_confidence=1)[0]) == 1


@pytest.mark.parametrize("bad", ["1,2,3,4,5\n", "1,1,0,0,5,5,1,1,1,1,1\n", "1,a,0,0,5,5\n"])
def test_read_mot_rejects_malformed_rows_with_line_number(tmp_path: Path, bad: str) -> None:
    path = tmp_path / "gt.txt"
    path.write_text(bad)
    with pytest.raises(ValueError, match=r"gt.txt:1"):
        read_mot(path)


def test_mot_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "res.txt"
    path.write_text("2,3,1.5,2.5,10,20,0.9,-1,-1,-1\n1,4,0,0,5,5,1,-1,-1,-1\n")
    frames = read_mot(path)
    again = tmp_path / "again.txt"
    again.write_text(format_mot(frames))
    assert read_mot(again).keys() == frames.keys()
    for k in frames:
        np.testing.assert_allclose(read_mot(again)[k].xyxy, frames[k].xyxy, atol=0.01)


def _edinburgh(step: int = 3) -> dict:
    def key(frame: int, x: float, behaviour: str, visible: bool = True) -> dict:
        bbox = {"x": x, "y": 10.0, "width": 20.0, "height": 10.0}
        return {"frameNumber": frame, "bbox": bbox, "visible": visible, "behaviour": behaviour}

    return {
        "videoFileName": "clip.mp4",
        "stepSize": step,
        "objects": [
            {"id": 1, "frames": [key(0, 0.0, "standing"), key(3, 30.0, "walk"), key(6, 60.0, "eat")]},
            {"id": 2, "frames": [key(0, 100.0, "lying"), key(3, 100.0, "sleep", visible=False)]},
        ],
    }


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "output.json"
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize(
    ("fill", "frame", "expected_x1"),
    [("hold", 0, 0.0), ("hold", 2, 0.0), ("hold", 3, 30.0), ("interpolate", 1, 10.0),
     ("interpolate", 5, 50.0),
     ("interpolate", 8, 60.0)],
)  # fmt: skip
def test_edinburgh_boxes_held_or_interpolated(
    tmp_path: Path, fill: str, frame: int, expected_x1: float
) -> None:
    frames = edinburgh_frames(read_edinburgh(_write(tmp_path, _edinburgh())), fill=fill)  # type: ignore[arg-type]
    det = frames[frame]
    assert det.track_id is not None
    row = det.track_id.tolist().index(1)
    np.testing.assert_allclose(det.xyxy[row], [expected_x1, 10.0, expected_x1 + 20.0, 20.0])


def test_edinburgh_invisible_pig_and_clip_end(tmp_path: Path) -> None:
    clip = read_edinburgh(_write(tmp_path, _edinburgh()))
    frames = edinburgh_frames(clip, n_frames=8)
    assert sorted(frames) == list(range(8))  # last keyframe 6 covers 6, 7 (clipped at n_frames)
    ids = {f: sorted(d.track_id.tolist()) for f, d in frames.items() if d.track_id is not None}
    assert ids[2] == [1, 2] and ids[3] == [1]  # pig 2 invisible from frame 3


def test_edinburgh_behaviours_mapped_and_excluded(tmp_path: Path) -> None:
    clip = read_edinburgh(_write(tmp_path, _edinburgh()))
    labels = edinburgh_behaviours(clip)
    assert labels[(1, 1)] == "standing"
    assert (4, 1) not in labels  # "walk" is excluded
    assert labels[(7, 1)] == "eat"
    assert labels[(2, 2)] == "lying" and (3, 2) not in labels
    assert set(edinburgh_behaviours(clip, keyframes_only=True)) == {(0, 1), (6, 1), (0, 2)}


def test_edinburgh_empty_objects(tmp_path: Path) -> None:
    clip = read_edinburgh(_write(tmp_path, {"videoFileName": "x", "stepSize": 3, "objects": []}))
    assert edinburgh_frames(clip) == {} and edinburgh_behaviours(clip) == {}


@pytest.mark.parametrize(
    "data",
    [{"objects": [{"frames": []}]}, {"stepSize": 0, "objects": []}, {"objects": [{"id": 1, "frames": [{}]}]}],
)
def test_edinburgh_malformed_is_a_value_error(tmp_path: Path, data: dict) -> None:
    with pytest.raises(ValueError, match="output.json"):
        read_edinburgh(_write(tmp_path, data))


def test_behaviour_mapping_covers_all_sixteen_labels() -> None:
    assert len(RAW_BEHAVIOURS) == 16 and set(BEHAVIOUR_MAP) == set(RAW_BEHAVIOURS)
    assert {v for v in BEHAVIOUR_MAP.values() if v is not None} == set(BEHAVIOURS)
    assert [k for k, v in BEHAVIOUR_MAP.items() if v is None] == [
        "investigating", "walk", "fight", "nose-poke-elsewhere", "jumpontopof", "other", "chase"
    ]  # fmt: skip
    assert map_behaviour(" Eat ") == "eat" and map_behaviour(None) is None
    with pytest.raises(ValueError, match="unknown"):
        map_behaviour("dance")


@pytest.mark.parametrize("n_frames", [0, 1, 3])
def test_packed_mask_file_round_trip(tmp_path: Path, n_frames: int) -> None:
    from models.eval.masks import load_mask_file, save_mask_file

    rng = np.random.default_rng(0)
    masks = {f: (np.asarray([3, 9]), rng.random((2, 5, 7)) > 0.5) for f in range(n_frames)}
    save_mask_file(tmp_path / "m.npz", masks)
    loaded = load_mask_file(tmp_path / "m.npz")
    assert sorted(loaded) == list(range(n_frames))
    for f, (ids, m) in masks.items():
        np.testing.assert_array_equal(loaded[f][0], ids)
        np.testing.assert_array_equal(loaded[f][1], m)


def test_masked_frames_reorders_by_id_and_reports_missing_ids() -> None:
    from models.eval.masks import MaskedFrames
    from models.pipeline.types import Detections

    masks = np.zeros((2, 4, 4), bool)
    masks[1, 0, 0] = True
    frames = {0: Detections(xyxy=np.zeros((1, 4)), score=[1.0], track_id=[8]), 1: Detections.empty()}
    masked = MaskedFrames(frames, {0: (np.asarray([5, 8]), masks)})
    mask = masked[0].mask
    assert mask is not None and mask.shape == (1, 4, 4) and mask[0, 0, 0]
    assert len(masked[1]) == 0
    with pytest.raises(ValueError, match="no mask for ids"):
        MaskedFrames(frames, {0: (np.asarray([5]), masks[:1])})[0]


def test_unknown_npz_is_rejected(tmp_path: Path) -> None:
    from models.eval.masks import load_mask_file

    np.savez(tmp_path / "x.npz", something=np.zeros(3))
    with pytest.raises(ValueError, match="neither"):
        load_mask_file(tmp_path / "x.npz")


def test_edinburgh_vatic_style_file(tmp_path: Path) -> None:
    """stepSize in seconds (1/6), string ids, extra keys, a repeated frameNumber, string booleans."""

    def key(frame: int, x: float, visible: object = True) -> dict:
        bbox = {"x": x, "y": 0, "width": 10, "height": 10}
        return {
            "frameNumber": frame,
            "bbox": bbox,
            "isGroundTruth": True,
            "visible": visible,
            "behaviour": "lying",
        }

    data = {
        "videoFileName": "color.mp4",
        "fullVideoFilePath": "2019_11_05/000002/",
        "stepSize": 1 / 6,
        "config": {"stepSize": 1 / 6, "playbackRate": 0.4},
        "objects": [
            {
                "id": "179",
                "frames": [key(0, 0), key(3, 30), key(3, 99), key(6, 60), key(9, 90, visible="false")],
            },
            {"id": "214", "frames": [key(0, 200), key(3, 200)]},
        ],
    }
    clip = read_edinburgh(_write(tmp_path, data))
    assert sorted(clip.tracks) == [179, 214] and clip.id_names[179] == "179"
    assert clip.step_size == 3 and clip.raw_step_size == pytest.approx(1 / 6) and clip.duplicates == 1
    frames = edinburgh_frames(clip, fill="interpolate")
    det = frames[4]
    assert det.track_id is not None
    np.testing.assert_allclose(
        det.xyxy[det.track_id.tolist().index(179)][0], 40.0
    )  # 30 -> 60, first of frame 3
    assert 8 in frames and 9 not in frames  # pig 179 invisible from 9 ("false"), pig 214 ended at 5


def test_edinburgh_non_integer_ids_are_numbered(tmp_path: Path) -> None:
    data = _edinburgh()
    data["objects"][0]["id"], data["objects"][1]["id"] = "pig-a", "pig-b"
    clip = read_edinburgh(_write(tmp_path, data))
    assert clip.id_names == {1: "pig-a", 2: "pig-b"}
