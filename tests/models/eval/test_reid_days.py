"""Re-identification across days: tracks from clips, worker-style scoring, enrolment, assignment, summary."""

from __future__ import annotations

import json
import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from models.eval.reid_days import (
    ClipTrack,
    ReidDaysConfig,
    cache_key,
    clip_tracks,
    crop_rank1_against_enrolment,
    evaluate_days,
    load_days,
    pool_track_scores,
    save_days,
    spread_rows,
    summarise,
)

EMBEDDER = Path(__file__).resolve().parents[3] / "models" / "bundles" / "default" / "embedder.onnx"


def unit(*values: float) -> np.ndarray:
    """An L2-normalised float32 vector."""
    vector = np.asarray(values, np.float32)
    return vector / np.linalg.norm(vector)


@pytest.mark.parametrize(
    ("rows", "count", "expected"),
    [(0, 8, []), (3, 8, [0, 1, 2]), (5, 3, [0, 2, 4]), (9, 2, [0, 8])],
)
def test_spread_rows(rows: int, count: int, expected: list[int]) -> None:
    vectors = np.arange(rows, dtype=np.float32).reshape(rows, 1)
    assert spread_rows(vectors, count)[:, 0].tolist() == expected


def test_pool_track_scores_top_k_mean_then_mean_over_queries() -> None:
    pool = np.stack([unit(1, 0), unit(1, 1), unit(0, 1)])
    owners = np.array([7, 7, 9])
    track = np.stack([unit(1, 0), unit(0, 1)])
    got = pool_track_scores(track, pool, owners, [7, 9], ReidDaysConfig(top_k=2))
    # query (1,0): animal 7 mean(1, .707), animal 9 -> 0; query (0,1): 7 mean(.707, 0), 9 -> 1.
    expected_7 = ((1 + math.sqrt(0.5)) / 2 + math.sqrt(0.5) / 2) / 2
    assert got == pytest.approx([expected_7, 0.5], abs=1e-5)


@pytest.mark.parametrize(
    ("track_rows", "pool_rows", "hits"),
    [(0, 3, 64), (2, 0, 64), (2, 3, 1)],
)
def test_pool_track_scores_nan_without_evidence(track_rows: int, pool_rows: int, hits: int) -> None:
    pool = np.stack([unit(1, 0), unit(0.9, 0.1), unit(0, 1)])[:pool_rows].reshape(pool_rows, 2)
    owners = np.array([1, 1, 2])[:pool_rows]
    track = np.stack([unit(1, 0)] * max(track_rows, 1))[:track_rows].reshape(track_rows, 2)
    got = pool_track_scores(track, pool, owners, [1, 2], ReidDaysConfig(nearest_hits=hits))
    assert np.isnan(got[1])  # animal 2 is never among the hits (or there is nothing to compare)


def fake_frame(index: int, visible: list[bool]) -> SimpleNamespace:
    """A SimFrame-like object with pigs 10, 20, 30 at 2 fps starting at 100 s."""
    return SimpleNamespace(index=index, clock_s=100.0 + index / 2, ids=np.array([10, 20, 30]),
                           visible=np.asarray(visible, bool))  # fmt: skip


def fake_embed(frame: SimpleNamespace, selection: np.ndarray) -> np.ndarray:
    """One vector per selected pig encoding (pig id, frame index)."""
    return np.stack([[float(pig), float(frame.index)] for pig in frame.ids[selection]]).astype(np.float32)


@pytest.mark.parametrize(
    ("visibility", "expected"),
    [
        ([], []),
        ([[False] * 3] * 4, []),
        # pig 10 always visible; pig 20 visible only at frame 1 (never embedded); pig 30 from frame 2.
        ([[True, False, False], [True, True, False], [True, False, True], [True, False, True]],
         [(10, 100.0, 102.0, [0, 2]), (30, 101.0, 102.0, [2])]),
    ],
)  # fmt: skip
def test_clip_tracks_spans_and_embedding_cadence(visibility: list, expected: list) -> None:
    frames = [fake_frame(i, v) for i, v in enumerate(visibility)]
    tracks = clip_tracks(frames, fake_embed, fps=2.0, embed_every_s=1.0)
    got = [(t.pig, t.start_s, t.end_s, t.vectors[:, 1].astype(int).tolist()) for t in tracks]
    assert got == expected


