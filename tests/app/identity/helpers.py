"""Builders of pens, chunks, tracks and embeddings for identity tests (real rows, real pgvector)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

import numpy as np

_names = count(1)
DAY0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=-1, keepdims=True)).astype(np.float32)


def identity_centres(n: int, *, seed: int = 0) -> np.ndarray:
    """n well-separated 384-d unit appearance centres (one per pig)."""
    return unit(np.random.default_rng(seed).normal(size=(n, 384)))


def views(centre: np.ndarray, n: int, rng: np.random.Generator, *, noise: float = 0.02) -> np.ndarray:
    """n noisy unit views of one pig (cosine to the centre about 0.9)."""
    return unit(centre + noise * rng.normal(size=(n, 384)))


def make_pen(session: Any) -> Any:
    from app.farms.models import Farm, Pen

    farm = Farm(name=f"farm {next(_names)}")
    session.add(farm)
    session.flush()
    pen = Pen(farm_id=farm.id, name="pen A")
    session.add(pen)
    session.flush()
    return pen


def make_chunk(session: Any, pen: Any, *, day: int) -> Any:
    from app.media.models import Chunk, Recording

    started = DAY0 + timedelta(days=day)
    recording = Recording(
        pen_id=pen.id, source="sim", media_path=f"/tmp/r{next(_names)}.mp4", started_at=started
    )
    session.add(recording)
    session.flush()
    chunk = Chunk(recording_id=recording.id, index=0, start_s=0.0, end_s=300.0)
    session.add(chunk)
    session.flush()
    return chunk


def add_track(
    session: Any, chunk: Any, *, local_id: int, start_s: float, end_s: float, vectors: np.ndarray, day: int
) -> Any:
    """A track of the chunk with one embedding row per vector, spread over its span."""
    from app.identity.models import Embedding
    from app.tracking.models import Track

    base = DAY0 + timedelta(days=day)
    track = Track(
        chunk_id=chunk.id,
        local_id=local_id,
        start_at=base + timedelta(seconds=start_s),
        end_at=base + timedelta(seconds=end_s),
    )
    session.add(track)
    session.flush()
    times = np.linspace(start_s, end_s, len(vectors), endpoint=False)
    for t, vector in zip(times, vectors, strict=True):
        session.add(
            Embedding(
                track_id=track.id,
                chunk_id=chunk.id,
                captured_at=base + timedelta(seconds=float(t)),
                vector=vector,
            )
        )
    session.flush()
    return track


def make_pen_chunk(
    session: Any, pen: Any, centres: np.ndarray, *, day: int, seed: int, local_ids: list[int] | None = None
) -> tuple[Any, list[Any]]:
    """One chunk in which every pig of ``centres`` is seen by one full-length track."""
    rng = np.random.default_rng(seed)
    chunk = make_chunk(session, pen, day=day)
    ids = local_ids or list(range(1, len(centres) + 1))
    tracks = [
        add_track(session, chunk, local_id=lid, start_s=0, end_s=300, vectors=views(c, 6, rng), day=day)
        for lid, c in zip(ids, centres, strict=True)
    ]
    return chunk, tracks
