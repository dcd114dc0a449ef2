"""Probing and decoding real video files written on the fly with PyAV."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from models.pipeline.decode import VideoProbeError, iter_frames, probe_video
from tests.workers.videos import write_video


@pytest.mark.parametrize(
    ("name", "codec", "seconds", "fps", "size"),
    [
        ("a.mp4", "mpeg4", 2.0, 10, (96, 64)),
        ("b.mkv", "libx264", 1.0, 5, (64, 48)),
        ("c.ts", "mpeg4", 1.5, 8, (80, 60)),
    ],
)
def test_probe_reports_codec_size_fps_duration(
    tmp_path: Path, name: str, codec: str, seconds: float, fps: int, size: tuple[int, int]
) -> None:
    path = write_video(tmp_path / name, seconds=seconds, fps=fps, width=size[0], height=size[1], codec=codec)
    info = probe_video(path)
    assert (info.width, info.height) == size
    assert info.codec == ("h264" if codec == "libx264" else codec)
    assert info.fps == pytest.approx(fps)
    assert info.duration_s == pytest.approx(seconds, abs=1.5 / fps)
    assert abs(info.n_frames - seconds * fps) <= 1


def _empty_file(tmp_path: Path) -> Path:
    (tmp_path / "empty.mp4").write_bytes(b"")
    return tmp_path / "empty.mp4"


def _text_file(tmp_path: Path) -> Path:
    (tmp_path / "text.mp4").write_text("hello, not a video\n" * 50)
    return tmp_path / "text.mp4"


def _truncated_video(tmp_path: Path) -> Path:
    good = write_video(tmp_path / "good.mp4", seconds=1.0)
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(good.read_bytes()[:200])
    return bad


def _audio_only(tmp_path: Path) -> Path:
    import av

    path = tmp_path / "audio.wav"
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("pcm_s16le", rate=8000)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 800), dtype=np.int16), format="s16", layout="mono")
        frame.sample_rate = 8000
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


@pytest.mark.parametrize(
    ("make", "kinds"),
    [
        (lambda p: p / "missing.mp4", {"missing"}),
        (_empty_file, {"not_video", "corrupt"}),
        (_text_file, {"not_video", "corrupt"}),
        (_truncated_video, {"not_video", "corrupt"}),
        (_audio_only, {"no_video_stream"}),
    ],
)
def test_probe_refuses_bad_files_with_a_kind_and_message(
    tmp_path: Path, make: Callable[[Path], Path], kinds: set[str]
) -> None:
    path = make(tmp_path)
    with pytest.raises(VideoProbeError) as info:
        probe_video(path)
    assert info.value.kind in kinds
    assert str(info.value)


@pytest.mark.parametrize(
    ("start_s", "end_s", "every_nth", "expected_indices"),
    [
        (0.0, None, 1, list(range(30))),
        (0.0, 1.0, 1, list(range(10))),
        (1.0, 2.0, 1, list(range(10, 20))),
        (2.0, None, 1, list(range(20, 30))),
        (0.0, None, 5, [0, 5, 10, 15, 20, 25]),
        (1.2, 1.2, 1, []),
        (5.0, 6.0, 1, []),
    ],
)
def test_iter_frames_covers_the_span_exactly(
    tmp_path: Path, start_s: float, end_s: float | None, every_nth: int, expected_indices: list[int]
) -> None:
    path = write_video(tmp_path / "v.mp4", seconds=3.0, fps=10)
    frames = list(iter_frames(path, start_s=start_s, end_s=end_s, every_nth=every_nth))
    assert [f.index for f in frames] == expected_indices
    for frame in frames:
        assert frame.image.dtype == np.uint8 and frame.image.shape == (64, 96, 3)
        assert frame.t_seconds == pytest.approx(frame.index / 10)


def test_chunks_partition_the_video(tmp_path: Path) -> None:
    path = write_video(tmp_path / "v.mp4", seconds=3.0, fps=10)
    spans = [(0.0, 0.7), (0.7, 1.4), (1.4, 2.1), (2.1, 3.0)]
    indices = [f.index for s, e in spans for f in iter_frames(path, start_s=s, end_s=e)]
    assert indices == list(range(30))


@pytest.mark.parametrize(("max_side", "shape"), [(None, (64, 96, 3)), (48, (32, 48, 3)), (200, (64, 96, 3))])
def test_iter_frames_resizes_to_max_side(
    tmp_path: Path, max_side: int | None, shape: tuple[int, ...]
) -> None:
    path = write_video(tmp_path / "v.mp4", seconds=0.5, fps=10)
    frame = next(iter_frames(path, max_side=max_side))
    assert frame.image.shape == shape


def test_decoded_pixels_match_what_was_written(tmp_path: Path) -> None:
    path = write_video(tmp_path / "v.mp4", seconds=1.0, fps=10)
    frame = next(iter_frames(path, start_s=0.5, end_s=0.6))
    square = frame.image[64 // 3 : 64 // 3 + 16, 20 + 2 : 20 + 14]
    assert frame.index == 5 and square.mean() > 150 and frame.image[:10].mean() < 60


def test_every_nth_must_be_positive(tmp_path: Path) -> None:
    path = write_video(tmp_path / "v.mp4", seconds=0.5)
    with pytest.raises(ValueError, match="every_nth"):
        list(iter_frames(path, every_nth=0))
