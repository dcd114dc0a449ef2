"""Video probing and frame decoding with PyAV.

`probe_video` tells what a file is (and refuses anything that is not a decodable video); `iter_frames`
decodes a time span of it as RGB uint8 `Frame`s with threaded decoding. Times are seconds from the first
frame of the video stream.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

import av
import av.error

from models.pipeline.types import Frame

NOT_VIDEO_CODECS: frozenset[str] = frozenset({"bintext", "xbin", "idf", "ansi", "tty", "adf"})
"""FFmpeg "video" decoders for text-art formats it guesses for arbitrary bytes; never a camera's video."""

ProbeFailure = Literal["not_video", "corrupt", "no_video_stream", "unsupported_codec", "missing"]


class VideoProbeError(ValueError):
    """A file that cannot be used as a video, with a machine-readable ``kind`` and a readable message.

    Attributes:
        kind: one of ``not_video``, ``corrupt``, ``no_video_stream``, ``unsupported_codec``, ``missing``.
    """

    def __init__(self, kind: ProbeFailure, message: str) -> None:
        super().__init__(message)
        self.kind: ProbeFailure = kind


@dataclass(frozen=True)
class VideoInfo:
    """What `probe_video` found.

    Attributes:
        container: container format name as FFmpeg names it (e.g. ``mov,mp4,m4a,3gp,3g2,mj2``, ``mpegts``).
        codec: video codec name (e.g. ``h264``, ``mpeg4``).
        width, height: frame size in pixels.
        fps: average frame rate, frames per second.
        duration_s: duration of the video stream, seconds.
        n_frames: number of frames (from the header, else ``round(duration_s * fps)``).
    """

    container: str
    codec: str
    width: int
    height: int
    fps: float
    duration_s: float
    n_frames: int


def _open(path: Path) -> Any:
    """Open ``path`` with PyAV, translating its errors into `VideoProbeError`."""
    if not path.is_file():
        raise VideoProbeError("missing", f"{path} does not exist or is not a file")
    try:
        return av.open(str(path), mode="r")
    except av.error.InvalidDataError as exc:
        raise VideoProbeError("not_video", f"{path.name} is not a video FFmpeg can read") from exc
    except (av.error.FFmpegError, OSError) as exc:
        raise VideoProbeError("corrupt", f"{path.name} could not be opened ({exc.strerror})") from exc


def _video_stream(container: Any, name: str) -> Any:
    """The first video stream of ``container``; `VideoProbeError` when there is none or no decoder."""
    if not container.streams.video:
        raise VideoProbeError("no_video_stream", f"{name} has no video stream")
    stream = container.streams.video[0]
    if stream.codec_context is None or not stream.codec_context.name:
        raise VideoProbeError("unsupported_codec", f"{name}: the video codec is not supported by this build")
    if stream.codec_context.name in NOT_VIDEO_CODECS:
        raise VideoProbeError("not_video", f"{name} is not a video (FFmpeg reads it as text art)")
    return stream


def _stream_duration_s(container: Any, stream: Any) -> float:
    """Duration of ``stream`` in seconds (stream header, else container header, else 0)."""
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return float(container.duration) / av.time_base
    return 0.0


def _decode_first_frame(container: Any, stream: Any, name: str) -> Any:
    """Decode one frame of ``stream`` or raise `VideoProbeError` (corrupt data, undecodable codec)."""
    try:
        for frame in container.decode(stream):
            return frame
    except av.error.FFmpegError as exc:
        raise VideoProbeError("corrupt", f"{name}: the video stream could not be decoded") from exc
    raise VideoProbeError("corrupt", f"{name}: the video stream holds no decodable frame")


def probe_video(path: Path | str) -> VideoInfo:
    """Inspect a video file and decode its first frame.

    Args:
        path: a local video file.

    Returns:
        `VideoInfo` of the first video stream.

    Raises:
        VideoProbeError: the file is missing, not a video, corrupt, has no video stream or
            an undecodable codec.
    """
    path = Path(path)
    container = _open(path)
    try:
        stream = _video_stream(container, path.name)
        first = _decode_first_frame(container, stream, path.name)
        fps = float(stream.average_rate or stream.guessed_rate or 0.0)
        duration_s = _stream_duration_s(container, stream)
        n_frames = int(stream.frames) if stream.frames else int(round(duration_s * fps))
        return VideoInfo(
            container=str(container.format.name),
            codec=str(stream.codec_context.name),
            width=int(first.width),
            height=int(first.height),
            fps=fps,
            duration_s=duration_s,
            n_frames=n_frames,
        )
    finally:
        container.close()


def _scaled_size(width: int, height: int, max_side: int | None) -> tuple[int, int]:
    """(width, height) shrunk so the longer side is at most ``max_side`` (even sizes kept >= 2)."""
    if max_side is None or max(width, height) <= max_side:
        return width, height
    scale = max_side / max(width, height)
    return max(2, int(round(width * scale))), max(2, int(round(height * scale)))


def _frame_time_s(frame: Any, stream: Any, origin: Fraction) -> float | None:
    """Presentation time of ``frame`` in seconds from the stream's first timestamp, or None if unknown."""
    if frame.pts is None or stream.time_base is None:
        return None
    return float(frame.pts * stream.time_base - origin)


def iter_frames(
    path: Path | str,
    *,
    start_s: float = 0.0,
    end_s: float | None = None,
    every_nth: int = 1,
    max_side: int | None = None,
) -> Iterator[Frame]:
    """Decode the frames of ``path`` whose time is in ``[start_s, end_s)``.

    Args:
        path: a video file (probe it first for clear errors).
        start_s: first time to yield, seconds from the start of the video.
        end_s: end of the span (exclusive), seconds; None reads to the end.
        every_nth: keep frames whose index is a multiple of this (indices count from the video's start, so
            chunks of one video subsample consistently).
        max_side: when given, frames are resized so the longer side is at most this many pixels.

    Yields:
        `Frame` with ``index`` = round(t * fps) from the start of the video, ``t_seconds`` and an HxWx3
        uint8 RGB image.
    """
    if every_nth < 1:
        raise ValueError(f"every_nth must be >= 1, got {every_nth}")
    with av.open(str(path), mode="r") as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        fps = float(stream.average_rate or stream.guessed_rate or 1.0)
        origin = Fraction(stream.start_time or 0) * (stream.time_base or 1)
        if start_s > 0 and stream.time_base is not None:
            container.seek(int((origin + Fraction(start_s)) / stream.time_base), stream=stream, backward=True)
        yield from _decode_span(container, stream, origin, fps, start_s, end_s, every_nth, max_side)


def _decode_span(
    container: Any,
    stream: Any,
    origin: Fraction,
    fps: float,
    start_s: float,
    end_s: float | None,
    every_nth: int,
    max_side: int | None,
) -> Iterator[Frame]:
    """The decoding loop of `iter_frames` (after the seek)."""
    half_frame = 0.5 / fps
    for av_frame in container.decode(stream):
        t = _frame_time_s(av_frame, stream, origin)
        if t is None or t < start_s - half_frame:
            continue
        if end_s is not None and t >= end_s - half_frame:
            return
        index = int(round(t * fps))
        if index % every_nth:
            continue
        width, height = _scaled_size(av_frame.width, av_frame.height, max_side)
        image = av_frame.to_ndarray(format="rgb24", width=width, height=height)
        yield Frame(index=index, t_seconds=t, image=image)
