"""The stream recorder: reads a camera's RTSP/HTTP/file stream with PyAV and remuxes it (no re-encode) into
Matroska segments of a few minutes, the way NVRs do. Finished segments, connection changes and drops are
reported to a `RecorderEvents` (the database side lives in `workers.recorder_events`). When the stream
drops it reconnects with capped exponential back-off. Memory stays bounded: packets are written as they
arrive and nothing else is kept.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import av
import av.error

_logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RecorderConfig:
    """Recorder settings.

    Attributes:
        segment_seconds: target segment length, seconds (cut at the first keyframe after it).
        backoff_initial_s: first reconnection delay, seconds; doubles after each failed attempt.
        backoff_max_s: cap of the reconnection delay, seconds.
        open_timeout_s: time allowed to open the stream, seconds.
        read_timeout_s: time without data after which the stream counts as dropped, seconds.
        stop_at_end: stop when the stream ends (files) instead of treating the end as a drop.
    """

    segment_seconds: float = 300.0
    backoff_initial_s: float = 1.0
    backoff_max_s: float = 60.0
    open_timeout_s: float = 10.0
    read_timeout_s: float = 10.0
    stop_at_end: bool = False


@dataclass(frozen=True)
class Segment:
    """A finished segment file.

    Attributes:
        path: absolute path of the ``.mkv`` file.
        started_at: wall clock (UTC) when its first packet arrived.
        duration_s: its span by packet timestamps, seconds.
        n_packets: video packets written.
    """

    path: Path
    started_at: datetime
    duration_s: float
    n_packets: int


class RecorderEvents(Protocol):
    """What the recorder reports."""

    def connected(self) -> None:
        """The stream opened and delivers video."""

    def segment_finished(self, segment: Segment) -> None:
        """A segment file is complete."""

    def dropped(self, reason: str, *, retry_in_s: float) -> None:
        """The stream failed or ended; the next attempt comes in ``retry_in_s`` seconds."""


def backoff_delays(*, initial_s: float, max_s: float) -> Iterator[float]:
    """``initial_s, 2 * initial_s, 4 * initial_s, ...`` capped at ``max_s`` (forever)."""
    delay = initial_s
    while True:
        yield min(delay, max_s)
        delay = min(delay * 2, max_s)


class _SegmentWriter:
    """One open output file; rebases packet timestamps so every segment starts at 0."""

    def __init__(self, path: Path, template: Any) -> None:
        self.path, self.started_at = path, datetime.now(UTC)
        self._out = av.open(str(path), mode="w", format="matroska")
        self._stream = self._out.add_stream_from_template(template)
        self._offset: int | None = None
        self._last_ts, self.n_packets, self._time_base = 0, 0, template.time_base

    def write(self, packet: Any) -> None:
        if self._offset is None:
            self._offset = packet.dts if packet.dts is not None else packet.pts
        packet.pts = None if packet.pts is None else packet.pts - self._offset
        packet.dts = None if packet.dts is None else packet.dts - self._offset
        self._last_ts = max(self._last_ts, packet.pts or 0)
        packet.stream = self._stream
        self._out.mux(packet)
        self.n_packets += 1

    def seconds_until(self, packet: Any) -> float:
        """Time from the segment's first packet to ``packet``, seconds (0 before the first packet)."""
        stamp = packet.dts if packet.dts is not None else packet.pts
        if self._offset is None or stamp is None or not self._time_base:
            return 0.0
        return float((stamp - self._offset) * self._time_base)

    @property
    def elapsed_s(self) -> float:
        return float(self._last_ts * self._time_base) if self._time_base else 0.0

    def close(self, *, fps: float) -> Segment:
        self._out.close()
        duration = self.elapsed_s + (1.0 / fps if fps > 0 else 0.0)
        return Segment(
            path=self.path, started_at=self.started_at, duration_s=duration, n_packets=self.n_packets
        )


class StreamRecorder:
    """Records one stream into segments until ``stop`` is set (or the stream ends, with ``stop_at_end``).

    Args:
        url: RTSP/HTTP URL or local file path.
        out_dir: folder for segment files (``<UTC timestamp>.mkv``; created when missing).
        events: receives connection, segment and drop reports.
        config: segment length, back-off and timeouts.
        stop: set it (from another thread or a signal handler) to finish the current segment and return.
    """

    def __init__(
        self, *, url: str, out_dir: Path, events: RecorderEvents, config: RecorderConfig,
        stop: threading.Event | None = None,
    ) -> None:  # fmt: skip
        self.url, self.out_dir, self.events, self.config = url, out_dir, events, config
        self.stop = stop or threading.Event()
        self._delivered = False

    def run(self) -> None:
        """Record, reconnecting after drops with capped exponential back-off, until stopped."""
        delays = self._new_backoff()
        while not self.stop.is_set():
            try:
                self._record_connection()
                reason = "the stream ended"
                if self.config.stop_at_end:
                    return
            except (av.error.FFmpegError, OSError, ValueError) as exc:
                reason = f"{type(exc).__name__}: {exc}"
            if self.stop.is_set():
                return
            if self._delivered:
                delays = self._new_backoff()
            delay = next(delays)
            _logger.warning("stream %s dropped (%s); reconnecting in %.1f s", self.url, reason, delay)
            self.events.dropped(reason, retry_in_s=delay)
            self.stop.wait(delay)

    def _new_backoff(self) -> Iterator[float]:
        return backoff_delays(initial_s=self.config.backoff_initial_s, max_s=self.config.backoff_max_s)

    def _open(self) -> Any:
        options = {"rtsp_transport": "tcp"} if self.url.startswith("rtsp") else {}
        timeout = (self.config.open_timeout_s, self.config.read_timeout_s)
        return av.open(self.url, mode="r", options=options, timeout=timeout)

    def _record_connection(self) -> None:
        """Open the stream and write its video packets into segments until it ends, fails or we stop."""
        self._delivered = False
        with self._open() as source:
            if not source.streams.video:
                raise ValueError("the stream has no video")
            stream = source.streams.video[0]
            fps = float(stream.average_rate or stream.guessed_rate or 0.0)
            writer: _SegmentWriter | None = None
            try:
                for packet in source.demux(stream):
                    if self.stop.is_set():
                        break
                    writer = self._handle_packet(packet, stream, writer, fps)
            finally:
                if writer is not None:
                    self._finish(writer, fps)

    def _handle_packet(self, packet: Any, stream: Any, writer: _SegmentWriter | None, fps: float) -> Any:
        """Write one packet, cutting a new segment at the first keyframe past the segment length."""
        if packet.dts is None and packet.pts is None:
            return writer  # demuxer flush packet
        if not self._delivered:
            self._delivered = True
            self.events.connected()
        if (
            writer is not None
            and packet.is_keyframe
            and writer.seconds_until(packet) >= self.config.segment_seconds - 1e-6
        ):
            self._finish(writer, fps)
            writer = None
        if writer is None:
            if not packet.is_keyframe:
                return None  # a segment must start with a keyframe to be decodable on its own
            self.out_dir.mkdir(parents=True, exist_ok=True)
            writer = _SegmentWriter(self.out_dir / f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}.mkv", stream)
        writer.write(packet)
        return writer

    def _finish(self, writer: _SegmentWriter, fps: float) -> None:
        segment = writer.close(fps=fps)
        if segment.n_packets == 0:
            segment.path.unlink(missing_ok=True)
            return
        self.events.segment_finished(segment)
