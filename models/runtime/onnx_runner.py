"""Run an exported ONNX model with onnxruntime, fed as its sidecar JSON describes.

Example:
    >>> runner = OnnxRunner(Path("models/bundles/default/tracker.onnx"))
    >>> outputs = runner.run({"image": batch})          # dict name -> numpy array
    >>> runner.meta["mean"], runner.input_size           # preprocessing travels with the weights
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from models.export.onnx import read_sidecar

_DTYPES = {"tensor(float)": np.float32, "tensor(float16)": np.float16, "tensor(int64)": np.int64,
           "tensor(int32)": np.int32, "tensor(uint8)": np.uint8, "tensor(bool)": np.bool_}


def available_providers(*, prefer_cuda: bool = True) -> list[str]:
    """onnxruntime execution providers to use, CUDA first when present and wanted, CPU always last."""
    import onnxruntime as ort

    have = ort.get_available_providers()
    wanted = ["CUDAExecutionProvider"] if prefer_cuda else []
    return [p for p in wanted if p in have] + ["CPUExecutionProvider"]


class OnnxRunner:
    """An onnxruntime session plus its sidecar metadata, warmed up once on construction.

    Args:
        model_path: the ``.onnx`` file; its sidecar ``.json`` must sit beside it.
        prefer_cuda: use CUDAExecutionProvider when onnxruntime has it.
        threads: intra-op CPU threads (0 lets onnxruntime decide).
        warmup: run one inference on zeros at construction (first-call latency out of the way).
    """

    def __init__(
        self, model_path: Path, *, prefer_cuda: bool = True, threads: int = 0, warmup: bool = True
    ) -> None:
        import onnxruntime as ort

        self.model_path = Path(model_path)
        if not self.model_path.exists():
            raise FileNotFoundError(f"ONNX model {self.model_path} not found")
        self.meta: dict[str, Any] = read_sidecar(self.model_path)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        self.session = ort.InferenceSession(
            str(self.model_path), sess_options=options, providers=available_providers(prefer_cuda=prefer_cuda)
        )
        self.input_names = [i.name for i in self.session.get_inputs()]
        self.output_names = [o.name for o in self.session.get_outputs()]
        if warmup:
            self.run(self.zeros_inputs())

    @property
    def providers(self) -> list[str]:
        """Providers the session actually uses."""
        return list(self.session.get_providers())

    @property
    def input_size(self) -> tuple[int, int] | None:
        """(height, width) in pixels from the sidecar's ``input_size``, if recorded."""
        size = self.meta.get("input_size")
        return None if size is None else (int(size[0]), int(size[1]))

    def zeros_inputs(self) -> dict[str, np.ndarray]:
        """All-zero inputs of the declared shapes (dynamic dimensions set to 1)."""
        feeds: dict[str, np.ndarray] = {}
        for spec in self.session.get_inputs():
            shape = [d if isinstance(d, int) and d > 0 else 1 for d in spec.shape]
            feeds[spec.name] = np.zeros(shape, _DTYPES.get(spec.type, np.float32))
        return feeds

    def run(self, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Run the model.

        Args:
            feeds: input name -> array of the declared shape and dtype.

        Returns:
            Output name -> array, in the model's output order.

        Raises:
            KeyError: when an input is missing from ``feeds``.
        """
        missing = [n for n in self.input_names if n not in feeds]
        if missing:
            raise KeyError(f"missing inputs {missing}; the model takes {self.input_names}")
        outs = self.session.run(self.output_names, {n: feeds[n] for n in self.input_names})
        return dict(zip(self.output_names, outs, strict=True))
