"""The embedder stage: frame + detections -> one L2-normalised appearance vector per tracked animal.

The stage is given its runner in the constructor (see docs/architecture.md): a torch ``nn.Module``, an
onnxruntime ``InferenceSession`` (or any wrapper with the same ``run``/``get_inputs``), or a callable mapping
an NxCxSxS float32 batch to NxD float32. Crops are made by `models.embed.crops.crop_batch`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from models.embed.crops import CropSpec, crop_batch
from models.pipeline.types import Detections, Frame, TrackEmbedding

BatchFn = Callable[[np.ndarray], np.ndarray]
"""NxCxSxS float32 normalised crops -> NxD float32 raw embeddings."""

EMBEDDING_DIM = 384
"""The dimension the re-ID pools store (halfvec(384))."""


def _torch_batch_fn(module: Any) -> BatchFn:
    import torch

    module.eval()

    def run(batch: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            return module(torch.from_numpy(batch)).float().numpy()

    return run


def _session_batch_fn(session: Any) -> BatchFn:
    input_name = session.get_inputs()[0].name

    def run(batch: np.ndarray) -> np.ndarray:
        return np.asarray(session.run(None, {input_name: batch})[0], dtype=np.float32)

    return run


def _onnx_runner_batch_fn(runner: Any) -> BatchFn:
    input_name, output_name = runner.input_names[0], runner.output_names[0]

    def run(batch: np.ndarray) -> np.ndarray:
        return np.asarray(runner.run({input_name: batch})[output_name], dtype=np.float32)

    return run


def as_batch_fn(runner: Any) -> BatchFn:
    """Adapt a torch module, a `models.runtime.onnx_runner.OnnxRunner`, an onnxruntime session or a plain
    callable to `BatchFn`."""
    try:
        import torch

        if isinstance(runner, torch.nn.Module):
            return _torch_batch_fn(runner)
    except ImportError:  # pragma: no cover - torch is a dependency, but ONNX-only deployments may lack it
        pass
    if hasattr(runner, "run") and hasattr(runner, "get_inputs"):
        return _session_batch_fn(runner)
    if hasattr(runner, "run") and hasattr(runner, "input_names") and hasattr(runner, "output_names"):
        return _onnx_runner_batch_fn(runner)
    if callable(runner):
        return runner
    raise TypeError(
        f"unsupported embedder runner {type(runner).__name__}: need nn.Module, session or callable"
    )


def l2_normalise(vectors: np.ndarray, *, eps: float = 1e-12) -> np.ndarray:
    """NxD -> NxD float32 rows of unit length (all-zero rows stay zero)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, eps)


class Embedder:
    """Appearance vectors for the animals of a frame.

    Args:
        runner: torch module, onnxruntime session (or wrapper with ``run``/``get_inputs``), or callable;
            maps NxCxSxS float32 normalised crops to NxD float32.
        batch_size: crops per runner call (>= 1).
        spec: crop size and normalisation the runner expects.
        dim: expected D; a runner giving another size raises.
    """

    def __init__(
        self, runner: Any, *, batch_size: int = 16, spec: CropSpec | None = None, dim: int = EMBEDDING_DIM
    ):
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self._run = as_batch_fn(runner)
        self.batch_size = batch_size
        self.spec = spec or CropSpec()
        self.dim = dim

    @classmethod
    def from_onnx(
        cls, path: Path, *, batch_size: int = 16, threads: int = 0, prefer_cuda: bool = True
    ) -> Embedder:
        """An embedder running an exported model (`models.embed.export`), crop spec taken from its sidecar."""
        from models.embed.export import spec_from_sidecar
        from models.runtime.onnx_runner import OnnxRunner

        runner = OnnxRunner(Path(path), threads=threads, prefer_cuda=prefer_cuda)
        return cls(
            runner, batch_size=batch_size, spec=spec_from_sidecar(runner.meta), dim=int(runner.meta["dim"])
        )

    def embed_crops(self, crops: np.ndarray) -> np.ndarray:
        """Nx3xSxS float32 normalised crops -> NxD float32 L2-normalised vectors (0xD for no crops)."""
        if len(crops) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        parts = [
            self._run(np.ascontiguousarray(crops[i : i + self.batch_size]))
            for i in range(0, len(crops), self.batch_size)
        ]
        vectors = np.concatenate([np.asarray(p, dtype=np.float32).reshape(len(p), -1) for p in parts])
        if vectors.shape != (len(crops), self.dim):
            raise ValueError(f"runner returned {vectors.shape}, expected ({len(crops)}, {self.dim})")
        return l2_normalise(vectors)

    def embed_detections(self, image: np.ndarray, detections: Detections) -> np.ndarray:
        """HxWx3 uint8 RGB frame + N detections -> NxD float32 L2-normalised vectors."""
        return self.embed_crops(crop_batch(image, detections, self.spec))

    def embed(self, frame: Frame, detections: Detections) -> list[TrackEmbedding]:
        """One `TrackEmbedding` per tracked detection of ``frame``.

        Raises:
            ValueError: detections without ``track_id`` (run the tracker first).
        """
        if detections.track_id is None:
            raise ValueError("detections have no track_id; the embedder stage runs after the tracker")
        vectors = self.embed_detections(frame.image, detections)
        return [
            TrackEmbedding(track_id=int(track_id), frame_index=frame.index, vector=vector)
            for track_id, vector in zip(detections.track_id, vectors, strict=True)
        ]
