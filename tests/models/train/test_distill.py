"""Teacher loading from a tiny SAM 3 checkpoint, and distillation into a small student."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from models.nn.sam3_teacher import TeacherLoadError, load_sam3_teacher, tiny_sam3_video_config
from models.nn.student import StudentConfig
from models.train.distill import DistillConfig, Distiller, TeacherMaps, augmented_pair, run_distillation

IMAGE = 56  # tiny SAM 3: 56 px input, patch 14 -> 4x4 map of 64 channels


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny tensors: one intra-op thread is far faster than several on a shared 2-core machine."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def sam3_dir(tmp_path_factory) -> tuple[Path, torch.nn.Module]:
    from transformers import Sam3VideoModel

    torch.manual_seed(0)
    model = Sam3VideoModel(tiny_sam3_video_config(image_size=IMAGE)).eval()
    directory = tmp_path_factory.mktemp("sam3")
    model.save_pretrained(directory)
    return directory, model


@pytest.fixture(scope="module")
def images_dir(tmp_path_factory) -> Path:
    """Eight images of bright blobs on a dark floor."""
    directory = tmp_path_factory.mktemp("images")
    rng = np.random.default_rng(0)
    for i in range(8):
        img = np.full((80, 96, 3), 40, np.uint8)
        for _ in range(3):
            centre = (int(rng.integers(10, 86)), int(rng.integers(10, 70)))
            colour = tuple(int(c) for c in rng.integers(120, 255, 3))
            cv2.ellipse(img, centre, (14, 8), float(rng.integers(0, 180)), 0, 360, colour, -1)
        cv2.imwrite(str(directory / f"pen{i}.png"), img)
    return directory


def _small_config(**overrides) -> DistillConfig:
    student = StudentConfig(trunk="tiny_vit_5m", img_size=IMAGE, out_size=4, level_channels=16,
                            out_channels=64, groups=8)
    return DistillConfig(student=student, **{"lr_trunk": 1e-3, "lr_head": 3e-3, "ema_decay": 0.9,
                                              "restart_steps": 1000, **overrides})


def test_teacher_matches_the_video_models_vit(sam3_dir) -> None:
    directory, model = sam3_dir
    teacher = load_sam3_teacher(directory)
    pixels = torch.rand(2, 3, IMAGE, IMAGE)
    with torch.no_grad():
        reference = model.detector_model.vision_encoder.backbone(pixel_values=(pixels - 0.5) / 0.5)
    expected = reference.last_hidden_state.view(2, 4, 4, 64).permute(0, 3, 1, 2)
    got = teacher.encode_unit(pixels)
    assert got.shape == (2, 64, 4, 4)
    assert torch.allclose(got, expected, atol=1e-5)
    assert not any(p.requires_grad for p in teacher.parameters())
    assert not teacher.train().training


def test_teacher_load_errors(tmp_path, sam3_dir) -> None:
    with pytest.raises(TeacherLoadError, match="does not exist"):
        load_sam3_teacher(tmp_path / "missing")
    with pytest.raises(TeacherLoadError, match="config.json"):
        load_sam3_teacher(tmp_path)
    from safetensors.torch import load_file, save_file

    directory, _ = sam3_dir
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text((directory / "config.json").read_text())
    state = load_file(str(directory / "model.safetensors"))
    state.pop("detector_model.vision_encoder.backbone.layers.1.mlp.fc1.weight")
    save_file(state, str(broken / "model.safetensors"))
    with pytest.raises(TeacherLoadError, match="missing"):
        load_sam3_teacher(broken)


def test_flip_applies_to_image_and_map_alike() -> None:
    image = np.arange(2 * 3 * 4, dtype=np.float32).reshape(3, 2, 4) / 24
    fmap = np.arange(2 * 2 * 4, dtype=np.float16).reshape(2, 2, 4)
    config = DistillConfig(flip_p=1.0, jitter=0.0)
    img, target = augmented_pair(image, fmap, config, torch.Generator().manual_seed(0))
    assert torch.equal(img, torch.from_numpy(image).flip(-1))
    assert torch.equal(target, torch.from_numpy(fmap.astype(np.float32)).flip(-1))


def test_teacher_runs_once_per_image_with_cache(tmp_path, images_dir) -> None:
    calls = []

    def counting_teacher(x: torch.Tensor) -> torch.Tensor:
        calls.append(x.shape[0])
        return torch.ones(x.shape[0], 8, 4, 4)

    files = sorted(images_dir.iterdir())[:3]
    for _ in range(2):  # a second TeacherMaps over the same cache reads the files, never the teacher
        maps = TeacherMaps(counting_teacher, size=IMAGE, cache_dir=tmp_path / "cache")
        for f in files:
            assert maps.get(f).dtype == np.float16
    assert len(calls) == 3
    assert len(list((tmp_path / "cache").glob("*.npy"))) == 3


def test_one_backward_step_reaches_trunk_and_head(sam3_dir) -> None:
    distiller = Distiller(_small_config())
    teacher = load_sam3_teacher(sam3_dir[0])
    images = torch.rand(2, 3, IMAGE, IMAGE)
    before = {n: p.detach().clone() for n, p in distiller.student.named_parameters()}
    distiller.step(images, teacher.encode_unit(images))
    grads = {n: p.grad for n, p in distiller.student.named_parameters()}
    assert grads["trunk.patch_embed.conv1.conv.weight"].abs().sum() > 0
    assert grads["head.fuse.0.weight"].abs().sum() > 0
    assert not torch.equal(before["trunk.stages.3.blocks.1.mlp.fc2.weight"],
                           distiller.student.trunk.stages[3].blocks[1].mlp.fc2.weight)


def test_loss_falls_and_cosine_rises(sam3_dir, images_dir) -> None:
    teacher = load_sam3_teacher(sam3_dir[0])
    distiller = Distiller(_small_config(seed=3))
    maps = TeacherMaps(teacher.encode_unit, size=IMAGE, cache_dir=None)
    from models.train.distill import batches

    generator = torch.Generator().manual_seed(0)
    rows = []
    for _ in range(8):  # 8 epochs x 2 batches = 16 steps
        rows += [distiller.step(x, y) for x, y in batches(sorted(images_dir.iterdir()), maps,
                                                          distiller.config, generator)]
    first, last = rows[:4], rows[-4:]
    assert np.mean([r["loss"] for r in last]) < 0.7 * np.mean([r["loss"] for r in first])
    assert np.mean([r["feature_cosine"] for r in last]) > np.mean([r["feature_cosine"] for r in first]) + 0.1


def test_run_writes_checkpoints_and_resumes(tmp_path, sam3_dir, images_dir) -> None:
    teacher = load_sam3_teacher(sam3_dir[0])
    out = tmp_path / "run"
    first = run_distillation(teacher.encode_unit, images_dir, out, _small_config(epochs=1),
                             cache_dir=tmp_path / "cache")
    assert len(first) == 1 and {"feature_cosine", "scale_ratio", "loss"} <= set(first[0])
    assert {p.name for p in out.iterdir()} == {"last.pt", "ema.pt", "config.json", "metrics.jsonl"}
    assert DistillConfig.from_dict(json.loads((out / "config.json").read_text())) == _small_config(epochs=1)
    with pytest.raises(ValueError, match="differs"):
        run_distillation(teacher.encode_unit, images_dir, out, _small_config(epochs=2, lr_head=1.0),
                         cache_dir=tmp_path / "cache", resume=True)
    second = run_distillation(teacher.encode_unit, images_dir, out, _small_config(epochs=2),
                              cache_dir=tmp_path / "cache", resume=True)
    assert [r["epoch"] for r in second] == [2.0]
    assert second[0]["step"] == 4.0
    assert len((out / "metrics.jsonl").read_text().splitlines()) == 2


@pytest.mark.parametrize("make", [lambda d: None, lambda d: (d / "notes.txt").write_text("x")])
def test_empty_image_directory_raises(tmp_path, make) -> None:
    make(tmp_path)
    with pytest.raises(ValueError, match="no images"):
        run_distillation(lambda x: x, tmp_path, tmp_path / "out", _small_config())


def _invoke(args: list[str]):
    from typer.testing import CliRunner

    from pigwatch.cli import app

    return CliRunner().invoke(app, args)


def test_cli_distill_runs_and_reports(tmp_path, sam3_dir, images_dir) -> None:
    args = ["distill", "--teacher", str(sam3_dir[0]), "--images", str(images_dir), "--out",
            str(tmp_path / "o"), "--student-variant", "tiny_vit_5m", "--level-channels", "32", "--epochs",
            "1", "--batch-size", "8"]
    result = _invoke(args)
    assert result.exit_code == 0, result.output
    assert "feature cosine" in result.output
    assert (tmp_path / "o" / "ema.pt").is_file()
    assert len(list((tmp_path / "o" / "teacher-cache").iterdir())) == 8


@pytest.mark.parametrize(("flag", "message"), [("--teacher", "does not exist"),
                                              ("--images", "does not exist")])
def test_cli_user_mistakes_are_clear(tmp_path, sam3_dir, images_dir, flag: str, message: str) -> None:
    paths = {"--teacher": str(sam3_dir[0]), "--images": str(images_dir)}
    paths[flag] = str(tmp_path / "nowhere")
    args = ["distill", "--out", str(tmp_path / "o"), "--student-variant", "tiny_vit_5m"]
    result = _invoke(args + [x for kv in paths.items() for x in kv])
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output


def test_trunk_starts_from_timm_weights(tmp_path, images_dir) -> None:
    from models.nn.tinyvit import build_tinyvit

    reference = build_tinyvit("tiny_vit_5m", out_stages=(0, 1, 2, 3), norm="bn")
    torch.nn.init.normal_(reference.patch_embed.conv1.conv.weight)
    path = tmp_path / "tiny_vit_5m.pth"
    torch.save({"model": reference.state_dict()}, path)
    run_distillation(lambda x: torch.zeros(x.shape[0], 64, 4, 4), images_dir, tmp_path / "o",
                     _small_config(epochs=1, lr_trunk=0.0, lr_head=0.0, weight_decay=0.0),
                     trunk_weights=path)
    saved = torch.load(tmp_path / "o" / "last.pt", weights_only=True)["student"]
    assert torch.equal(saved["trunk.patch_embed.conv1.conv.weight"], reference.patch_embed.conv1.conv.weight)
