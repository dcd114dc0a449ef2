"""Probes of track-vs-pool scoring on cached ``pigwatch eval reid-days`` renders (what docs/reid.md "tried").

Run after ``pigwatch eval reid-days --split SPLIT --cache-dir var/reid-days`` (default render settings and the
shipped embedder, so the cache files exist)::

    python -m models.eval.reid_days_probes scoring --split val      # scoring variants, enrolment-only pools
    python -m models.eval.reid_days_probes size --split val-wide    # mask-area cue (renders its own sizes)

Every probe enrols pools from the first day only (no pool growth, no bands) and reports, over later-day
tracks, ``rank1`` (best-scoring animal before assignment is the true pig) and ``hung`` (the chunk's Hungarian
one-to-one assignment gives the true pig), so variants compare on scoring alone. Tune on val sets only.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from scipy.optimize import linear_sum_assignment

from models.eval.reid_days import (
    ClipTrack,
    PenPools,
    ReidDaysConfig,
    cache_key,
    file_digest,
    load_days,
    pool_track_scores,
    split_configs,
    spread_rows,
)
from models.reid.pool import PoolPolicy

EMBEDDER = Path(__file__).resolve().parents[1] / "bundles" / "default" / "embedder.onnx"

Days = list[tuple[int, list[list[ClipTrack]]]]
ScoreFn = Callable[[list[ClipTrack]], np.ndarray]
"""A chunk's tracks -> TxA float scores against the enrolled animals (sorted ids)."""


def cached_days(split: str, cache_dir: Path) -> dict[str, Days]:
    """Scenario name -> rendered days from the reid-days cache (default render settings, shipped embedder)."""
    config, digest = ReidDaysConfig(split=split), file_digest(EMBEDDER)
    out = {}
    for scenario in split_configs(split):
        path = cache_dir / f"{scenario.name}-{cache_key(scenario, config, digest)}.npz"
        if not path.is_file():
            raise FileNotFoundError(f"{path}: run `pigwatch eval reid-days --split {split}` with this cache")
        out[scenario.name] = load_days(path)
    return out


def enrolment(days: Days) -> tuple[np.ndarray, np.ndarray]:
    """(NxD float32 vectors, N int pig id) of every crop of the first (enrolment) day."""
    tracks = [track for clip in days[0][1] for track in clip]
    return np.concatenate([t.vectors for t in tracks]), np.concatenate(
        [[t.pig] * len(t.vectors) for t in tracks]
    )


def policy_pool(vectors: np.ndarray, pigs: np.ndarray, novelty: float) -> tuple[np.ndarray, np.ndarray]:
    """Enrolment crops filtered by the pool policy with this novelty distance: (PxD, P pig ids)."""
    pools = PenPools(PoolPolicy(novelty_distance=novelty), vectors.shape[1])
    for pig in np.unique(pigs):
        pools.offer(int(pig), vectors[pigs == pig])
    return pools.stacked()


def per_crop_scores(
    vectors: np.ndarray, pool: np.ndarray, owners: np.ndarray, animals: Sequence[int], how: str
) -> np.ndarray:
    """MxA per-crop score against each animal's entries: ``max``, ``top3`` mean, ``mean`` or ``centroid``."""
    sims = vectors @ pool.T
    columns = []
    for animal in animals:
        own = sims[:, owners == animal]
        if how == "max":
            columns.append(own.max(1))
        elif how == "top3":
            columns.append(np.sort(own, 1)[:, -3:].mean(1))
        elif how == "mean":
            columns.append(own.mean(1))
        else:
            centre = pool[owners == animal].mean(0)
            columns.append(vectors @ (centre / np.linalg.norm(centre)))
    return np.stack(columns, 1)


def outcomes(days: Days, animals: Sequence[int], score: ScoreFn) -> tuple[list[bool], list[bool]]:
    """(rank-1 hit per later-day track, Hungarian hit per later-day track) under ``score``."""
    ids = np.asarray(animals)
    rank1: list[bool] = []
    hung: list[bool] = []
    for _, chunks in days[1:]:
        for tracks in chunks:
            if not tracks:
                continue
            matrix = np.nan_to_num(score(tracks), nan=-1.0)
            pigs = np.array([t.pig for t in tracks])
            rows, cols = linear_sum_assignment(matrix, maximize=True)
            rank1 += (ids[matrix.argmax(1)] == pigs).tolist()
            hung += (ids[cols] == pigs[rows]).tolist()
    return rank1, hung


def sinkhorn(matrix: np.ndarray, tau: float, iterations: int = 20) -> np.ndarray:
    """Rows summing to 1 and columns to at most 1 (soft one-to-one) from TxA scores at temperature ``tau``."""
    kernel = np.exp((matrix - matrix.max()) / tau)
    for _ in range(iterations):
        kernel /= kernel.sum(1, keepdims=True)
        kernel /= np.maximum(kernel.sum(0, keepdims=True), 1.0)
    return kernel


