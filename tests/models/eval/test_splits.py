"""Group splits: no group in two splits, overlapping windows of one clip never straddle splits."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from models.eval.splits import SPLITS, assign_groups, group_split


@dataclass(frozen=True)
class Window:
    clip: str
    day: int
    pig: int
    start: int
    end: int


def _windows(n_clips: int, *, length: int = 3, stride: int = 1) -> list[Window]:
    """Overlapping windows (length 3, stride 1) over 10 frames of every pig of every clip."""
    return [
        Window(f"clip{c}", day=c // 2, pig=p, start=s, end=s + length)
        for c in range(n_clips)
        for p in range(4)
        for s in range(0, 10 - length + 1, stride)
    ]


@pytest.mark.parametrize("n_clips", [0, 1, 3, 20])
@pytest.mark.parametrize("seed", [0, 1])
def test_overlapping_windows_of_one_clip_never_straddle_splits(n_clips: int, seed: int) -> None:
    windows = _windows(n_clips)
    split = group_split(windows, keys=[lambda w: w.clip], seed=seed)
    assert split["dropped"] == []
    assert sum(len(split[s]) for s in SPLITS) == len(windows)
    for a in SPLITS:
        for b in SPLITS:
            if a < b:
                assert not {w.clip for w in split[a]} & {w.clip for w in split[b]}
                overlapping = [
                    (x, y)
                    for x in split[a]
                    for y in split[b]
                    if x.clip == y.clip and x.start < y.end and y.start < x.end
                ]
                assert overlapping == []


@pytest.mark.parametrize("keys", [("day",), ("pig", "day"), ("clip", "pig")])
def test_every_key_is_disjoint_across_splits(keys: tuple[str, ...]) -> None:
    windows = _windows(20)
    split = group_split(windows, keys=[(lambda w, k=k: getattr(w, k)) for k in keys], seed=3)
    for key in keys:
        seen = [{getattr(w, key) for w in split[s]} for s in SPLITS]
        assert not (seen[0] & seen[1]) and not (seen[0] & seen[2]) and not (seen[1] & seen[2]), key
    assert sum(len(v) for v in split.values()) == len(windows)


def test_assignment_is_deterministic_and_uses_all_splits() -> None:
    groups = [f"g{i}" for i in range(20)]
    first = assign_groups(groups, seed=7)
    assert first == assign_groups(list(reversed(groups)), seed=7)
    assert first != assign_groups(groups, seed=8)
    assert sorted(set(first.values())) == sorted(SPLITS)
    assert list(first.values()).count("train") == 14


@pytest.mark.parametrize("fractions", [(0.5, 0.5), (0.8, 0.3, -0.1), (0.5, 0.2, 0.2)])
def test_bad_fractions_are_rejected(fractions: tuple[float, ...]) -> None:
    with pytest.raises(ValueError, match="fractions"):
        assign_groups(["a"], fractions=fractions)


def test_no_keys_is_an_error() -> None:
    with pytest.raises(ValueError, match="key"):
        group_split([1, 2], keys=[])
