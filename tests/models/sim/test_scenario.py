"""Scenario configs, sets and growth/health timelines."""

from __future__ import annotations

import numpy as np
import pytest

from models.sim.scenario import SCENARIO_SETS, HealthEventSpec, Scenario, ScenarioConfig, scenario_set


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n_pigs": 4},
        {"n_pigs": 21},
        {"n_days": 0},
        {"lookalike_fraction": 1.5},
        {"health_events": (HealthEventSpec(pig_index=9, condition="lame", onset_day=1),)},
        {"health_events": (HealthEventSpec(pig_index=0, condition="flu", onset_day=1),)},
    ],
)
def test_config_rejects_bad_values(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        ScenarioConfig(**kwargs)


@pytest.mark.parametrize("n_pigs", [5, 12, 20])
def test_from_config_is_deterministic(n_pigs: int) -> None:
    cfg = ScenarioConfig(seed=3, appearance_seed=4, n_pigs=n_pigs)
    a, b = Scenario.from_config(cfg), Scenario.from_config(cfg)
    assert [p.appearance for p in a.pigs] == [p.appearance for p in b.pigs]
    assert [p.pig_id for p in a.pigs] == list(range(1, n_pigs + 1))
    assert a.pen_size_m == b.pen_size_m


def test_config_round_trips_through_dict() -> None:
    cfg = scenario_set("val")[0]
    assert ScenarioConfig.from_dict(cfg.to_dict()) == cfg


def test_lookalikes_share_a_group() -> None:
    sc = Scenario.from_config(ScenarioConfig(n_pigs=10, lookalike_fraction=0.4, appearance_seed=1))
    groups = [p.appearance.lookalike_group for p in sc.pigs]
    assert groups.count(0) == 4
    assert all(
        m.kind != "spray" for p in sc.pigs if p.appearance.lookalike_group == 0 for m in p.appearance.marks
    )


@pytest.mark.parametrize("name", SCENARIO_SETS)
def test_sets_are_deterministic(name: str) -> None:
    assert scenario_set(name) == scenario_set(name)


def test_sets_are_disjoint_in_seeds_pigs_and_days() -> None:
    seen_seeds: set[int] = set()
    seen_looks: set[int] = set()
    seen_days: set[int] = set()
    for name in SCENARIO_SETS:
        seeds = {c.seed for c in scenario_set(name)}
        looks = {c.appearance_seed for c in scenario_set(name)}
        days = {d for c in scenario_set(name) for d in range(c.first_day, c.first_day + c.n_days)}
        assert not seeds & seen_seeds and not looks & seen_looks and not days & seen_days
        seen_seeds |= seeds
        seen_looks |= looks
        seen_days |= days


def test_unknown_set_raises() -> None:
    with pytest.raises(ValueError, match="unknown scenario set"):
        scenario_set("nope")


def test_pigs_grow_and_sickness_slows_growth() -> None:
    events = (HealthEventSpec(pig_index=0, condition="sick", onset_day=5, severity=1.0),)
    sc = Scenario.from_config(ScenarioConfig(n_pigs=5, n_days=10, health_events=events))
    w = np.array([[sc.weight_kg(i, d) for d in sc.days] for i in range(5)])
    assert np.all(np.diff(w, axis=1) > 0)
    gain_before = w[0, 5] - w[0, 4]
    gain_after = w[0, 8] - w[0, 7]
    assert gain_after == pytest.approx(0.4 * gain_before)
    assert sc.body_length_m(1, 9) > sc.body_length_m(1, 0)


@pytest.mark.parametrize(("day", "expected"), [(0, 0.0), (3, 0.8), (6, 0.8), (7, 0.0)])
def test_condition_severity_follows_timeline(day: int, expected: float) -> None:
    events = (HealthEventSpec(pig_index=2, condition="lame", onset_day=3, severity=0.8, recovery_day=7),)
    sc = Scenario.from_config(ScenarioConfig(n_pigs=5, n_days=10, health_events=events))
    assert sc.condition_severity(2, day, "lame") == expected
    assert sc.condition_severity(1, day, "lame") == 0.0
    assert sc.condition_severity(2, day, "sick") == 0.0
