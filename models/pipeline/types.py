"""Plain, typed data passed between pipeline stages (see docs/architecture.md, "Pipeline contracts").

Every stage takes and returns these types only: numpy arrays and Python scalars, never database rows or
torch tensors. Coordinates are pixels in the frame the stage was given, origin at the top-left corner.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

BEHAVIOURS: tuple[str, ...] = (
    "standing",
    "lying",
    "eat",
    "drink",
    "sitting",
    "sleep",
    "run",
    "playwithtoy",
    "nose-to-nose",
)
"""The nine behaviour classes, in the order used by every model's class index."""


@dataclass(frozen=True)
class Frame:
    """One decoded video frame.

    Attributes:
        index: 0-based frame number within its chunk's source video.
        t_seconds: presentation time of the frame from the start of the recording, seconds.
        image: HxWx3 uint8 RGB.
    """

    index: int
    t_seconds: float
    image: np.ndarray

    def __post_init__(self) -> None:
        img = self.image
        if img.ndim != 3 or img.shape[2] != 3 or img.dtype != np.uint8:
            raise ValueError(f"Frame.image must be HxWx3 uint8 RGB, got shape {img.shape} dtype {img.dtype}")


@dataclass
class Detections:
    """Animals found in one frame.

    Attributes:
        xyxy: Nx4 float32, boxes as (x1, y1, x2, y2) in pixels.
        score: N float32 in [0, 1].
        mask: NxHxW bool instance masks at frame resolution, or None.
        track_id: N int64 tracker ids (unique within a chunk), or None before tracking.
        embedding: NxD float32 appearance vectors used for association, L2-normalised, or None.
    """

    xyxy: np.ndarray
    score: np.ndarray
    mask: np.ndarray | None = None
    track_id: np.ndarray | None = None
    embedding: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.xyxy = np.asarray(self.xyxy, dtype=np.float32).reshape(-1, 4)
        self.score = np.asarray(self.score, dtype=np.float32).reshape(-1)
        n = len(self.xyxy)
        if len(self.score) != n:
            raise ValueError(f"score has {len(self.score)} entries for {n} boxes")
        if self.mask is not None:
            self.mask = np.asarray(self.mask, dtype=bool)
            if self.mask.ndim != 3 or self.mask.shape[0] != n:
                raise ValueError(f"mask must be NxHxW with N={n}, got {self.mask.shape}")
        if self.track_id is not None:
            self.track_id = np.asarray(self.track_id, dtype=np.int64).reshape(-1)
            if len(self.track_id) != n:
                raise ValueError(f"track_id has {len(self.track_id)} entries for {n} boxes")
        if self.embedding is not None:
            self.embedding = np.asarray(self.embedding, dtype=np.float32)
            if self.embedding.ndim != 2 or self.embedding.shape[0] != n:
                raise ValueError(f"embedding must be NxD with N={n}, got {self.embedding.shape}")

    def __len__(self) -> int:
        return len(self.xyxy)

    def __getitem__(self, keep: np.ndarray | slice | list[int]) -> Detections:
        """Numpy-style selection: a boolean mask, an index array or a slice."""
        return Detections(
            xyxy=self.xyxy[keep],
            score=self.score[keep],
            mask=None if self.mask is None else self.mask[keep],
            track_id=None if self.track_id is None else self.track_id[keep],
            embedding=None if self.embedding is None else self.embedding[keep],
        )

    @classmethod
    def empty(cls, *, height: int | None = None, width: int | None = None) -> Detections:
        """No detections; with ``height``/``width`` given, an empty 0xHxW mask array is included."""
        mask = None if height is None or width is None else np.zeros((0, height, width), dtype=bool)
        return cls(xyxy=np.zeros((0, 4), np.float32), score=np.zeros(0, np.float32), mask=mask)


@dataclass(frozen=True)
class TrackEmbedding:
    """One appearance vector of one track, from one frame.

    Attributes:
        track_id: the tracker id within the chunk.
        frame_index: the frame the crop came from.
        vector: D float32, L2-normalised.
    """

    track_id: int
    frame_index: int
    vector: np.ndarray


