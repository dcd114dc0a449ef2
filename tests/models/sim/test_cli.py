"""`pigwatch sim` commands: clear errors for user mistakes, and a tiny real render."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pigwatch.commands.sim import sim_app


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["scenario", "--set", "nope"], "unknown scenario set"),
        (["scenario", "--set", "val", "--scenario", "7"], "--scenario must be 0-2"),
        (["render", "--out", "x", "--start", "25"], "--start must be an hour"),
        (["calibrate", "--tracks", "/nonexistent/tracks.txt"], "track file not found"),
        (["render", "--out", "x", "--width", "97"], "must be even"),
    ],
)
def test_user_mistakes_give_messages_not_tracebacks(args: list[str], message: str) -> None:
    result = CliRunner().invoke(sim_app, args)
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_scenario_lists_a_set_and_writes_manifests(tmp_path: Path) -> None:
    out = tmp_path / "val.json"
    result = CliRunner().invoke(sim_app, ["scenario", "--set", "val", "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "val-02" in result.output
    assert [len(m["pigs"]) for m in json.loads(out.read_text())] == [8, 5, 18]


def test_render_writes_a_clip_per_day(tmp_path: Path) -> None:
    args = ["render", "--set", "test", "--scenario", "1", "--out", str(tmp_path), "--days", "2",
            "--duration", "0.5", "--width", "96", "--height", "64", "--start", "12"]  # fmt: skip
    result = CliRunner().invoke(sim_app, args)
    assert result.exit_code == 0, result.output
    clips = sorted((tmp_path / "test-01").iterdir())
    assert [c.name for c in clips] == ["day2040_43200s", "day2059_43200s"]
    for clip in clips:
        assert {p.name for p in clip.iterdir()} == {
            "video.mp4",
            "gt",
            "masks.npz",
            "output.json",
            "manifest.json",
        }
