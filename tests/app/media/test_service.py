"""Pure rules of recordings: chunk splitting, progress, status, probe error mapping."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from app.media.service import (
    overall_progress,
    probe_error_to_app_error,
    split_into_chunks,
    status_from_chunks,
)
from app.media.storage import PayloadTooLargeError, check_declared_length
from models.pipeline.decode import VideoProbeError


@pytest.mark.parametrize(
    ("duration", "chunk", "expected"),
    [
        (0.0, 60.0, []),
        (-1.0, 60.0, []),
        (30.0, 60.0, [(0.0, 30.0)]),
        (60.0, 60.0, [(0.0, 60.0)]),
        (150.0, 60.0, [(0.0, 60.0), (60.0, 120.0), (120.0, 150.0)]),
        (4.0, 2.0, [(0.0, 2.0), (2.0, 4.0)]),
    ],
)
def test_split_into_chunks(duration: float, chunk: float, expected: list[tuple[float, float]]) -> None:
    assert split_into_chunks(duration, chunk) == expected


def test_split_refuses_non_positive_chunk_length() -> None:
    with pytest.raises(ValueError, match="chunk_seconds"):
        split_into_chunks(10.0, 0.0)


def _chunks(*pairs: tuple[str, float]) -> list:
    return [SimpleNamespace(status=s, progress=p) for s, p in pairs]


@pytest.mark.parametrize(
    ("chunks", "progress", "status"),
    [
        ([], 0.0, "queued"),
        ([("queued", 0.0), ("queued", 0.0)], 0.0, "queued"),
        ([("done", 0.0), ("running", 0.5)], 0.75, "processing"),
        ([("done", 1.0), ("queued", 0.0)], 0.5, "processing"),
        ([("done", 1.0), ("done", 1.0)], 1.0, "done"),
        ([("failed", 0.3), ("done", 1.0)], 0.65, "failed"),
    ],
)
def test_progress_and_status_from_chunks(chunks: list, progress: float, status: str) -> None:
    rows = _chunks(*chunks)
    assert overall_progress(rows) == pytest.approx(progress)
    assert status_from_chunks(rows) == status


@pytest.mark.parametrize(
    ("kind", "http"),
    [
        ("not_video", 415),
        ("unsupported_codec", 415),
        ("corrupt", 422),
        ("no_video_stream", 422),
        ("missing", 422),
    ],
)
def test_probe_errors_map_to_http_errors(kind: str, http: int) -> None:
    error = probe_error_to_app_error(VideoProbeError(kind, "why"))  # type: ignore[arg-type]
    assert error.status_code == http and error.message == "why" and error.details == {"reason": kind}


@pytest.mark.parametrize(
    ("header", "raises"), [(None, None), ("100", None), ("101", PayloadTooLargeError), ("abc", Exception)]
)
def test_declared_length_is_checked_before_reading(header: str | None, raises: type | None) -> None:
    if raises is None:
        check_declared_length(header, max_bytes=100)
        return
    with pytest.raises(raises):
        check_declared_length(header, max_bytes=100)
