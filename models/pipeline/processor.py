"""The interface between the chunk workers and the model pipeline.

A worker decodes a chunk's frames, builds a `ChunkContext` and calls ``processor.process(frames, context=...,
on_progress=...)``; the processor returns a `ChunkResult` (plain data) and the worker persists it.
`load_processor("module:factory")` builds the processor named in the settings (``PIGWATCH_PROCESSOR``) and,
when its tracker stage is reachable (``processor.tracker``), wraps it so that every returned track carries a
few small crops of the animal (`TrackSummary.thumbnails`, see `models.pipeline.thumbnails`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

from models.pipeline.types import ChunkResult, Frame


@dataclass(frozen=True)
class ChunkContext:
    """What a processor knows about the chunk it is given.

    Attributes:
        fps: frame rate of the recording, frames per second.
        width, height: frame size of the recording in pixels (before any ``max_side`` resizing).
        start_s, end_s: the chunk's span, seconds from the start of the recording (end exclusive).
        zones: pen zones as ``{name: Nx2 float32 polygon}`` with ``(x, y)`` in normalised 0-1 frame
            coordinates, origin top-left.
        clock_start_s: local time of day at the chunk's first frame, seconds after midnight (None: unknown).
    """

    fps: float
    width: int
    height: int
    start_s: float
    end_s: float
    zones: dict[str, np.ndarray] = field(default_factory=dict)
    clock_start_s: float | None = None

    @property
    def expected_frames(self) -> int:
        """Frames the chunk should hold: ``round((end_s - start_s) * fps)`` (at least 1)."""
        return max(1, int(round((self.end_s - self.start_s) * self.fps)))


@runtime_checkable
class ChunkProcessor(Protocol):
    """Turns the frames of one chunk into tracks, behaviours and zone visits."""

    def process(
        self,
        frames: Iterable[Frame],
        *,
        context: ChunkContext,
        on_progress: Callable[[float], None],
    ) -> ChunkResult:
        """Process one chunk.

        Args:
            frames: the chunk's frames in time order (consumed once).
            context: recording and chunk facts, pen zones.
            on_progress: called with the fraction done in [0, 1] as work advances.

        Returns:
            The chunk's `ChunkResult`; track ids are local to the chunk.
        """
        ...


class ProcessorSpecError(ValueError):
    """A ``module:factory`` spec that cannot be imported or does not build a `ChunkProcessor`."""


def _import_factory(spec: str) -> Callable[[], object]:
    """The callable named by ``"package.module:attribute"``."""
    module_name, sep, attribute = spec.partition(":")
    if not sep or not module_name or not attribute:
        raise ProcessorSpecError(f"processor spec {spec!r} must look like 'package.module:factory'")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ProcessorSpecError(f"processor module {module_name!r} cannot be imported: {exc}") from exc
    factory = getattr(module, attribute, None)
    if not callable(factory):
        raise ProcessorSpecError(f"{module_name!r} has no callable {attribute!r}")
    return factory  # type: ignore[no-any-return]


def load_processor(spec: str, *, thumbnails: bool = True) -> ChunkProcessor:
    """Build the processor named by ``spec``.

    Args:
        spec: ``"package.module:factory"``; the factory is called with no arguments.
        thumbnails: wrap it with `models.pipeline.thumbnails.with_thumbnails` (crops of each track; a
            processor without a ``tracker`` attribute is returned unchanged).

    Returns:
        The processor the factory returned (possibly wrapped).

    Raises:
        ProcessorSpecError: the spec is malformed, the module or factory is missing, or the result has no
            ``process`` method.
    """
    processor = _import_factory(spec)()
    if not isinstance(processor, ChunkProcessor):
        raise ProcessorSpecError(f"{spec!r} returned {type(processor).__name__}, which has no process()")
    if not thumbnails:
        return processor
    from models.pipeline.thumbnails import with_thumbnails

    return with_thumbnails(processor)
