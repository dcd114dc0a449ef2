"""Track thumbnails on disk: JPEG files of a chunk's crops in the media store.

Layout: ``<media_dir>/thumbs/c<chunk id>/<batch>/t<local track id>_<n>.jpg``, one fresh ``batch`` folder per
attempt. The chunk runner writes a batch BEFORE the result transaction (which replaces the chunk's
``track_thumbnails`` rows), deletes the new batch when that transaction fails, and after the commit deletes
the files of the rows it replaced. So a retried chunk replaces its own thumbnails (rows and files) and
nothing else, and a failed attempt leaves the stored ones intact. Batches that a killed worker left behind
(no row refers to them) are removed by a later attempt of the same chunk once older than
``ORPHAN_AGE_S``.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from app.media.storage import remove_stored_files
from models.pipeline.types import ChunkResult, TrackThumbnail

_logger = logging.getLogger(__name__)

THUMBS_DIR = "thumbs"
JPEG_QUALITY = 85
ORPHAN_AGE_S = 3600.0
"""A batch folder no row refers to is removed only when older than this (another attempt may be writing)."""


@dataclass(frozen=True)
class StoredThumbnail:
    """One crop written to disk, ready to be recorded.

    Attributes:
        track_id: the local (chunk) track id of the crop.
        thumbnail: the pipeline's crop (time, frame, box, score).
        media_path: the JPEG's path relative to the media directory, ``/`` separated.
        size_bytes: the JPEG's size.
    """

    track_id: int
    thumbnail: TrackThumbnail
    media_path: str
    size_bytes: int


@dataclass(frozen=True)
class ThumbnailBatch:
    """The files one attempt of a chunk wrote (``folder`` is None when there were no crops)."""

    folder: Path | None
    items: tuple[StoredThumbnail, ...]

    def discard(self) -> None:
        """Delete the batch's files (its transaction did not commit)."""
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


def encode_jpeg(image: np.ndarray, *, quality: int = JPEG_QUALITY) -> bytes:
    """JPEG bytes of an HxWx3 uint8 RGB image.

    Raises:
        ValueError: the image is not HxWx3 uint8 or cannot be encoded.
    """
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"expected HxWx3 uint8 RGB, got shape {image.shape} dtype {image.dtype}")
    ok, buffer = cv2.imencode(".jpg", image[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise ValueError("the thumbnail could not be encoded as JPEG")
    return bytes(buffer.tobytes())


def chunk_folder(media_dir: Path, chunk_id: int) -> Path:
    """``<media_dir>/thumbs/c<chunk_id>``: every batch of one chunk lives below it."""
    return media_dir / THUMBS_DIR / f"c{int(chunk_id)}"


def write_batch(media_dir: Path, chunk_id: int, result: ChunkResult) -> ThumbnailBatch:
    """Encode and write every crop of ``result``'s tracks into a new batch folder of the chunk.

    Raises:
        OSError: the files could not be written (the partial batch is deleted).
    """
    crops = [(t.track_id, n, thumb) for t in result.tracks for n, thumb in enumerate(t.thumbnails)]
    if not crops:
        return ThumbnailBatch(None, ())
    batch = uuid.uuid4().hex[:16]
    folder = chunk_folder(media_dir, chunk_id) / batch
    items = []
    try:
        folder.mkdir(parents=True, exist_ok=False)
        for track_id, n, thumb in crops:
            data = encode_jpeg(thumb.image)
            name = f"t{int(track_id)}_{n}.jpg"
            (folder / name).write_bytes(data)
            relative = f"{THUMBS_DIR}/c{int(chunk_id)}/{batch}/{name}"
            items.append(StoredThumbnail(int(track_id), thumb, relative, len(data)))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return ThumbnailBatch(folder, tuple(items))


def remove_replaced(media_dir: Path, chunk_id: int, replaced: list[str], *, keep: ThumbnailBatch) -> None:
    """After the commit: delete the files of the replaced rows (and their folders once empty), then batch
    folders of the chunk older than `ORPHAN_AGE_S` (left by killed attempts; no row refers to them).

    Args:
        media_dir: root of the media store.
        chunk_id: the chunk.
        replaced: media paths (relative) of the rows the transaction deleted.
        keep: the batch the transaction recorded (never touched).
    """
    root = chunk_folder(media_dir, chunk_id).resolve()
    kept = keep.folder.resolve() if keep.folder is not None else None
    stale = [r for r in replaced if kept is None or not (media_dir / r).resolve().is_relative_to(kept)]
    remove_stored_files(media_dir, stale, within=root)
    if not root.is_dir():
        return
    now = time.time()
    for folder in root.iterdir():
        if folder.resolve() == kept:
            continue
        with contextlib.suppress(OSError):
            if now - folder.stat().st_mtime > ORPHAN_AGE_S:
                _logger.info("removing orphaned thumbnail folder %s of chunk %s", folder.name, chunk_id)
                shutil.rmtree(folder, ignore_errors=True)
