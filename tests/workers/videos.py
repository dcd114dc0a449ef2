"""Small real video files for tests, written with PyAV (a moving bright square on a dark background)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np


def synthetic_image(index: int, *, width: int, height: int) -> np.ndarray:
    """HxWx3 uint8 RGB: a 16-px square that moves 4 px right per frame (wrapping), on dark grey."""
    image = np.full((height, width, 3), 30, dtype=np.uint8)
    x = (index * 4) % max(1, width - 16)
    y = height // 3
    image[y : y + 16, x : x + 16] = (230, 180, 160)
    return image


def write_video(
    path: Path,
    *,
    seconds: float,
    fps: int = 10,
    width: int = 96,
    height: int = 64,
    codec: str = "mpeg4",
    gop: int = 12,
) -> Path:
    """Encode ``seconds`` of synthetic video to ``path`` (container from the suffix: .mp4, .mkv, .ts...).

    Returns:
        ``path``.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), mode="w") as container:
        stream: Any = container.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.time_base = Fraction(1, fps)
        stream.codec_context.gop_size = gop
        for index in range(int(round(seconds * fps))):
            image = synthetic_image(index, width=width, height=height)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = index
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path