@dataclass(frozen=True)
class BehaviourLabel:
    """A behaviour bout of one track.

    Attributes:
        track_id: the tracker id within the chunk.
        start_s, end_s: bout span in seconds from the start of the recording (end exclusive).
        label: one of `BEHAVIOURS`.
        probability: mean class probability over the bout, in [0, 1].
    """

    track_id: int
    start_s: float
    end_s: float
    label: str
    probability: float

    def __post_init__(self) -> None:
        if self.label not in BEHAVIOURS:
            raise ValueError(f"unknown behaviour {self.label!r}; expected one of {BEHAVIOURS}")


THUMBNAIL_MAX_SIDE = 128
"""Largest side, pixels, of a `TrackThumbnail` image."""


@dataclass(frozen=True)
class TrackThumbnail:
    """A small picture of one track, cut from one analysed frame (the worker stores it as a JPEG).

    Attributes:
        frame_index: the frame the crop came from (0-based within the chunk's source video).
        t_seconds: that frame's time, seconds from the start of the recording.
        image: HxWx3 uint8 RGB, longest side at most `THUMBNAIL_MAX_SIDE` pixels.
        xyxy: 4 float32, the track's box (x1, y1, x2, y2) on that frame, pixels of the analysed frame.
        score: detection confidence of that box, in [0, 1].
    """

    frame_index: int
    t_seconds: float
    image: np.ndarray
    xyxy: np.ndarray
    score: float

    def __post_init__(self) -> None:
        img = self.image
        if img.ndim != 3 or img.shape[2] != 3 or img.dtype != np.uint8 or min(img.shape[:2]) < 1:
            raise ValueError(f"thumbnail must be HxWx3 uint8 RGB, got shape {img.shape} dtype {img.dtype}")
        if max(img.shape[:2]) > THUMBNAIL_MAX_SIDE:
            raise ValueError(
                f"thumbnail is {img.shape[1]}x{img.shape[0]}; the longest side may be "
                f"{THUMBNAIL_MAX_SIDE} px at most"
            )
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"thumbnail score {self.score} is outside [0, 1]")


@dataclass
class TrackSummary:
    """What the pipeline knows about one track after a chunk.

    Attributes:
        track_id: tracker id within the chunk.
        frame_indices: K int frames where the track was seen.
        xyxy: Kx4 float32 boxes (pixels) aligned with ``frame_indices``.
        embeddings: MxD float32 L2-normalised appearance vectors sampled along the track.
        t_start_s, t_end_s: time span in seconds from the start of the recording.
        extra: free-form per-track figures.
        thumbnails: a few small crops of the animal (best views), in time order; may be empty.
        mask_shape: Kx5 float32 silhouette shape of the track's instance mask per frame, aligned with
            ``frame_indices`` (columns `models.behaviour.mask_shape.MASK_SHAPE_NAMES`: log area as a
            fraction of the frame, box fill, log elongation, ellipse fill, solidity; NaN rows where the
            tracker gave no usable mask), or None when the tracker gives no masks.
    """

    track_id: int
    frame_indices: np.ndarray
    xyxy: np.ndarray
    embeddings: np.ndarray
    t_start_s: float
    t_end_s: float
    extra: dict[str, float] = field(default_factory=dict)
    thumbnails: list[TrackThumbnail] = field(default_factory=list)
    mask_shape: np.ndarray | None = None


@dataclass(frozen=True)
class ZoneVisitSpan:
    """A track's stay in one pen zone.

    Attributes:
        track_id: the tracker id within the chunk.
        zone: zone name as configured for the pen (e.g. "feeder", "drinker", "lying").
        start_s, end_s: seconds from the start of the recording (end exclusive).
    """

    track_id: int
    zone: str
    start_s: float
    end_s: float


@dataclass
class ChunkResult:
    """Everything the pipeline returns for one chunk; persisting it is the worker task's job.

    Attributes:
        tracks: one summary per track seen in the chunk.
        behaviours: behaviour bouts of those tracks.
        zone_visits: zone stays of those tracks.
        frames_decoded: frames read from the video.
        frames_analysed: frames the tracker ran on (the pipeline may subsample).
    """

    tracks: list[TrackSummary]
    behaviours: list[BehaviourLabel] = field(default_factory=list)
    zone_visits: list[ZoneVisitSpan] = field(default_factory=list)
    frames_decoded: int = 0
    frames_analysed: int = 0