def chunk(pigs: list[int], looks: dict[int, np.ndarray], start: float) -> list[ClipTrack]:
    """One clip's overlapping tracks, each with its pig's look repeated."""
    return [ClipTrack(pig, start, start + 30.0, np.stack([looks[pig]] * 3)) for pig in pigs]


LOOKS = {1: unit(1, 0, 0), 2: unit(0, 1, 0), 3: unit(0, 0, 1)}


def test_evaluate_days_distinct_pigs_all_assigned_correctly() -> None:
    days = [
        (0, [chunk([1, 2, 3], LOOKS, 0.0)]),
        (5, [chunk([1, 2, 3], LOOKS, 0.0), chunk([2, 3], LOOKS, 60.0)]),
    ]
    metrics = summarise(evaluate_days("s", days, ReidDaysConfig(), dimensions=3))
    assert metrics["tracks"] == 5 and metrics["rank1"] == 1.0
    assert metrics["share_assigned"] == 1.0 and metrics["false_merge_rate"] == 0.0
    assert metrics["identity_false_merge_rate"] == 0.0


def test_evaluate_days_lookalike_makes_a_false_merge() -> None:
    later = {1: LOOKS[1], 2: LOOKS[2], 3: LOOKS[1]}  # pig 3 now looks exactly like pig 1; alone in a clip
    days = [(0, [chunk([1, 2, 3], LOOKS, 0.0)]), (1, [chunk([3], later, 0.0)])]
    outcomes = evaluate_days("s", days, ReidDaysConfig(), dimensions=3)
    assert [(o.pig, o.top_animal, o.decision.animal_id) for o in outcomes] == [(3, 1, 1)]
    metrics = summarise(outcomes)
    assert metrics["rank1"] == 0.0 and metrics["false_merge_rate"] == 1.0
    # identity 1 holds its enrolled pig 1 and now pig 3's track: a merge of two pigs.
    assert metrics["identity_false_merge_rate"] == 1.0 and metrics["merged_identities"] == 1


def test_rank1_assigned_counts_the_one_to_one_choice_beside_rank1() -> None:
    # On day 1, pig 2's track looks more like pig 1 than like itself; pig 1's overlapping track is surely
    # pig 1, so the assignment gives pig 2's track animal 2 by exclusion: rank-1 misses, rank1_assigned not.
    later = {1: LOOKS[1], 2: unit(1, 0.8, 0), 3: LOOKS[3]}
    days = [(0, [chunk([1, 2, 3], LOOKS, 0.0)]), (1, [chunk([1, 2, 3], later, 0.0)])]
    outcomes = evaluate_days("s", days, ReidDaysConfig(), dimensions=3)
    assert [(o.pig, o.top_animal, o.decision.candidate_animal_id) for o in outcomes] == [
        (1, 1, 1), (2, 1, 2), (3, 3, 3)
    ]  # fmt: skip
    metrics = summarise(outcomes)
    assert metrics["rank1"] == pytest.approx(2 / 3)
    assert metrics["rank1_assigned"] == 1.0


def test_wide_val_set_extends_val_with_its_own_recipe() -> None:
    from models.eval.reid_days import split_configs, wide_val_set
    from models.sim.scenario import scenario_set

    wide = wide_val_set()
    val, test, train = scenario_set("val"), scenario_set("test"), scenario_set("train")
    assert [repr(c) for c in wide[: len(val)]] == [repr(c) for c in val]
    assert len(wide) == 12 and len({c.name for c in wide}) == 12
    others = test + train
    assert not {c.seed for c in wide} & {c.seed for c in others}
    assert not {c.appearance_seed for c in wide} & {c.appearance_seed for c in others}
    last_day = max(c.first_day + c.n_days for c in wide)
    assert last_day <= min(c.first_day for c in test)  # calendar days stay before the test set's
    assert [c.name for c in split_configs("val-wide")] == [c.name for c in wide]
    with pytest.raises(ValueError):
        wide_val_set(26)


