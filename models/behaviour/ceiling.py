"""How well can lying and sleep be told apart at all? An oracle bound from the simulator's own rules.

In the simulator (`models.sim.motion.PenSimulation._settle`) a rest bout is labelled ``sleep`` with
probability `models.sim.activities.sleep_probability` (clock hour, sickness) by a coin flip; the only visible
consequence is the posture: lateral (on the side) with probability 0.8 when asleep, 0.3 when awake lying,
else sternal. Motion during rest (`gait.rest_shuffle_step`) does not depend on the label. So even an oracle
that knows every frame's true posture, clock hour and sickness can only pick the more likely label per
(posture, hour, sickness). This module runs the motion model (no rendering: every frame counts, visible or
not) over the same clips as ``pigwatch eval-behaviour`` and scores that oracle, with every other class
predicted perfectly:

    python -m models.behaviour.ceiling --set test --clips-per-scenario 8 --clip-seconds 60
"""

from __future__ import annotations

import argparse

import numpy as np

from models.behaviour.dataset import ClipSpec, clip_specs
from models.eval.behaviour import behaviour_metrics

ASLEEP_LATERAL = 0.8
"""P(lateral posture | sleep) in `PenSimulation._settle`."""

AWAKE_LATERAL = 0.3
"""P(lateral posture | lying awake) in `PenSimulation._settle`."""


def oracle_rest_label(posture: str, hour: float, sick: float) -> str:
    """The more likely of ``lying`` / ``sleep`` for a resting pig of known posture, hour and sickness."""
    from models.sim.activities import sleep_probability

    prior = sleep_probability(hour, sick=sick)
    lateral = posture == "lateral"
    asleep = prior * (ASLEEP_LATERAL if lateral else 1.0 - ASLEEP_LATERAL)
    awake = (1.0 - prior) * (AWAKE_LATERAL if lateral else 1.0 - AWAKE_LATERAL)
    return "sleep" if asleep >= awake else "lying"


def clip_oracle_labels(spec: ClipSpec, *, fps: float = 6.0) -> tuple[list[str], list[str]]:
    """(truth, oracle prediction) for every pig and frame of one clip (motion model only, no rendering)."""
    from models.sim.motion import POSTURES
    from models.sim.render import pen_simulation
    from models.sim.scenario import Scenario, scenario_set

    scenario = Scenario.from_config(scenario_set(spec.set_name)[spec.scenario_index])
    day = scenario.days[spec.day_offset % len(scenario.days)]
    sim = pen_simulation(scenario, day=day, start_s=spec.start_s, fps=fps)
    sick = [scenario.condition_severity(i, day, "sick") for i in range(len(scenario.pigs))]
    truth: list[str] = []
    predicted: list[str] = []
    for index in range(int(round(spec.duration_s * fps))):
        snap = sim.snapshot() if index == 0 else sim.step()
        hour = (spec.start_s + index / fps) / 3600.0
        for pig, label in enumerate(snap.behaviours):
            truth.append(label)
            if label in ("lying", "sleep"):
                posture = POSTURES[int(snap.postures[pig])]
                predicted.append(oracle_rest_label(posture, hour, sick[pig]))
            else:
                predicted.append(label)
    return truth, predicted


def main() -> None:
    """Print the oracle's accuracy, macro-F1 and lying/sleep F1 over one scenario set's eval clips."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", dest="set_name", default="test")
    parser.add_argument("--clips-per-scenario", type=int, default=8)
    parser.add_argument("--clip-seconds", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=1, help="same default as `pigwatch eval-behaviour`")
    args = parser.parse_args()
    specs = clip_specs(args.set_name, clips_per_scenario=args.clips_per_scenario,
                       duration_s=args.clip_seconds, seed=args.seed)  # fmt: skip
    truth: list[str] = []
    predicted: list[str] = []
    for spec in specs:
        t, p = clip_oracle_labels(spec)
        truth += t
        predicted += p
    metrics = behaviour_metrics(truth, predicted)
    f1, macro = metrics["per_class_f1"], metrics["macro_f1"]
    assert isinstance(f1, dict) and isinstance(macro, float)
    rest = np.isin(truth, ["lying", "sleep"])
    rest_accuracy = float(np.mean(np.array(truth)[rest] == np.array(predicted)[rest])) if rest.any() else 0.0
    print(f"{args.set_name}: {len(specs)} clips, {metrics['samples']:,} pig-frames (all, visible or not)")
    print(f"oracle (true posture + hour + sickness, other classes perfect): macro-F1 "
          f"{100 * macro:.2f}%, lying F1 {100 * f1['lying']:.1f}, "
          f"sleep F1 {100 * f1['sleep']:.1f}, rest-frame accuracy {100 * rest_accuracy:.1f}%")  # fmt: skip
    print(f"support: {metrics['support']}")


if __name__ == "__main__":
    main()
