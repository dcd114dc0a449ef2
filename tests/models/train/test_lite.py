"""Tests of the lite training losses and the resumable training loop (tiny inputs)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import torch

from models.data.targets import Sample
from models.nn.lite import LiteConfig
from models.train.lite import (
    TrainConfig,
    box_loss,
    embedding_loss,
    fit_scale,
    focal_loss,
    load_lite_checkpoint,
    make_batch,
    mask_loss,
    train_lite,
)


def test_focal_loss_prefers_the_right_heatmap() -> None:
    target = torch.zeros(1, 1, 8, 8)
    target[0, 0, 3, 4] = 1.0
    good = torch.full_like(target, -6.0)
    good[0, 0, 3, 4] = 6.0
    bad = -good
    assert focal_loss(good, target) < 0.05 < focal_loss(bad, target)


@pytest.mark.parametrize("n_valid", [0, 1, 3])
def test_box_and_mask_loss_with_and_without_objects(n_valid: int) -> None:
    valid = torch.zeros(1, 4, dtype=torch.bool)
    valid[0, :n_valid] = True
    pred, target = torch.ones(1, 4, 2), torch.zeros(1, 4, 2)
    assert box_loss(pred, target, valid).item() == (1.0 if n_valid else 0.0)
    loss = mask_loss(torch.ones(1, 4, 2), torch.zeros(1, 2, 5, 5), torch.zeros(1, 4, 5, 5), valid)
    assert loss.item() == pytest.approx(np.log(2) if n_valid else 0.0, abs=1e-5)


@pytest.mark.parametrize(("ids", "has_positives"), [([0, 1, 0, 1], True), ([0, 1, 2, 3], False), ([], False)])
def test_embedding_loss_is_lower_when_ids_agree(ids: list[int], has_positives: bool) -> None:
    ids_t = torch.tensor(ids, dtype=torch.long)
    aligned = torch.nn.functional.one_hot(ids_t, 4).float() if ids else torch.zeros(0, 4)
    blurred = aligned + torch.roll(aligned, 1, 0) + 1e-3
    mixed = torch.nn.functional.normalize(blurred, dim=1) if ids else aligned
    la, lm = embedding_loss(aligned, ids_t), embedding_loss(mixed, ids_t)
    if has_positives:
        assert la < lm
    else:
        assert la.item() == 0.0 and lm.item() == 0.0


def _boxes_source(rng: np.random.Generator) -> tuple[Sample, Sample]:
    def one() -> Sample:
        img = np.zeros((64, 64, 3), np.uint8)
        x, y = rng.integers(4, 36, 2)
        img[y : y + 20, x : x + 24] = 200
        masks = np.zeros((1, 64, 64), bool)
        masks[0, y : y + 20, x : x + 24] = True
        return Sample(img, np.array([[x, y, x + 24, y + 20]], np.float32), masks, np.array([1]))

    return one(), one()


@pytest.mark.slow
def test_training_writes_checkpoint_and_resumes(tmp_path: Path) -> None:
    lite = LiteConfig(input_height=64, input_width=64, fpn_channels=16, embed_dim=8)
    cfg = TrainConfig(
        steps=2, batch_size=2, crop=(64, 64), sim_scale=1.0, checkpoint_every=1, lite=lite, warmup_steps=1
    )
    first = train_lite(tmp_path, cfg, [(_boxes_source, 1.0)])
    assert first["step"] == 2 and (tmp_path / "checkpoint.pt").exists()
    assert all(np.isfinite(h["total"]) for h in first["history"])
    resumed = train_lite(tmp_path, TrainConfig(**{**cfg.__dict__, "steps": 3}), [(_boxes_source, 1.0)])
    assert resumed["step"] == 3 and [h["step"] for h in resumed["history"]] == [0, 1, 2]
    assert json.loads((tmp_path / "config.json").read_text())["steps"] == 3
    model = load_lite_checkpoint(tmp_path / "checkpoint.pt")
    assert model.config == lite and not model.training


@pytest.mark.slow
def test_training_with_a_data_loading_worker(tmp_path: Path) -> None:
    lite = LiteConfig(input_height=64, input_width=64, fpn_channels=16, embed_dim=8)
    cfg = TrainConfig(steps=2, batch_size=2, crop=(64, 64), checkpoint_every=1, lite=lite, warmup_steps=1)
    metrics = train_lite(tmp_path, cfg, [(_boxes_source, 1.0)], workers=1)
    assert metrics["step"] == 2 and all(np.isfinite(h["total"]) for h in metrics["history"])
    assert [h["wall_s"] >= 0 for h in metrics["history"]] == [True, True]


@pytest.mark.parametrize("scale", [0.5, 1.0])
def test_batch_resizes_by_the_source_scale_without_jitter(scale: float) -> None:
    img = np.zeros((64, 64, 3), np.uint8)
    sample = Sample(img, np.array([[8, 16, 40, 32]], np.float32))
    cfg = TrainConfig(batch_size=2, crop=(64, 64), scale_jitter=0.0)
    images, t = make_batch([(lambda rng: (sample, sample), scale)], np.random.default_rng(0), cfg)
    assert images.shape == (2, 3, 64, 64)
    expected = np.log(np.array([32, 16]) * scale / 8)
    np.testing.assert_allclose(t["size"][:, 0].numpy(), np.stack([expected, expected]), atol=1e-5)


def test_fitted_real_scale_brings_the_longer_side_to_the_input_size() -> None:
    photos = [
        Sample(np.zeros((h, h, 3), np.uint8), np.array([[0, 0, h / 4, h / 4]], np.float32))
        for h in (640, 1080)
    ]
    cfg = TrainConfig(batch_size=2, crop=(512, 512), scale_jitter=0.0, real_fit=512)
    _, t = make_batch([(lambda rng: (photos[0], photos[1]), fit_scale(512))], np.random.default_rng(0), cfg)
    # both boxes are a quarter of their photo: 128 px after fitting to 512, whatever the photo's size
    np.testing.assert_allclose(t["size"][:, 0].numpy(), np.log(np.full((2, 2), 128 / 8)), atol=1e-5)



@pytest.mark.parametrize(("min_visible", "kept"), [(0.5, False), (0.4, True), (0.2, True)])
def test_a_box_cut_by_the_crop_stays_a_target_above_min_visible(min_visible: float, kept: bool) -> None:
    from models.data.targets import random_crop_resize

    # crop = the whole 32x32 image (no choice of position); the box keeps 8 of its 20 px of width: 0.4
    sample = Sample(np.zeros((32, 32, 3), np.uint8), np.array([[24, 0, 44, 10]], np.float32))
    out = random_crop_resize(sample, np.random.default_rng(0), out_hw=(32, 32), scale=1.0, jitter=0.0,
                             flip=False, min_visible=min_visible)
    expected = np.array([[24, 0, 32, 10]], np.float32) if kept else np.zeros((0, 4), np.float32)
    np.testing.assert_array_equal(out.xyxy, expected)


@pytest.mark.parametrize("content", ["junk", "dict", "mismatch"])
def test_a_file_that_is_not_a_lite_checkpoint_is_refused_with_a_message(tmp_path: Path, content: str) -> None:
    from typer.testing import CliRunner

    from models.train.lite import CheckpointError
    from pigwatch.cli import app as cli

    path = tmp_path / "checkpoint.pt"
    if content == "junk":
        path.write_text("not a checkpoint")
    elif content == "dict":
        torch.save({"step": 3}, path)
    else:  # a config whose network the weights do not fit
        config = LiteConfig(variant="tiny_vit_1m").to_dict()
        torch.save({"lite_config": config, "model": {"x": torch.zeros(1)}}, path)
    with pytest.raises(CheckpointError, match=re.escape(str(path))):
        load_lite_checkpoint(path)
    result = CliRunner().invoke(cli, ["lite-ap", "--checkpoint", str(path), "--real-dir", str(tmp_path)])
    assert result.exit_code == 2 and "checkpoint" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
