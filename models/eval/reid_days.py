"""Re-identification across days on simulator scenarios, with the worker's assignment and bands.

For each scenario of a set, short clips are rendered on several days spread over its span. Tracks are the
**ground-truth ids within a clip** (one track per visible pig per clip): this isolates re-identification from
the tracker, so the figures measure the embedder + pools + assignment only. Each track is embedded once a
second (crops with masks) by the given embedder.

Day 1 (the first sampled day) enrols every pig's pool with `models.reid.pool.EmbeddingPool` (the pool policy:
novelty + budget). Each later clip is a chunk: its tracks are scored against the pools exactly as
`app.identity.service` does (up to ``queries_per_track`` evenly spread embeddings as queries; the
``nearest_hits`` nearest pool entries among the pen's animals per query; per animal the top-k mean; mean over
queries, NaN without a hit) and assigned with `models.reid.assign.assign_tracks` (one-to-one per time window,
bands assign/suggest/unknown). Like the worker, assigned tracks then offer their embeddings to the pool of the
animal they were given (``grow_pools``), so errors can propagate as they would in production.

Reported over later-day tracks: rank-1 (the best-scoring animal is the true pig, before assignment), beside
it ``rank1_assigned`` (the animal the one-to-one assignment chose for the track, its ``candidate_animal_id``
whatever the band, is the true pig: the product's decision, where overlapping tracks exclude each other), band
shares, accuracy of ``assigned``, the false-merge rate (share of assigned tracks given another pig's identity)
and `models.eval.reid.false_merge_rates` over the assigned tracks plus each identity's enrolment (identity =
scenario + animal; an identity given any track of another pig is a merge).
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from models.eval.reid import false_merge_rates, retrieval_metrics
from models.reid.assign import Assignment, BandThresholds, TrackSpan, assign_tracks
from models.reid.pool import EmbeddingPool, PoolPolicy
from models.reid.scores import DEFAULT_TOP_K, aggregate_query_hits

NEAREST_HITS = 64
"""Pool hits per query, as `app.identity.repository.NEAREST_HITS`."""

QUERIES_PER_TRACK = 8
"""Embeddings of a track used as queries, as `app.identity.service.IdentityConfig.queries_per_track`."""


@dataclass(frozen=True)
class ReidDaysConfig:
    """What to render and how to re-identify.

    Attributes:
        split: scenario set (``"train"``, ``"val"``, ``"test"``, or ``"val-wide"``: see `wide_val_set`).
        days_per_scenario: days sampled per scenario, spread evenly over its span (first = enrolment day).
        clip_starts_s: clip starts, seconds after midnight; one clip (chunk) per start per day.
        clip_seconds: clip length, seconds.
        fps: rendered frames per second.
        width, height: frame size, pixels.
        embed_every_s: seconds between a track's embeddings.
        max_scenarios: only the first N scenarios of the set (0 = all).
        grow_pools: offer assigned tracks' embeddings to their animal's pool, as the worker does.
        queries_per_track: embeddings per track used as pool queries.
        nearest_hits: pool hits per query.
        top_k: hits per animal averaged per query.
        thresholds: band thresholds.
        policy: pool policy.
    """

    split: str = "test"
    days_per_scenario: int = 4
    clip_starts_s: tuple[float, ...] = (8 * 3600.0, 15 * 3600.0)
    clip_seconds: float = 30.0
    fps: float = 6.0
    width: int = 640
    height: int = 360
    embed_every_s: float = 1.0
    max_scenarios: int = 0
    grow_pools: bool = True
    queries_per_track: int = QUERIES_PER_TRACK
    nearest_hits: int = NEAREST_HITS
    top_k: int = DEFAULT_TOP_K
    thresholds: BandThresholds = field(default_factory=BandThresholds)
    policy: PoolPolicy = field(default_factory=PoolPolicy)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return asdict(self)


@dataclass(frozen=True)
class ClipTrack:
    """One pig's ground-truth track within one clip.

    Attributes:
        pig: true pig id.
        start_s, end_s: seconds after midnight of the clip's day, end exclusive (one frame past the last).
        vectors: MxD float32 L2-normalised embeddings, one per ``embed_every_s`` while visible.
    """

    pig: int
    start_s: float
    end_s: float
    vectors: np.ndarray


@dataclass(frozen=True)
class TrackOutcome:
    """The result for one later-day track.

    Attributes:
        scenario: scenario name.
        day: calendar day.
        pig: true pig id.
        top_animal: best-scoring animal before assignment (None when no score).
        decision: the assignment.
    """

    scenario: str
    day: int
    pig: int
    top_animal: int | None
    decision: Assignment


def clip_tracks(
    frames: Iterable[Any], embed: Callable[[Any, np.ndarray], np.ndarray], *, fps: float, embed_every_s: float
) -> list[ClipTrack]:
    """Ground-truth tracks of one clip with their embeddings.

    Args:
        frames: the simulator's ``SimFrame`` objects of one clip, in order.
        embed: (frame, N bool selection of its pigs) -> KxD float32 embeddings of the selected pigs.
        fps: the clip's frame rate.
        embed_every_s: seconds between embeddings.

    Returns:
        One track per pig visible at least once with at least one embedding, in pig order.
    """
    step = max(1, int(round(embed_every_s * fps)))
    spans: dict[int, list[float]] = {}
    vectors: dict[int, list[np.ndarray]] = {}
    for frame in frames:
        for pig in frame.ids[frame.visible].tolist():
            span = spans.setdefault(pig, [frame.clock_s, frame.clock_s])
            span[1] = frame.clock_s
        if frame.index % step == 0 and frame.visible.any():
            for pig, vector in zip(
                frame.ids[frame.visible].tolist(), embed(frame, frame.visible), strict=True
            ):
                vectors.setdefault(pig, []).append(vector)
    return [
        ClipTrack(pig, spans[pig][0], spans[pig][1] + 1.0 / fps, np.stack(vectors[pig]))
        for pig in sorted(spans)
        if pig in vectors
    ]


def spread_rows(vectors: np.ndarray, count: int) -> np.ndarray:
    """At most ``count`` rows evenly spread (MxD -> min(M, count)xD), like `app.identity.service`'s."""
    if len(vectors) <= count:
        return vectors
    return vectors[np.linspace(0, len(vectors) - 1, count).round().astype(int)]


