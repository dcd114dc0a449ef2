"""One-to-one assignment of a chunk's tracks to a pen's animals, per time window, with confidence bands.

Tracks that overlap in time are different animals; tracks that do not overlap may be the same animal (a pig
whose track broke and restarted). The sweep below walks the tracks in start order and, each time, takes the
largest batch of pending tracks that all share one instant (a *window*: every start is before the earliest end
in the batch, so they pairwise overlap). The batch is solved jointly with the Hungarian method, with every
animal held by an already-decided overlapping track excluded, and one "unknown" column per track whose value
is the suggest threshold (a track whose best free animal scores below it stays unknown). Decided tracks are
locked, so the assignment chains consistently through the chunk.

Bands (thresholds in `BandThresholds`, similarities are cosine in [-1, 1]):
- ``assigned``: similarity >= ``assign_similarity`` and margin >= ``assign_margin``;
- ``suggested``: similarity >= ``suggest_similarity`` otherwise (a person confirms or rejects);
- ``unknown``: no animal scored at least ``suggest_similarity``.

The margin follows ``BandThresholds.margin_rule``:
- ``"row"``: the candidate's lead over the best other free animal of the track's own scores;
- ``"joint"``: how much the window's total score drops when the track may not take its candidate and the
  window is re-solved (the best alternative may move other overlapping tracks too, or leave the track unknown
  at the suggest threshold). A track whose look-alike is clearly taken by an overlapping track is then
  confident by exclusion, and a track that could swap with an overlapping one at little cost is not;
- ``"both"``: the smaller of the two (the track must prefer its candidate itself and the joint solution
  must be stable).

An unknown track is flagged ``new_animal`` only when every known animal of the pen is accounted for by a
track overlapping it (or the pen has no animals yet); otherwise it waits for a person.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

BANDS: tuple[str, ...] = ("assigned", "suggested", "unknown")
"""Assignment bands, most to least certain."""

MARGIN_RULES: tuple[str, ...] = ("row", "joint", "both")
"""How an assignment's margin is measured (see the module docstring)."""

_BLOCKED = -1.0e6


@dataclass(frozen=True)
class TrackSpan:
    """A track's time span.

    Attributes:
        key: the caller's id of the track (database id or tracker id); only echoed back.
        start_s, end_s: seconds from any fixed origin, end exclusive (end_s > start_s for a real span).
    """

    key: int
    start_s: float
    end_s: float


@dataclass(frozen=True)
class BandThresholds:
    """Cosine-similarity thresholds of the three bands (tuned for the retrained default 384-d embedder on sim
    ``val`` with ``pigwatch eval reid-days --split val``, top-3 pool scores, joint margins; see docs/reid.md).

    Attributes:
        assign_similarity: lowest similarity that is assigned without a person.
        assign_margin: lowest margin (see ``margin_rule``) that is assigned without a person.
        suggest_similarity: lowest similarity that is suggested; below it the track is unknown.
        margin_rule: ``"row"``, ``"joint"`` or ``"both"`` (module docstring).
    """

    assign_similarity: float = 0.75
    assign_margin: float = 0.12
    suggest_similarity: float = 0.45
    margin_rule: str = "joint"

    def __post_init__(self) -> None:
        if not -1.0 <= self.suggest_similarity <= self.assign_similarity <= 1.0:
            raise ValueError("need -1 <= suggest_similarity <= assign_similarity <= 1")
        if self.assign_margin < 0:
            raise ValueError("assign_margin must be >= 0")
        if self.margin_rule not in MARGIN_RULES:
            raise ValueError(f"margin_rule must be one of {MARGIN_RULES}, got {self.margin_rule!r}")


@dataclass(frozen=True)
class Assignment:
    """The decision for one track.

    Attributes:
        key: the track's `TrackSpan.key`.
        animal_id: the animal the track is given (band ``assigned``), else None.
        candidate_animal_id: the chosen animal for ``assigned``/``suggested``, the best-scoring one for
            ``unknown`` (None when the pen has no animal).
        similarity: score of the candidate animal, cosine in [-1, 1] (NaN without candidate).
        margin: by ``BandThresholds.margin_rule``: the candidate's score minus the best other free animal's
            (``row``; 1.0 when there is no other), the window's best total minus its best total without this
            choice (``joint``), or the smaller (``both``); an unknown track always gets its row's lead.
        confidence: in [0, 1]; half from similarity above the suggest threshold, half from the margin.
        band: one of `BANDS`.
        new_animal: unknown and every known animal is accounted for during the track: create one.
    """

    key: int
    animal_id: int | None
    candidate_animal_id: int | None
    similarity: float
    margin: float
    confidence: float
    band: str
    new_animal: bool = False


def overlaps(a: TrackSpan, b: TrackSpan) -> bool:
    """Whether two spans share any instant (end exclusive)."""
    return a.start_s < b.end_s and b.start_s < a.end_s


