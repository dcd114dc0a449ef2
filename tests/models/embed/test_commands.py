"""The embedder CLI commands (pigwatch/commands/embedder.py): user mistakes give clear messages."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from pigwatch.commands import embedder as commands


@pytest.fixture
def app() -> typer.Typer:
    root = typer.Typer()
    commands.register(root)
    return root


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["eval-embedder", "--model", "{onnx}", "--split", "train"], "split must be val or test"),
        (["eval-embedder", "--model", "{missing}"], "does not exist"),
        (["export-embedder", "--checkpoint", "{missing}"], "does not exist"),
        (["train-embedder", "--steps", "0"], "greater than or equal to 1"),
    ],
)
def test_user_mistakes(app: typer.Typer, tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "m.onnx").write_bytes(b"")
    args = [a.format(onnx=tmp_path / "m.onnx", missing=tmp_path / "none.pt") for a in args]
    result = CliRunner().invoke(app, args)
    assert result.exit_code != 0
    squeezed = "".join(result.output.replace("│", "").split())  # rich wraps and boxes its messages
    assert message.replace(" ", "") in squeezed
