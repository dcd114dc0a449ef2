"""Leakage-free train/val/test splits: whole groups go to one split, never items.

A group is whatever must not be shared between training and testing: a scenario, a clip, a day or a pig.
Every item of a group lands in the same split, so overlapping windows cut from one clip (group = clip)
can never straddle splits. With several keys (e.g. pig and day) each key's groups are split on their
own and an item is kept only where all its keys agree; the rest are dropped, so the splits are
disjoint in every key at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable, Sequence
from typing import TypeVar

T = TypeVar("T")
SPLITS: tuple[str, ...] = ("train", "val", "test")
DEFAULT_FRACTIONS: tuple[float, float, float] = (0.7, 0.15, 0.15)


def _rank(group: Hashable, seed: int) -> str:
    return hashlib.sha256(f"{seed}:{group!r}".encode()).hexdigest()


def assign_groups(
    groups: Sequence[Hashable], *, fractions: Sequence[float] = DEFAULT_FRACTIONS, seed: int = 0
) -> dict[Hashable, str]:
    """Give each distinct group one split, deterministically from ``seed``.

    Groups are ordered by a seeded hash and cut by cumulative ``fractions`` of the group count; each
    split with a positive fraction gets at least one group while there are enough groups.

    Args:
        groups: group keys (repeats allowed).
        fractions: shares for train, val, test; must be non-negative and sum to 1.
        seed: changes the assignment.

    Returns:
        group -> "train" | "val" | "test".
    """
    if len(fractions) != len(SPLITS) or min(fractions) < 0 or abs(sum(fractions) - 1.0) > 1e-6:
        raise ValueError(f"fractions must be 3 non-negative numbers summing to 1, got {tuple(fractions)}")
    distinct = sorted(set(groups), key=lambda g: _rank(g, seed))
    counts = [round(f * len(distinct)) for f in fractions]
    for k in range(len(SPLITS)):
        if fractions[k] > 0 and counts[k] == 0 and len(distinct) >= sum(f > 0 for f in fractions):
            counts[k] = 1
    counts[0] = len(distinct) - sum(counts[1:])
    names = [name for name, n in zip(SPLITS, counts, strict=True) for _ in range(max(n, 0))]
    return dict(zip(distinct, names, strict=False))


def group_split(
    items: Sequence[T],
    *,
    keys: Sequence[Callable[[T], Hashable]],
    fractions: Sequence[float] = DEFAULT_FRACTIONS,
    seed: int = 0,
) -> dict[str, list[T]]:
    """Split items so that no value of any key appears in two splits.

    Args:
        items: anything (windows, tracks, clips).
        keys: one or more functions item -> group value (e.g. ``lambda w: w.clip``).
        fractions: train/val/test shares of each key's groups.
        seed: changes the assignment; key k uses ``seed + k``.

    Returns:
        {"train": [...], "val": [...], "test": [...], "dropped": [...]}, item order kept; "dropped" holds
        items whose keys fell in different splits (always empty with a single key).
    """
    if not keys:
        raise ValueError("at least one group key is needed")
    assignments = [
        assign_groups([key(item) for item in items], fractions=fractions, seed=seed + k)
        for k, key in enumerate(keys)
    ]
    out: dict[str, list[T]] = {name: [] for name in (*SPLITS, "dropped")}
    for item in items:
        chosen = {assignment[key(item)] for key, assignment in zip(keys, assignments, strict=True)}
        out[chosen.pop() if len(chosen) == 1 else "dropped"].append(item)
    return out
