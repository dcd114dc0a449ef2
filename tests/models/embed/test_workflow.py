"""Run workflow: checkpoint round trip, crop-cache keys, provenance text, bundle export."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from models.embed.crops import CropSpec
from models.embed.net import PigEmbedNet
from models.embed.simdata import SimSampling
from models.embed.workflow import (
    crop_cache_path,
    export_bundle,
    load_checkpoint,
    provenance_markdown,
    save_checkpoint,
)


def test_checkpoint_round_trip(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model, spec = PigEmbedNet().eval(), CropSpec(size=48, margin=0.1)
    save_checkpoint(tmp_path / "c.pt", model, spec)
    back, back_spec = load_checkpoint(tmp_path / "c.pt")
    x = torch.randn(2, 3, 48, 48)
    with torch.no_grad():
        torch.testing.assert_close(back(x), model(x))
    assert back_spec == spec


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ((SimSampling(), CropSpec()), (SimSampling(), CropSpec()), True),
        ((SimSampling(), CropSpec()), (SimSampling(days_per_scenario=3), CropSpec()), False),
        ((SimSampling(), CropSpec()), (SimSampling(), CropSpec(size=64)), False),
    ],
)
def test_crop_cache_key_follows_settings(a: tuple, b: tuple, same: bool) -> None:
    assert (crop_cache_path(Path("r"), "val", *a) == crop_cache_path(Path("r"), "val", *b)) == same


def test_provenance_lists_scores_and_command() -> None:
    config = {"crop": {"size": 96}, "sampling": {"days_per_scenario": 5}, "train": {"steps": 10}}
    metrics = {"parameters": 123, "scores": {"test": {"rank1": 0.9, "mean_ap": 0.8, "queries": 40}}}
    text = provenance_markdown(
        command="pigwatch train-embedder", commit="abc", config=config, metrics=metrics
    )
    assert "| test | 0.9000 | 0.8000 | 40 |" in text and "`pigwatch train-embedder`" in text and "abc" in text


@pytest.mark.slow
def test_export_bundle_writes_parity_checked_onnx(tmp_path: Path) -> None:
    from models.embed.embedder import Embedder

    torch.manual_seed(0)
    model, spec = PigEmbedNet().eval(), CropSpec(size=32)
    sidecar = export_bundle(model, spec, tmp_path, meta={"name": "test"})
    assert sidecar["dim"] == 384 and sidecar["input_size"] == [32, 32]
    crops = np.random.default_rng(0).standard_normal((3, 3, 32, 32)).astype(np.float32)
    got = Embedder.from_onnx(tmp_path / "embedder.onnx", prefer_cuda=False).embed_crops(crops)
    want = Embedder(model, spec=spec).embed_crops(crops)
    np.testing.assert_allclose(got, want, atol=1e-5)


def test_provenance_lists_train_sampling_separately() -> None:
    config = {
        "crop": {"size": 96},
        "sampling": {"days_per_scenario": 5},
        "train_sampling": {"days_per_scenario": 10},
        "train": {"steps": 10},
    }
    text = provenance_markdown(command="c", commit="abc", config=config, metrics={"scores": {}})
    assert 'Sampling (val / test): `{"days_per_scenario": 5}`' in text
    assert 'Sampling (train): `{"days_per_scenario": 10}`' in text
