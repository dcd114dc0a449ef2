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


def test_train_sampling_applies_to_train_split_only(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from models.embed import workflow
    from models.embed.crops import CropSpec
    from models.embed.simdata import SimSampling

    seen: dict[str, int] = {}

    def fake_load(run_dir: Path, split: str, sampling: SimSampling, spec: CropSpec, **_: object) -> str:
        seen[split] = sampling.days_per_scenario
        return split

    monkeypatch.setattr(workflow, "load_or_build_crops", fake_load)
    base, more = SimSampling(days_per_scenario=5), SimSampling(days_per_scenario=10)
    commands._crop_sets(tmp_path, ("train", "val", "test"), base, CropSpec(), train_sampling=more)
    assert seen == {"train": 10, "val": 5, "test": 5}
    commands._crop_sets(tmp_path, ("train", "val"), base, CropSpec())
    assert seen["train"] == 5