def next_window(order: list[int], spans: Sequence[TrackSpan]) -> list[int]:
    """The longest prefix of ``order`` (indices sorted by start) whose tracks all share one instant.

    Args:
        order: pending track indices in ascending start time (not empty).
        spans: all spans.

    Returns:
        The batch of indices, at least one.
    """
    batch = [order[0]]
    earliest_end = spans[order[0]].end_s
    for index in order[1:]:
        if spans[index].start_s >= earliest_end:
            break
        batch.append(index)
        earliest_end = min(earliest_end, spans[index].end_s)
    return batch


def blocked_animals(index: int, spans: Sequence[TrackSpan], held: dict[int, int]) -> set[int]:
    """Animal columns already held by decided tracks that overlap track ``index``.

    Args:
        index: the track being decided.
        spans: all spans.
        held: decided track index -> animal column it holds (assigned or suggested).

    Returns:
        Set of animal column indices the track may not take.
    """
    return {column for other, column in held.items() if overlaps(spans[index], spans[other])}


def window_values(free_scores: np.ndarray, floor: float) -> np.ndarray:
    """Bx(A+B) float64 value matrix of one window: the scores, then one private "unknown" column per track.

    Args:
        free_scores: BxA float scores with blocked pairs set to a large negative value.
        floor: value of leaving a track unknown.
    """
    n_batch = free_scores.shape[0]
    unknown = np.full((n_batch, n_batch), _BLOCKED, dtype=np.float64)
    np.fill_diagonal(unknown, floor)
    return np.concatenate([free_scores.astype(np.float64), unknown], axis=1)


def best_total(value: np.ndarray) -> tuple[float, np.ndarray]:
    """(Best total value, B chosen column per row) of a one-to-one assignment of the rows of ``value``."""
    rows, cols = linear_sum_assignment(value, maximize=True)
    chosen = np.empty(value.shape[0], dtype=np.int64)
    chosen[rows] = cols
    return float(value[rows, cols].sum()), chosen


def solve_window(batch: list[int], free_scores: np.ndarray, floor: float) -> dict[int, int | None]:
    """Jointly assign one window's tracks (they pairwise overlap) with the Hungarian method.

    Args:
        batch: the window's track indices (B of them).
        free_scores: BxA float scores with blocked pairs set to a large negative value.
        floor: value of leaving a track unknown (one private "unknown" column per track).

    Returns:
        Track index -> chosen animal column, or None for unknown.
    """
    n_animals = free_scores.shape[1]
    _, chosen = best_total(window_values(free_scores, floor))
    return {batch[r]: (int(c) if c < n_animals else None) for r, c in enumerate(chosen.tolist())}


def joint_margins(free_scores: np.ndarray, columns: Sequence[int | None], floor: float) -> list[float]:
    """Per track of a window, the drop of the best total value when it may not take its chosen animal.

    The window is re-solved with that one pair forbidden, so the alternative may move other tracks too or
    leave the track unknown (worth ``floor``). A small value means a near-tie between two joint solutions.

    Args:
        free_scores: BxA float scores of the window with blocked pairs at a large negative value.
        columns: B chosen animal columns (None for unknown) of the optimal solution.
        floor: value of leaving a track unknown.

    Returns:
        B margins >= 0 (NaN for an unknown track).
    """
    value = window_values(free_scores, floor)
    optimum, _ = best_total(value)
    margins = []
    for row, column in enumerate(columns):
        if column is None:
            margins.append(float("nan"))
            continue
        forbidden = value.copy()
        forbidden[row, column] = _BLOCKED
        alternative, _ = best_total(forbidden)
        margins.append(max(0.0, optimum - alternative))
    return margins


def band_of(similarity: float, margin: float, thresholds: BandThresholds) -> str:
    """The band of a candidate with this similarity and margin (see module docstring)."""
    if similarity >= thresholds.assign_similarity and margin >= thresholds.assign_margin:
        return "assigned"
    if similarity >= thresholds.suggest_similarity:
        return "suggested"
    return "unknown"


def confidence_of(similarity: float, margin: float, thresholds: BandThresholds) -> float:
    """Confidence in [0, 1]: 0.5 x similarity progress from suggest to 1.0 + 0.5 x margin up to 2x needed.

    Args:
        similarity: candidate's cosine similarity.
        margin: lead over the runner-up.
        thresholds: band thresholds.

    Returns:
        A float in [0, 1]; 0.0 for NaN similarity.
    """
    if not np.isfinite(similarity):
        return 0.0
    span = max(1.0 - thresholds.suggest_similarity, 1e-6)
    sim_part = np.clip((similarity - thresholds.suggest_similarity) / span, 0.0, 1.0)
    margin_part = np.clip(margin / max(2.0 * thresholds.assign_margin, 1e-6), 0.0, 1.0)
    return float(0.5 * sim_part + 0.5 * margin_part)