def pool_track_scores(
    vectors: np.ndarray,
    pool_vectors: np.ndarray,
    pool_animals: np.ndarray,
    animal_ids: list[int],
    config: ReidDaysConfig,
) -> np.ndarray:
    """Per-animal similarity of one track from its exact nearest pool hits (the worker's aggregation).

    Args:
        vectors: MxD float32 L2-normalised track embeddings.
        pool_vectors: PxD float32 L2-normalised pool entries of the pen.
        pool_animals: P int animal id per entry.
        animal_ids: the A animals, output order.
        config: queries, hits and top-k.

    Returns:
        A float32 cosine scores; NaN for an animal never among the hits.
    """
    if len(vectors) == 0 or len(pool_vectors) == 0:
        return np.full(len(animal_ids), np.nan, np.float32)
    per_query = []
    for query in spread_rows(vectors, config.queries_per_track):
        sims = pool_vectors @ query
        nearest = np.argsort(-sims, kind="stable")[: config.nearest_hits]
        per_query.append(
            aggregate_query_hits(sims[nearest], pool_animals[nearest], animal_ids, top_k=config.top_k)
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(np.stack(per_query), axis=0).astype(np.float32)


class PenPools:
    """Every animal's `EmbeddingPool` of one pen."""

    def __init__(self, policy: PoolPolicy, dimensions: int) -> None:
        self.policy = policy
        self.dimensions = dimensions
        self.pools: dict[int, EmbeddingPool] = {}

    def offer(self, animal: int, vectors: np.ndarray) -> None:
        """Offer MxD vectors to ``animal``'s pool (created on first use)."""
        pool = self.pools.setdefault(animal, EmbeddingPool(self.policy, dimensions=self.dimensions))
        pool.offer_many(vectors)

    def stacked(self) -> tuple[np.ndarray, np.ndarray]:
        """(PxD float32 entries, P int64 animal id per entry) over all pools."""
        if not self.pools:
            return np.zeros((0, self.dimensions), np.float32), np.zeros(0, np.int64)
        vectors = [pool.vectors for pool in self.pools.values()]
        owners = [np.full(len(pool), animal, np.int64) for animal, pool in self.pools.items()]
        return np.concatenate(vectors), np.concatenate(owners)


def assign_chunk(
    tracks: Sequence[ClipTrack], pools: PenPools, config: ReidDaysConfig
) -> tuple[list[Assignment], list[int | None]]:
    """Score one chunk's tracks against the pools and assign them (then grow pools if configured).

    Args:
        tracks: the chunk's tracks.
        pools: the pen's pools (mutated when ``config.grow_pools``).
        config: scoring, thresholds and pool growth.

    Returns:
        (one assignment per track, the best-scoring animal per track before assignment or None).
    """
    animal_ids = sorted(pools.pools)
    pool_vectors, pool_animals = pools.stacked()
    scores = np.stack(
        [pool_track_scores(t.vectors, pool_vectors, pool_animals, animal_ids, config) for t in tracks]
    ).reshape(len(tracks), len(animal_ids))
    spans = [TrackSpan(i, t.start_s, t.end_s) for i, t in enumerate(tracks)]
    decisions = assign_tracks(spans, scores, animal_ids, thresholds=config.thresholds)
    top = [
        animal_ids[int(np.argmax(np.nan_to_num(row, nan=-2.0)))] if np.isfinite(row).any() else None
        for row in scores
    ]
    if config.grow_pools:
        for track, decision in zip(tracks, decisions, strict=True):
            if decision.animal_id is not None:
                pools.offer(decision.animal_id, track.vectors)
    return decisions, top


def evaluate_days(
    scenario: str,
    chunks_by_day: Sequence[tuple[int, list[list[ClipTrack]]]],
    config: ReidDaysConfig,
    *,
    dimensions: int,
) -> list[TrackOutcome]:
    """Enrol on the first day's chunks, then assign every later chunk in time order.

    Args:
        scenario: scenario name (echoed in the outcomes).
        chunks_by_day: (day, chunks) in day order; a chunk is one clip's tracks.
        config: re-identification settings.
        dimensions: embedding width D.

    Returns:
        One outcome per track of the later days.
    """
    pools = PenPools(config.policy, dimensions)
    outcomes: list[TrackOutcome] = []
    for position, (day, chunks) in enumerate(chunks_by_day):
        for tracks in chunks:
            if position == 0:
                for track in tracks:
                    pools.offer(track.pig, track.vectors)
                continue
            if not tracks:
                continue
            decisions, top = assign_chunk(tracks, pools, config)
            outcomes += [
                TrackOutcome(scenario, day, t.pig, best, d)
                for t, best, d in zip(tracks, top, decisions, strict=True)
            ]
    return outcomes


def summarise(outcomes: Sequence[TrackOutcome]) -> dict[str, float]:
    """Metrics over later-day tracks (rates in [0, 1], NaN when their denominator is 0).

    Returns:
        "tracks", "rank1" (best-scoring animal before assignment is the true pig), "rank1_assigned" (the
        assignment's candidate, whatever the band, is the true pig), band shares "share_assigned",
        "share_suggested", "share_unknown", "share_new_animal",
        "assigned_accuracy", "false_merge_rate" (assigned tracks given another pig's identity / assigned
        tracks), "suggested_accuracy" (candidate is the true pig) and the `false_merge_rates` keys over
        assigned tracks plus, per identity (scenario, animal) holding any, the enrolment it was made from
        (animal ids are the enrolled pigs' ids), so an identity given one track of another pig counts as
        merged; ``same_identity_pairs`` counts those enrolment members too.
    """
    nan = float("nan")
    total = len(outcomes)
    assigned = [o for o in outcomes if o.decision.band == "assigned"]
    suggested = [o for o in outcomes if o.decision.band == "suggested"]
    correct = sum(o.decision.animal_id == o.pig for o in assigned)
    metrics: dict[str, float] = {
        "tracks": float(total),
        "rank1": sum(o.top_animal == o.pig for o in outcomes) / total if total else nan,
        "rank1_assigned": (
            sum(o.decision.candidate_animal_id == o.pig for o in outcomes) / total if total else nan
        ),
        "assigned_accuracy": correct / len(assigned) if assigned else nan,
        "false_merge_rate": (len(assigned) - correct) / len(assigned) if assigned else nan,
        "suggested_accuracy": (
            sum(o.decision.candidate_animal_id == o.pig for o in suggested) / len(suggested)
            if suggested
            else nan
        ),
        "share_new_animal": sum(o.decision.new_animal for o in outcomes) / total if total else nan,
    }
    for band in ("assigned", "suggested", "unknown"):
        metrics[f"share_{band}"] = sum(o.decision.band == band for o in outcomes) / total if total else nan
    # Enrolment made animal ``a`` of a scenario from pig ``a``: each identity holding assigned tracks also
    # holds its enrolled pig, so one track of another pig given it is a merge of two pigs.
    identities = sorted({(o.scenario, o.decision.animal_id) for o in assigned}, key=str)
    predicted: list[Hashable] = [(o.scenario, o.decision.animal_id) for o in assigned]
    truth: list[Hashable] = [(o.scenario, o.pig) for o in assigned]
    metrics.update(false_merge_rates(predicted + identities, truth + identities))
    return metrics


def crop_rank1_against_enrolment(days: Sequence[tuple[int, list[list[ClipTrack]]]]) -> dict[str, float]:
    """Per-crop rank-1 of each later day's embeddings against the enrolment day's (embedder alone, no pools).

    Args:
        days: (day, one track list per clip) in day order; the first day is the enrolment day.

    Returns:
        ``"crop_rank1"`` over all later-day crops and ``"crop_rank1_day+N"`` per later day (N = days after
        enrolment); NaN when a day has no crop whose pig was enrolled.
    """

    def crops(chunks: list[list[ClipTrack]]) -> tuple[np.ndarray, list[int]]:
        tracks = [track for clip in chunks for track in clip]
        if not tracks:
            return np.zeros((0, 1), np.float32), []
        return np.concatenate([t.vectors for t in tracks]), [t.pig for t in tracks for _ in t.vectors]

    if not days:
        return {"crop_rank1": float("nan")}
    gallery, gallery_pigs = crops(days[0][1])
    out: dict[str, float] = {}
    hits = total = 0.0
    for day, chunks in days[1:]:
        queries, pigs = crops(chunks)
        result = retrieval_metrics(queries, pigs, gallery, gallery_pigs) if pigs and gallery_pigs else None
        out[f"crop_rank1_day+{day - days[0][0]}"] = result["rank1"] if result else float("nan")
        if result and result["queries"]:
            hits += result["rank1"] * result["queries"]
            total += result["queries"]
    out["crop_rank1"] = hits / total if total else float("nan")
    return out


def render_days(
    scenario: Any, config: ReidDaysConfig, embed: Callable[[Any, np.ndarray], np.ndarray]
) -> list[tuple[int, list[list[ClipTrack]]]]:
    """Render and embed the sampled clips of one scenario.

    Args:
        scenario: a `models.sim.scenario.Scenario`.
        config: what to render.
        embed: (frame, N bool selection) -> KxD embeddings of the selected pigs.

    Returns:
        (calendar day, one track list per clip) per sampled day, in day order.
    """
    from models.embed.simdata import sampled_days
    from models.sim.render import generate

    first_day = int(scenario.config.first_day)
    out = []
    for offset in sampled_days(int(scenario.config.n_days), config.days_per_scenario):
        day = first_day + offset
        chunks = [
            clip_tracks(
                generate(
                    scenario,
                    day=day,
                    start_s=start,
                    duration_s=config.clip_seconds,
                    width=config.width,
                    height=config.height,
                    fps=config.fps,
                ),
                embed,
                fps=config.fps,
                embed_every_s=config.embed_every_s,
            )
            for start in config.clip_starts_s
        ]
        out.append((day, chunks))
    return out


RENDER_FIELDS: tuple[str, ...] = (
    "days_per_scenario",
    "clip_starts_s",
    "clip_seconds",
    "fps",
    "width",
    "height",
    "embed_every_s",
)
"""`ReidDaysConfig` fields that change what is rendered and embedded (the cache key; thresholds are not)."""


def cache_key(scenario_config: Any, config: ReidDaysConfig, embedder_digest: str) -> str:
    """Hex digest naming one scenario's rendered tracks: scenario config + render fields + embedder file.

    Args:
        scenario_config: a `models.sim.scenario.ScenarioConfig` (its ``repr`` is hashed).
        config: the evaluation config (only `RENDER_FIELDS` count).
        embedder_digest: sha256 hex of the embedder file.
    """
    render = {name: getattr(config, name) for name in RENDER_FIELDS}
    text = json.dumps([repr(scenario_config), render, embedder_digest], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def file_digest(path: Path) -> str:
    """sha256 hex of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def save_days(path: Path, days: Sequence[tuple[int, list[list[ClipTrack]]]]) -> None:
    """Write rendered tracks to an ``.npz``: all vectors stacked, one table row per track.

    The table (float64, columns day, chunk, pig, start_s, end_s, first row, end row) indexes ``vectors``
    (NxD float32). Chunks are numbered over the whole scenario in day order; an empty chunk is kept as a
    row with pig -1 and no vectors.
    """
    rows, vectors, first = [], [], 0
    chunk_number = 0
    for day, chunks in days:
        for tracks in chunks:
            if not tracks:
                rows.append([day, chunk_number, -1, 0.0, 0.0, first, first])
            for track in tracks:
                rows.append(
                    [
                        day,
                        chunk_number,
                        track.pig,
                        track.start_s,
                        track.end_s,
                        first,
                        first + len(track.vectors),
                    ]
                )
                vectors.append(track.vectors)
                first += len(track.vectors)
            chunk_number += 1
    dims = vectors[0].shape[1] if vectors else 0
    stacked = np.concatenate(vectors) if vectors else np.zeros((0, dims), np.float32)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp.npz")
    np.savez(temporary, table=np.asarray(rows, np.float64).reshape(-1, 7), vectors=stacked.astype(np.float32))
    temporary.replace(path)


def load_days(path: Path) -> list[tuple[int, list[list[ClipTrack]]]]:
    """Read what `save_days` wrote: (day, one track list per clip) per day, in day order."""
    with np.load(path) as data:
        table, vectors = data["table"], data["vectors"]
    days: dict[int, dict[int, list[ClipTrack]]] = {}
    for day, chunk_number, pig, start, end, first, stop in table.tolist():
        chunks = days.setdefault(int(day), {})
        tracks = chunks.setdefault(int(chunk_number), [])
        if pig >= 0:
            tracks.append(ClipTrack(int(pig), start, end, vectors[int(first) : int(stop)]))
    return [(day, [chunks[n] for n in sorted(chunks)]) for day, chunks in days.items()]


def embedder_fn(embedder: Any) -> Callable[[Any, np.ndarray], np.ndarray]:
    """Adapt a `models.embed.embedder.Embedder` to ``(SimFrame, N bool selection) -> KxD`` (masked crops)."""
    from models.pipeline.types import Detections

    def embed(frame: Any, selection: np.ndarray) -> np.ndarray:
        detections = Detections(
            xyxy=frame.xyxy[selection],
            score=np.ones(int(selection.sum()), np.float32),
            mask=frame.masks[selection],
        )
        return np.asarray(embedder.embed_detections(frame.image, detections), np.float32)

    return embed


WIDE_VAL_COUNT = 12
"""Scenarios of the ``val-wide`` set: the 3 of ``val`` and 9 more drawn with the same recipe."""


def wide_val_set(count: int = WIDE_VAL_COUNT) -> list[Any]:
    """``val`` extended to ``count`` scenarios with the simulator's own recipe (tuning on more identities).

    Scenario ``i`` is what `models.sim.scenario.scenario_set` would give as ``val-{i:02d}`` if the ``val``
    set had ``count`` entries: seed 2000 + i, appearance seed 20000 + i, first day 1000 + 40 i. For
    ``count`` <= 25 these seeds, pigs and days stay disjoint from ``train``, ``test`` and ``long``; the first
    three equal ``val`` (`models.sim.scenario.scenario_set` with a count).

    Returns:
        ``count`` `models.sim.scenario.ScenarioConfig`, named ``val-00`` ...
    """
    from models.sim.scenario import scenario_set

    return scenario_set("val", count)


def split_configs(split: str) -> list[Any]:
    """Scenario configs of ``split``: a simulator set (``train``, ``val``, ``test``) or ``val-wide``."""
    from models.sim.scenario import scenario_set

    return wide_val_set() if split == "val-wide" else scenario_set(split)


def evaluate_reid_days(
    config: ReidDaysConfig,
    embedder: Any,
    *,
    on_scenario: Callable[[int, int], None] | None = None,
    cache_dir: Path | None = None,
    embedder_digest: str = "",
) -> dict[str, Any]:
    """Re-identification across days on every scenario of ``config.split``.

    Args:
        config: what to render and how to re-identify.
        embedder: a `models.embed.embedder.Embedder` (``dim`` and ``embed_detections``).
        on_scenario: called with (done, total) after each scenario.
        cache_dir: keep each scenario's rendered tracks here (`save_days`), keyed by `cache_key`, and reuse
            them: only the re-identification (thresholds, pools) is re-run. None renders every time.
        embedder_digest: sha256 of the embedder file, part of the cache key (required with ``cache_dir``).

    Returns:
        {"overall": metrics, "per_scenario": {name: metrics}} (see `summarise`); per scenario also the
        embedder-only diagnostic of `crop_rank1_against_enrolment`.
    """
    from models.sim.scenario import Scenario

    if cache_dir is not None and not embedder_digest:
        raise ValueError("cache_dir needs the embedder_digest (the cache must change with the embedder)")
    configs = split_configs(config.split)
    configs = configs[: config.max_scenarios] if config.max_scenarios else configs
    embed = embedder_fn(embedder)
    outcomes: list[TrackOutcome] = []
    per_scenario = {}
    for done, scenario_config in enumerate(configs, start=1):
        cached = None
        if cache_dir is not None:
            key = cache_key(scenario_config, config, embedder_digest)
            cached = Path(cache_dir) / f"{scenario_config.name}-{key}.npz"
        if cached is not None and cached.is_file():
            days = load_days(cached)
        else:
            days = render_days(Scenario.from_config(scenario_config), config, embed)
            if cached is not None:
                save_days(cached, days)
        found = evaluate_days(scenario_config.name, days, config, dimensions=int(embedder.dim))
        per_scenario[scenario_config.name] = {**summarise(found), **crop_rank1_against_enrolment(days)}
        outcomes += found
        if on_scenario is not None:
            on_scenario(done, len(configs))
    return {"overall": summarise(outcomes), "per_scenario": per_scenario}
