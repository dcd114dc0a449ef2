"""Student encoder: published parameter counts, output shapes, zero-initialised residual branch."""

from __future__ import annotations

import pytest
import torch

from models.nn.student import StudentConfig, build_student, count_parameters

SMALL = StudentConfig(
    trunk="tiny_vit_5m", img_size=64, out_size=8, level_channels=16, out_channels=32, groups=8
)


@pytest.fixture(scope="module")
def published():
    return build_student()


def test_published_parameter_counts(published) -> None:
    total = count_parameters(published)
    assert abs(total - 40.66e6) / 40.66e6 < 0.005
    assert count_parameters(published.trunk) == pytest.approx(20.69e6, rel=0.001)
    refine = published.head.refine.branch
    convs = count_parameters(refine[0][0]) + count_parameters(refine[1])
    assert convs == pytest.approx(18.9e6, rel=0.005)


def test_published_output_shape_at_1008(published) -> None:
    published.eval()
    with torch.no_grad():
        out = published(torch.randn(1, 3, 1008, 1008))
    assert out.shape == (1, 1024, 72, 72)
    assert torch.isfinite(out).all()


@pytest.mark.parametrize(("batch", "size"), [(1, 64), (2, 56), (1, 72), (0, 64)])
def test_small_student_shapes(batch: int, size: int) -> None:
    model = build_student(SMALL).eval()
    with torch.no_grad():
        out = model(torch.randn(batch, 3, size, size))
    assert out.shape == (batch, 32, 8, 8)


def test_residual_branch_starts_at_zero() -> None:
    model = build_student(SMALL).eval()
    x = torch.randn(2, 32, 8, 8)
    with torch.no_grad():
        assert torch.equal(model.head.refine(x), x)


def test_parameter_groups_partition_the_model() -> None:
    model = build_student(SMALL)
    trunk_ids = {id(p) for p in model.trunk_parameters()}
    head_ids = {id(p) for p in model.head_parameters()}
    assert not trunk_ids & head_ids
    assert trunk_ids | head_ids == {id(p) for p in model.parameters()}


def test_config_round_trip() -> None:
    assert StudentConfig.from_dict(SMALL.to_dict()) == SMALL
    with pytest.raises(TypeError):
        StudentConfig.from_dict({"no_such_field": 1})