def test_save_load_days_round_trip_keeps_days_chunks_and_vectors(tmp_path: Path) -> None:
    days = [
        (3, [chunk([1, 2], LOOKS, 10.0), []]),
        (9, [chunk([3], LOOKS, 20.0), chunk([2, 1], LOOKS, 40.0)]),
    ]
    path = tmp_path / "s.npz"
    save_days(path, days)
    got = load_days(path)
    assert [day for day, _ in got] == [3, 9]
    assert [[len(tracks) for tracks in chunks] for _, chunks in got] == [[2, 0], [1, 2]]
    for (_, chunks), (_, expected_chunks) in zip(got, days, strict=True):
        for tracks, expected in zip(chunks, expected_chunks, strict=True):
            for track, want in zip(tracks, expected, strict=True):
                assert (track.pig, track.start_s, track.end_s) == (want.pig, want.start_s, want.end_s)
                np.testing.assert_array_equal(track.vectors, want.vectors)


def test_cache_key_changes_with_rendering_and_embedder_not_with_thresholds() -> None:
    from dataclasses import replace

    from models.reid.assign import BandThresholds

    base = ReidDaysConfig()
    key = cache_key("scenario-a", base, "digest-1")
    assert cache_key("scenario-a", replace(base, thresholds=BandThresholds(0.9, 0.2, 0.5)), "digest-1") == key
    assert cache_key("scenario-a", replace(base, clip_seconds=5.0), "digest-1") != key
    assert cache_key("scenario-a", base, "digest-2") != key
    assert cache_key("scenario-b", base, "digest-1") != key


def test_crop_rank1_against_enrolment_per_later_day() -> None:
    later = {1: LOOKS[1], 2: LOOKS[1], 3: LOOKS[3]}  # on day 12 pig 2 looks like pig 1: its crops miss
    days = [
        (10, [chunk([1, 2, 3], LOOKS, 0.0)]),
        (11, [chunk([1, 2, 3], LOOKS, 0.0)]),
        (12, [chunk([2, 3], later, 0.0), []]),
    ]
    got = crop_rank1_against_enrolment(days)
    assert got["crop_rank1_day+1"] == 1.0
    assert got["crop_rank1_day+2"] == 0.5
    assert got["crop_rank1"] == pytest.approx(12 / 15)  # 9 of 9 crops on day 11, 3 of 6 on day 12


def test_summarise_empty_is_nan() -> None:
    metrics = summarise([])
    assert metrics["tracks"] == 0
    assert all(math.isnan(metrics[k]) for k in ("rank1", "false_merge_rate", "share_assigned"))


@pytest.mark.skipif(not EMBEDDER.is_file(), reason="shipped embedder models/bundles/default missing")
def test_cli_runs_on_a_tiny_val_sample(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from pigwatch.cli import app

    out = tmp_path / "r.json"
    args = ["eval", "reid-days", "--split", "val", "--max-scenarios", "1", "--days", "2",
            "--clip-seconds", "1", "--json", str(out)]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    metrics = json.loads(out.read_text())[0]["metrics"]
    assert metrics["tracks"] > 0 and 0.0 <= metrics["rank1"] <= 1.0
    assert set(metrics["per_scenario"]) == {"val-00"}


@pytest.mark.parametrize("args", [["--split", "nope"], ["--embedder", "missing.onnx"]])
def test_cli_user_mistakes_exit_cleanly(args: list[str]) -> None:
    from typer.testing import CliRunner

    from pigwatch.cli import app

    result = CliRunner().invoke(app, ["eval", "reid-days", *args])
    assert result.exit_code == 2 and "error" in result.output