def describe_choice(
    key: int,
    row: np.ndarray,
    column: int | None,
    animal_ids: Sequence[int],
    thresholds: BandThresholds,
    joint_margin: float | None = None,
) -> Assignment:
    """Build the `Assignment` for one track from its free-animal scores and the chosen column.

    Args:
        key: the track's key.
        row: A float scores with blocked animals already at a large negative value.
        column: chosen animal column, or None (unknown: the best free animal becomes the candidate).
        animal_ids: animal id per column.
        thresholds: band thresholds.
        joint_margin: the window's `joint_margins` entry for this track (None or NaN: not used); combined
            with the row's lead by ``thresholds.margin_rule``.

    Returns:
        The assignment (band ``unknown`` whenever ``column`` is None).
    """
    if len(animal_ids) == 0 or np.all(row <= _BLOCKED / 2):
        return Assignment(key, None, None, float("nan"), 0.0, 0.0, "unknown")
    pick = int(np.argmax(row)) if column is None else column
    similarity = float(row[pick])
    others = np.delete(row, pick)
    others = others[others > _BLOCKED / 2]
    margin = float(similarity - others.max()) if others.size else 1.0
    if joint_margin is not None and np.isfinite(joint_margin) and thresholds.margin_rule != "row":
        joint = float(joint_margin)
        margin = joint if thresholds.margin_rule == "joint" else min(margin, joint)
    band = "unknown" if column is None else band_of(similarity, margin, thresholds)
    animal = animal_ids[pick] if band == "assigned" else None
    confidence = confidence_of(similarity, margin, thresholds)
    return Assignment(key, animal, animal_ids[pick], similarity, margin, confidence, band)


def free_row(index: int, scores: np.ndarray, spans: Sequence[TrackSpan], held: dict[int, int]) -> np.ndarray:
    """Scores of track ``index`` with animals held by overlapping decided tracks blocked (NaN -> -1).

    Args:
        index: the track.
        scores: TxA float similarity matrix.
        spans: all spans.
        held: decided track index -> animal column.

    Returns:
        A float64 row.
    """
    row = np.nan_to_num(scores[index].astype(np.float64), nan=-1.0)
    for column in blocked_animals(index, spans, held):
        row[column] = _BLOCKED
    return row


def flag_new_animals(
    decisions: list[Assignment], spans: Sequence[TrackSpan], n_animals: int
) -> list[Assignment]:
    """Mark unknown tracks as new animals when every known animal is held by an overlapping track.

    Args:
        decisions: one assignment per span, same order.
        spans: the spans.
        n_animals: number of known animals of the pen.

    Returns:
        The decisions, unknown ones with ``new_animal`` set where all animals are accounted for.
    """
    out = []
    for decision, span in zip(decisions, spans, strict=True):
        if decision.band == "unknown":
            accounted = {
                other.candidate_animal_id
                for other, other_span in zip(decisions, spans, strict=True)
                if other.band != "unknown" and overlaps(span, other_span)
            }
            decision = Assignment(**{**decision.__dict__, "new_animal": len(accounted) >= n_animals})
        out.append(decision)
    return out


def assign_tracks(
    spans: Sequence[TrackSpan],
    scores: np.ndarray,
    animal_ids: Sequence[int],
    *,
    thresholds: BandThresholds | None = None,
) -> list[Assignment]:
    """Assign a chunk's tracks to animals: one-to-one per time window, banded by confidence.

    Args:
        spans: T track spans.
        scores: TxA float similarity of each track to each animal (cosine; NaN = no evidence).
        animal_ids: the A known animals of the pen, one per score column.
        thresholds: band thresholds (defaults: `BandThresholds()`).

    Returns:
        T assignments in the order of ``spans``.
    """
    thresholds = thresholds or BandThresholds()
    scores = np.asarray(scores, dtype=np.float64).reshape(len(spans), len(animal_ids))
    order = sorted(range(len(spans)), key=lambda i: (spans[i].start_s, spans[i].end_s))
    held: dict[int, int] = {}
    decisions: dict[int, Assignment] = {}
    while order:
        batch = next_window(order, spans)
        rows = np.stack([free_row(i, scores, spans, held) for i in batch])
        chosen = solve_window(batch, rows, thresholds.suggest_similarity)
        columns = [chosen[index] for index in batch]
        margins: list[float | None] = (
            list(joint_margins(rows, columns, thresholds.suggest_similarity))
            if thresholds.margin_rule != "row"
            else [None] * len(batch)
        )
        for row, index, margin in zip(rows, batch, margins, strict=True):
            column = chosen[index]
            decisions[index] = describe_choice(spans[index].key, row, column, animal_ids, thresholds, margin)
            if decisions[index].band != "unknown" and column is not None:
                held[index] = column
        order = [i for i in order if i not in decisions]
    ordered = [decisions[i] for i in range(len(spans))]
    return flag_new_animals(ordered, spans, len(animal_ids))