def whitener(vectors: np.ndarray, pigs: np.ndarray, shrink: float) -> np.ndarray:
    """DxD within-pig whitening (LDA-like) learnt on labelled crops, covariance shrunk towards isotropic."""
    centred = vectors - np.stack([vectors[pigs == p].mean(0) for p in pigs])
    within = centred.T @ centred / len(vectors)
    dims = vectors.shape[1]
    within = (1 - shrink) * within + shrink * np.trace(within) / dims * np.eye(dims)
    values, basis = np.linalg.eigh(within)
    return np.asarray(basis @ np.diag(values**-0.5) @ basis.T)


def chunk_csls(base: ScoreFn, k: int) -> ScoreFn:
    """2 x score - each animal's mean of its k best scores over the chunk's tracks (hubness correction)."""

    def score(tracks: list[ClipTrack]) -> np.ndarray:
        matrix = base(tracks)
        return np.asarray(2 * matrix - np.sort(matrix, 0)[-k:].mean(0)[None])

    return score


def chunk_sinkhorn(base: ScoreFn, tau: float) -> ScoreFn:
    """`sinkhorn` of the chunk's score matrix (a soft one-to-one assignment)."""

    def score(tracks: list[ClipTrack]) -> np.ndarray:
        return sinkhorn(base(tracks), tau)

    return score


def scoring_variants(days: Days) -> dict[str, tuple[list[bool], list[bool]]]:
    """Variant name -> (rank-1 hits, Hungarian hits) for one scenario."""
    vectors, pigs = enrolment(days)
    animals = sorted(int(p) for p in np.unique(pigs))
    out = {}

    def mean_score(pool: np.ndarray, owners: np.ndarray, how: str, queries: int = 0) -> ScoreFn:
        def score(tracks: list[ClipTrack]) -> np.ndarray:
            return np.stack(
                [
                    per_crop_scores(spread_rows(t.vectors, queries) if queries else t.vectors, pool, owners,
                                    animals, how).mean(0)
                    for t in tracks
                ]
            )  # fmt: skip

        return score

    for novelty in (0.05, 0.02, 0.01, 0.005, 0.0):
        pool, owners = policy_pool(vectors, pigs, novelty)
        for how in ("max", "top3", "mean", "centroid"):
            out[f"novelty {novelty} {how}"] = outcomes(days, animals, mean_score(pool, owners, how))
    pool, owners = policy_pool(vectors, pigs, 0.05)
    base = mean_score(pool, owners, "max", queries=8)
    hub = np.array([np.sort(pool[owners == a] @ pool[owners != a].T, 1)[:, -3:].mean() for a in animals])
    out["pool CSLS k3"] = outcomes(days, animals, lambda tracks: 2 * base(tracks) - hub[None])
    for k in (3, 5):
        out[f"chunk CSLS k{k}"] = outcomes(days, animals, chunk_csls(base, k))
    for tau in (0.01, 0.1):
        out[f"chunk Sinkhorn {tau}"] = outcomes(days, animals, chunk_sinkhorn(base, tau))
    for shrink in (0.1, 0.3, 0.6, 0.9):
        white = whitener(vectors, pigs, shrink)
        projected = vectors @ white
        projected /= np.linalg.norm(projected, axis=1, keepdims=True)

        def lda(
            tracks: list[ClipTrack], white: np.ndarray = white, projected: np.ndarray = projected
        ) -> np.ndarray:
            rows = []
            for t in tracks:
                query = t.vectors @ white
                rows.append(per_crop_scores(query / np.linalg.norm(query, axis=1, keepdims=True), projected,
                                            pigs, animals, "max").mean(0))  # fmt: skip
            return np.stack(rows)

        out[f"LDA shrink {shrink} max"] = outcomes(days, animals, lda)
    return out


def similarity_drift(days: Days) -> tuple[float, float]:
    """(mean same-pig cosine within the enrolment day, mean same-pig cosine later day vs enrolment day)."""
    vectors, pigs = enrolment(days)
    sims = vectors @ vectors.T
    same = pigs[:, None] == pigs[None]
    np.fill_diagonal(same, False)
    later = [t for _, chunks in days[1:] for clip in chunks for t in clip]
    later_vectors = np.concatenate([t.vectors for t in later])
    later_pigs = np.concatenate([[t.pig] * len(t.vectors) for t in later])
    cross = later_vectors @ vectors.T
    return float(sims[same].mean()), float(cross[later_pigs[:, None] == pigs[None]].mean())


