"""Behaviour commands: a missing bundle gets a message, not a traceback; train and rest split end to end."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from pigwatch.cli import app as cli


@pytest.mark.parametrize("command", ["add-rest-split", "eval-behaviour", "export-behaviour"])
def test_missing_bundle_is_refused_with_a_message(command: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, [command, "--bundle", str(tmp_path / "none")])
    assert result.exit_code == 2, result.output
    assert "no behaviour model in" in result.output and "train-behaviour" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_train_then_add_rest_split_tune_and_record_the_val_bias(tmp_path: Path) -> None:
    import json

    small = ["--clips-per-scenario", "1", "--clip-seconds", "10", "--val-clips-per-scenario", "1",
             "--bias-min-support", "1"]
    trained = CliRunner().invoke(
        cli, ["train-behaviour", "--bundle", str(tmp_path / "a"), "--epochs", "1", *small]
    )
    assert trained.exit_code == 0, trained.output
    facts = json.loads((tmp_path / "a" / "behaviour.json").read_text())
    assert facts["val_clips"] == 3 and len(facts["logit_bias"]) == 9  # one val clip per val scenario
    assert "val macro-F1 (raw windows)" in trained.output and (tmp_path / "a" / "behaviour.onnx").exists()

    split = CliRunner().invoke(
        cli, ["add-rest-split", "--bundle", str(tmp_path / "a"), "--out", str(tmp_path / "b"), *small]
    )
    assert split.exit_code == 0, split.output
    rest = json.loads((tmp_path / "b" / "behaviour.json").read_text())["rest_split"]
    assert rest["val_clips"] == 3 and len(rest["output_bias"]) == 9
    assert (tmp_path / "b" / "behaviour.onnx").exists()
