"""The `lite` tracker stage: LiteNet detections (boxes, masks, embeddings) + ByteTrack-style association.

Example:
    >>> tracker = LiteTracker(OnnxRunner(Path("models/bundles/default/tracker.onnx")))
    >>> for frame in frames:
    ...     tracked = tracker.update(frame)      # Detections with track_id, masks at frame size
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import numpy as np

from models.nn.lite import OUTPUT_NAMES, Letterbox, decode, instance_masks, letterbox_params
from models.pipeline.types import Detections, Frame
from models.tracking.association import AssociationConfig, ByteTrackAssociation

DEFAULT_BUNDLE = Path(__file__).resolve().parents[1] / "bundles" / "default" / "tracker.onnx"


class DenseRunner(Protocol):
    """What the tracker needs from a model runner (an `OnnxRunner` or a `TorchLiteRunner`)."""

    meta: dict[str, Any]

    def run(self, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """{"image": 1x3xHxW float32 in [0, 1]} -> `OUTPUT_NAMES` arrays."""
        ...


class TorchLiteRunner:
    """Runs a torch `LiteNet` with the same interface as `OnnxRunner` (for tests and training checks)."""

    def __init__(self, model: Any) -> None:
        self.model = model.eval()
        cfg = model.config
        self.meta: dict[str, Any] = {"input_size": [cfg.input_height, cfg.input_width]}

    def run(self, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """{"image": 1x3xHxW float32} -> `OUTPUT_NAMES` -> numpy arrays."""
        import torch

        with torch.no_grad():
            outs = self.model(torch.from_numpy(feeds["image"]))
        return {n: o.numpy() for n, o in zip(OUTPUT_NAMES, outs, strict=True)}


def letterbox_image(image: np.ndarray, input_hw: tuple[int, int]) -> tuple[np.ndarray, Letterbox]:
    """HxWx3 uint8 RGB -> (1x3xHinxWin float32 in [0, 1], its letterbox), aspect kept, zero padding."""
    import cv2

    box = letterbox_params(image.shape[:2], input_hw)
    h, w = round(image.shape[0] * box.scale), round(image.shape[1] * box.scale)
    canvas = np.zeros((*input_hw, 3), np.uint8)
    resized = cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA)
    canvas[box.pad_y : box.pad_y + h, box.pad_x : box.pad_x + w] = resized
    return np.ascontiguousarray(canvas.transpose(2, 0, 1)[None], dtype=np.float32) / 255.0, box


class LiteTracker:
    """Detect, segment and track every animal in a stream of frames, with bounded state.

    Args:
        runner: the network runner; its ``meta["input_size"]`` gives the input [height, width].
        association_cfg: association thresholds; by default `AssociationConfig` with any overrides the
            model's sidecar carries under ``"association"`` (score thresholds calibrated for that model).
        score_threshold: detections below this are not considered at all (the association's low stage
            uses the ones between this and ``association_cfg.high_score``).
        with_masks: build instance masks (frame resolution) for the tracked detections.
    """

    def __init__(self, runner: DenseRunner, association_cfg: AssociationConfig | None = None, *,
                 score_threshold: float = 0.1, with_masks: bool = True) -> None:
        self.runner = runner
        size = runner.meta.get("input_size")
        if size is None:
            raise ValueError("runner metadata lacks input_size [height, width]")
        self.input_hw = (int(size[0]), int(size[1]))
        if association_cfg is None:
            association_cfg = AssociationConfig(**runner.meta.get("association", {}))
        self.association = ByteTrackAssociation(association_cfg)
        self.score_threshold = score_threshold
        self.with_masks = with_masks

    @classmethod
    def from_bundle(cls, path: Path = DEFAULT_BUNDLE, **kwargs: Any) -> LiteTracker:
        """The tracker over a shipped ONNX model (default: ``models/bundles/default/tracker.onnx``)."""
        from models.runtime.onnx_runner import OnnxRunner

        return cls(OnnxRunner(path), **kwargs)

    def reset(self) -> None:
        """Forget all tracks (start of a new chunk or stream)."""
        self.association.reset()

    def detect(self, image: np.ndarray) -> tuple[Detections, dict[str, np.ndarray], Letterbox, np.ndarray]:
        """Untracked detections of one HxWx3 uint8 RGB image (no masks), plus what masks need later."""
        batch, box = letterbox_image(image, self.input_hw)
        outputs = self.runner.run({"image": batch})
        d = decode(outputs, box, image.shape[:2], score_threshold=self.score_threshold, with_masks=False)
        dets = Detections(xyxy=d["xyxy"], score=d["score"], embedding=d["embedding"])
        return dets, outputs, box, d["cells"]

    def update(self, frame: Frame) -> Detections:
        """Track one frame.

        Returns:
            Detections of tracked animals: xyxy (frame px), score, track_id, embedding and, with
            ``with_masks``, NxHxW bool masks at frame resolution.
        """
        dets, outputs, box, cells = self.detect(frame.image)
        tracked = self.association.update(dets)
        if self.with_masks:
            rows = _rows_of(tracked.xyxy, dets.xyxy)
            tracked.mask = instance_masks(outputs, cells[rows], tracked.xyxy, box, frame.image.shape[:2])
        return tracked


def _rows_of(subset: np.ndarray, full: np.ndarray) -> np.ndarray:
    """Row index in ``full`` (Nx4) of each row of ``subset`` (Mx4, exact copies of rows of ``full``)."""
    if len(subset) == 0:
        return np.zeros(0, np.int64)
    eq = np.all(subset[:, None, :] == full[None, :, :], axis=2)
    return np.argmax(eq, axis=1)


def read_video_frames(path: Path, *, max_frames: int | None = None):  # noqa: ANN201 - generator of Frame
    """Decode a video file (PyAV) into `Frame`s (RGB uint8), optionally only the first ``max_frames``."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        for i, frame in enumerate(container.decode(stream)):
            if max_frames is not None and i >= max_frames:
                break
            base = stream.time_base
            t = float(frame.pts * base) if frame.pts is not None and base is not None else i / 25.0
            yield Frame(i, t, frame.to_ndarray(format="rgb24"))


def track_video(tracker: LiteTracker, path: Path, *, max_frames: int | None = None) -> dict[int, Detections]:
    """Run ``tracker`` (reset first) over a video; returns tracked detections per 0-based frame index."""
    tracker.reset()
    return {frame.index: tracker.update(frame) for frame in read_video_frames(path, max_frames=max_frames)}


def detect_video(tracker: LiteTracker, path: Path, *, max_frames: int | None = None) -> dict[int, Detections]:
    """Untracked detections (no masks) of every frame of a video: 0-based frame index -> `Detections`.

    The network runs once per frame, so `associate` can then try many association settings cheaply.
    """
    return {f.index: tracker.detect(f.image)[0] for f in read_video_frames(path, max_frames=max_frames)}


def associate(detections: dict[int, Detections], config: AssociationConfig) -> dict[int, Detections]:
    """Run a fresh `ByteTrackAssociation(config)` over per-frame detections (in frame order).

    Returns:
        0-based frame index -> tracked `Detections` (with ``track_id``), as `track_video` gives.
    """
    association = ByteTrackAssociation(config)
    return {i: association.update(detections[i]) for i in sorted(detections)}