def render_sizes(split: str, path: Path) -> dict[str, list[dict[int, float]]]:
    """Per scenario, per clip (reid-days order): pig -> median visible mask area (px) at embedding cadence.

    Renders the clips again without embedding (minutes); the result is kept in ``path`` (JSON).
    """
    from models.embed.simdata import sampled_days
    from models.sim.render import generate
    from models.sim.scenario import Scenario

    if path.is_file():
        stored = json.loads(path.read_text())
        return {
            name: [{int(p): a for p, a in clip.items()} for clip in clips] for name, clips in stored.items()
        }
    config = ReidDaysConfig(split=split)
    step = max(1, int(round(config.embed_every_s * config.fps)))
    sizes: dict[str, list[dict[int, float]]] = {}
    for scenario_config in split_configs(split):
        scenario = Scenario.from_config(scenario_config)
        clips = []
        for offset in sampled_days(scenario_config.n_days, config.days_per_scenario):
            for start in config.clip_starts_s:
                areas: dict[int, list[int]] = {}
                frames = generate(scenario, day=scenario_config.first_day + offset, start_s=start,
                                  duration_s=config.clip_seconds, width=config.width, height=config.height,
                                  fps=config.fps)  # fmt: skip
                for frame in frames:
                    if frame.index % step:
                        continue
                    for pig, mask in zip(
                        frame.ids[frame.visible].tolist(), frame.masks[frame.visible], strict=True
                    ):
                        areas.setdefault(pig, []).append(int(mask.sum()))
                clips.append({pig: float(np.median(a)) for pig, a in areas.items()})
        sizes[scenario_config.name] = clips
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(sizes))
    return sizes


def size_cue(
    days: Days, clips: list[dict[int, float]], weights: Sequence[float]
) -> dict[str, tuple[list, list]]:
    """Scores = top-3 pool score - weight x |relative log mask area - the animal's at enrolment|.

    Relative log area = log area minus the clip's median over its pigs (removes growth and zoom).
    """
    relative = []
    for clip in clips:
        logs = {pig: float(np.log(area)) for pig, area in clip.items()}
        median = float(np.median(list(logs.values()))) if logs else 0.0
        relative.append({pig: value - median for pig, value in logs.items()})
    config = ReidDaysConfig(top_k=3)
    pools = PenPools(config.policy, days[0][1][0][0].vectors.shape[1])
    enrolled: dict[int, list[float]] = {}
    for index, tracks in enumerate(days[0][1]):
        for track in tracks:
            pools.offer(track.pig, track.vectors)
            enrolled.setdefault(track.pig, []).append(relative[index][track.pig])
    animals = sorted(pools.pools)
    pool, owners = pools.stacked()
    chunk_of = {id(tracks): n for n, tracks in enumerate(c for _, chunks in days for c in chunks)}
    out = {}
    for weight in weights:

        def score(tracks: list[ClipTrack], weight: float = weight) -> np.ndarray:
            sizes = relative[chunk_of[id(tracks)]]
            base = np.stack([pool_track_scores(t.vectors, pool, owners, animals, config) for t in tracks])
            gap = np.abs([[sizes[t.pig] - np.mean(enrolled[a]) for a in animals] for t in tracks])
            return np.asarray(np.nan_to_num(base, nan=-1.0) - weight * gap)

        out[f"size weight {weight}"] = outcomes(days, animals, score)
    return out


def print_table(results: dict[str, dict[str, tuple[list[bool], list[bool]]]]) -> None:
    """One line per variant: pooled rank1 and hung over scenarios, then per scenario."""
    variants = next(iter(results.values())).keys()
    for variant in variants:
        rank1 = [hit for per in results.values() for hit in per[variant][0]]
        hung = [hit for per in results.values() for hit in per[variant][1]]
        detail = " ".join(
            f"{n}:{np.mean(p[variant][0]):.2f}/{np.mean(p[variant][1]):.2f}" for n, p in results.items()
        )
        print(
            f"{variant:24} rank1 {np.mean(rank1):.3f} hung {np.mean(hung):.3f} tracks {len(rank1)} | {detail}"
        )


def main(argv: Sequence[str] | None = None) -> None:
    """Command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("probe", choices=["scoring", "size"])
    parser.add_argument("--split", default="val", choices=["val", "val-wide"])
    parser.add_argument("--cache-dir", type=Path, default=Path("var/reid-days"))
    args = parser.parse_args(argv)
    all_days = cached_days(args.split, args.cache_dir)
    if args.probe == "scoring":
        for name, days in all_days.items():
            within, across = similarity_drift(days)
            print(
                f"{name}: same-pig cosine within enrolment day {within:.3f}, later vs enrolment {across:.3f}"
            )
        print_table({name: scoring_variants(days) for name, days in all_days.items()})
    else:
        sizes = render_sizes(args.split, args.cache_dir / f"sizes-{args.split}.json")
        weights = (0.0, 0.1, 0.2, 0.3, 0.5, 1.0)
        print_table({name: size_cue(days, sizes[name], weights) for name, days in all_days.items()})


if __name__ == "__main__":
    main()
