"""The behaviour commands refuse a bundle without a behaviour model with a message, not a traceback."""

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
