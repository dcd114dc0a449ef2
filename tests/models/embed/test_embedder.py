"""The embedder stage with small real runners: a torch module, an onnxruntime session, a callable."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from models.embed.crops import CropSpec
from models.embed.embedder import Embedder, l2_normalise
from models.pipeline.types import Detections, Frame

SPEC = CropSpec(size=16)


class _MeanColourNet(nn.Module):
    """Nx3xSxS -> Nx8: per-channel means and their products; enough to tell colours apart."""

    def __init__(self) -> None:
        super().__init__()
        self.proj = nn.Linear(3, 8)
        torch.manual_seed(0)
        nn.init.normal_(self.proj.weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(x.mean(dim=(2, 3)))


def _scene(n: int) -> tuple[Frame, Detections]:
    img = np.zeros((64, 64 * max(n, 1), 3), np.uint8)
    boxes = []
    for i in range(n):
        img[8:56, 64 * i + 8 : 64 * i + 56] = np.asarray([40 * i, 255 - 30 * i, 90], np.uint8)
        boxes.append([64 * i + 8, 8, 64 * i + 56, 56])
    dets = Detections(
        xyxy=np.asarray(boxes, np.float32).reshape(-1, 4), score=np.ones(n), track_id=np.arange(n) + 10
    )
    return Frame(index=7, t_seconds=1.0, image=img), dets


@pytest.mark.parametrize(("n", "batch_size"), [(0, 4), (1, 1), (5, 2), (5, 16)])
def test_embed_gives_unit_vectors_per_track(n: int, batch_size: int) -> None:
    frame, dets = _scene(n)
    out = Embedder(_MeanColourNet(), batch_size=batch_size, spec=SPEC, dim=8).embed(frame, dets)
    assert [e.track_id for e in out] == list(range(10, 10 + n))
    assert all(e.frame_index == 7 and e.vector.shape == (8,) for e in out)
    assert all(abs(float(np.linalg.norm(e.vector)) - 1.0) < 1e-5 for e in out)


def test_batch_size_does_not_change_vectors() -> None:
    frame, dets = _scene(5)
    one = Embedder(_MeanColourNet(), batch_size=1, spec=SPEC, dim=8).embed_detections(frame.image, dets)
    many = Embedder(_MeanColourNet(), batch_size=4, spec=SPEC, dim=8).embed_detections(frame.image, dets)
    np.testing.assert_allclose(one, many, atol=1e-6)
    assert np.abs(one[0] - one[1]).max() > 1e-3  # different colours, different vectors


def test_onnxruntime_session_runner(tmp_path: Path) -> None:
    import onnxruntime as ort

    net = _MeanColourNet().eval()
    path = tmp_path / "net.onnx"
    torch.onnx.export(
        net,
        (torch.zeros(1, 3, 16, 16),),
        str(path),
        input_names=["images"],
        output_names=["vectors"],
        dynamic_axes={"images": {0: "n"}, "vectors": {0: "n"}},
        dynamo=False,
    )
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    frame, dets = _scene(3)
    via_onnx = Embedder(session, batch_size=2, spec=SPEC, dim=8).embed_detections(frame.image, dets)
    via_torch = Embedder(net, batch_size=2, spec=SPEC, dim=8).embed_detections(frame.image, dets)
    np.testing.assert_allclose(via_onnx, via_torch, atol=1e-5)


def test_untracked_detections_raise() -> None:
    frame, dets = _scene(1)
    dets.track_id = None
    with pytest.raises(ValueError, match="track_id"):
        Embedder(_MeanColourNet(), spec=SPEC, dim=8).embed(frame, dets)


@pytest.mark.parametrize("dim", [4, 384])
def test_wrong_dimension_raises(dim: int) -> None:
    frame, dets = _scene(2)
    with pytest.raises(ValueError, match="expected"):
        Embedder(_MeanColourNet(), spec=SPEC, dim=dim).embed(frame, dets)


@pytest.mark.parametrize("bad", [0, -3])
def test_bad_batch_size_raises(bad: int) -> None:
    with pytest.raises(ValueError, match="batch_size"):
        Embedder(_MeanColourNet(), batch_size=bad)


@pytest.mark.parametrize(
    ("rows", "norms"), [(np.zeros((0, 3)), []), (np.asarray([[3.0, 4.0]]), [1.0]), (np.zeros((1, 2)), [0.0])]
)
def test_l2_normalise(rows: np.ndarray, norms: list[float]) -> None:
    np.testing.assert_allclose(np.linalg.norm(l2_normalise(rows), axis=1), norms, atol=1e-6)


@pytest.mark.slow
def test_export_and_onnx_runner_round_trip(tmp_path: Path) -> None:
    from models.embed.export import export_embedder, quantize_int8
    from models.embed.net import PigEmbedNet

    torch.manual_seed(0)
    net = PigEmbedNet(widths=(8, 8, 16, 16), dim=384).eval()
    spec = CropSpec(size=32)
    sidecar = export_embedder(net, tmp_path / "embedder.onnx", spec=spec, meta={"name": "tiny"})
    assert sidecar["dim"] == 384 and sidecar["parity_max_abs_diff"] < 1e-4
    frame, dets = _scene(3)
    via_torch = Embedder(net, spec=spec).embed_detections(frame.image, dets)
    via_onnx = Embedder.from_onnx(tmp_path / "embedder.onnx", batch_size=2, prefer_cuda=False)
    assert via_onnx.spec == spec
    np.testing.assert_allclose(via_onnx.embed_detections(frame.image, dets), via_torch, atol=1e-5)
    int8 = Embedder.from_onnx(
        quantize_int8(tmp_path / "embedder.onnx", tmp_path / "int8.onnx"), prefer_cuda=False
    )
    cosine = (int8.embed_detections(frame.image, dets) * via_torch).sum(axis=1)
    assert (cosine > 0.95).all()
