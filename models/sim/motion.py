"""Pen simulation in pen metres: where each pig is, how it is posed and what it is doing, frame by frame.

`PenSimulation` steps every pig's activity state machine (see `models.sim.activities`) at the clip's frame
rate and returns a `PenSnapshot` of plain arrays per frame. Walking speeds and resting shuffles come from the
calibration on real pigs (`models.sim.calibration.CALIBRATION`). Deterministic from (seed, day, start_s).
"""

from __future__ import annotations

import math

import numpy as np

from models.sim.activities import ACTIVITY_LABEL, bout_duration_s, choose_activity, sleep_probability
from models.sim.calibration import CALIBRATION
from models.sim.gait import (
    BODY_RADIUS_BL,
    PenSnapshot,
    PigState,
    bodies_clear,
    body_circles,
    fidget_step,
    overlap_push,
    rest_shuffle_step,
    shuffle_interval,
    walk_step,
)
from models.sim.places import Places

WALK_LOG_SPEED_SHIFT = 0.3
"""Walking speeds are the real moving-speed lognormal shifted by this in log space (x1.35): simulated moving
pig-seconds also include slow resting shifts and turns, and this makes the mixture match the real one
(checked by `models.sim.validate`)."""

POSTURES: tuple[str, ...] = ("stand", "sternal", "lateral", "sit")
"""Body postures: standing, lying on the belly, lying on the side, sitting on the haunches."""


class PenSimulation:
    """Simulates one pen from ``start_s`` (seconds after midnight of ``day``) at ``fps`` frames per second.

    Args:
        places: the pen's geometry and activity spots.
        lengths_m: N body lengths, metres.
        lame, sick: N severities 0-1 on this day.
        seed: behaviour seed (combined with day and start time).
        day: calendar day.
        start_s: seconds after midnight.
        fps: frames per second of the simulation.
    """

    def __init__(
        self,
        places: Places,
        *,
        lengths_m: np.ndarray,
        lame: np.ndarray,
        sick: np.ndarray,
        seed: int,
        day: int,
        start_s: float,
        fps: float,
    ) -> None:
        self.places = places
        self.dt = 1.0 / fps
        self.t = float(start_s)
        self.rng = np.random.default_rng([seed, day, int(round(start_s * 1000))])
        self.pigs = [
            PigState(length=float(length), lame=float(lm), sick=float(sk), pos=np.zeros(2), heading=0.0)
            for length, lm, sk in zip(lengths_m, lame, sick, strict=True)
        ]
        for index in range(len(self.pigs)):
            self._initialise(index)

    @property
    def hour(self) -> float:
        """Clock hour of the current instant (0-24)."""
        return (self.t / 3600.0) % 24.0

    def _initialise(self, index: int) -> None:
        """Place a pig somewhere plausible for a freshly drawn activity, part-way through its bout."""
        pig = self.pigs[index]
        pig.pos = self.places.random_point(self.rng, margin=0.35 * pig.length)
        pig.heading = float(self.rng.uniform(-math.pi, math.pi))
        self._start(index, choose_activity(self.rng, self.hour, lame=pig.lame, sick=pig.sick), teleport=True)
        pig.time_left *= float(self.rng.uniform(0.05, 1.0))

    def _start(self, index: int, activity: str, *, teleport: bool = False) -> None:
        """Begin ``activity``: find its place (walking there first unless ``teleport``)."""
        pig = self.pigs[index]
        pig.activity, pig.partner = activity, -1
        pig.time_left = bout_duration_s(self.rng, activity, hour=self.hour, sick=pig.sick, lame=pig.lame)
        spot = self._spot_for(index, activity)
        if spot is None:
            pig.activity = "idle"
            spot = (pig.pos.copy(), None)
        if teleport:
            pig.pos, pig.target = spot[0].copy(), None
            if spot[1] is not None:
                pig.heading = spot[1]
            self._settle(index)
            return
        pig.target, pig.target_heading = spot
        pig.walk_time = 0.0
        speed_bl = math.exp(
            CALIBRATION.moving_speed_log_mu
            + WALK_LOG_SPEED_SHIFT
            + CALIBRATION.moving_speed_log_sigma * self.rng.standard_normal()
        )
        if activity == "run":
            speed_bl = float(self.rng.uniform(0.9, 1.8))
        pig.walk_speed = float(np.clip(speed_bl, 0.06, 2.0)) * pig.length * (1.0 - 0.55 * pig.lame)

    def _spot_for(self, index: int, activity: str) -> tuple[np.ndarray, float | None] | None:
        """Where ``activity`` happens for pig ``index`` and which way it faces there (None: nowhere free)."""
        pig = self.pigs[index]
        others = [p.pos for i, p in enumerate(self.pigs) if i != index]
        if activity == "eat":
            return self.places.free_feeder_spot(self.rng, others, pig.length)
        if activity == "drink":
            return self.places.free_drinker_spot(others, pig.length)
        if activity == "play":
            return self.places.toy_spot(self.rng, pig.length)
        if activity == "rest":
            return self._rest_spot(index)
        if activity == "nose":
            return self._nose_spot(index)
        if activity in ("roam", "run"):
            return self._free_point(index), None
        return pig.pos.copy(), None

    def _free_point(self, index: int) -> np.ndarray:
        """A random place in the pen away from other pigs and their targets (a few tries)."""
        margin = 0.35 * self.pigs[index].length
        spot = self.places.random_point(self.rng, margin=margin)
        for _ in range(6):
            if self._clear(index, spot, 0.7):
                break
            spot = self.places.random_point(self.rng, margin=margin)
        return spot

    def _rest_spot(self, index: int) -> tuple[np.ndarray, float]:
        """A lying place, usually beside another resting pig (huddling), in the lying area."""
        pig = self.pigs[index]
        resting = [
            i for i, p in enumerate(self.pigs) if i != index and p.activity == "rest" and p.target is None
        ]
        for _ in range(8):
            if resting and self.rng.random() < 0.7:
                anchor = self.pigs[int(self.rng.choice(resting))]
                side = float(self.rng.choice([-1.0, 1.0]))
                gap = 0.22 * (anchor.length + pig.length) + float(self.rng.uniform(0.0, 0.15))
                normal = np.array([-math.sin(anchor.heading), math.cos(anchor.heading)])
                along = np.array([math.cos(anchor.heading), math.sin(anchor.heading)])
                spot = (
                    anchor.pos + side * gap * normal + along * float(self.rng.normal(0.0, 0.15)) * pig.length
                )
                heading = (
                    anchor.heading
                    + float(self.rng.normal(0.0, 0.25))
                    + (math.pi if self.rng.random() < 0.25 else 0.0)
                )
            else:
                spot = self.places.random_lying_point(self.rng, margin=0.35 * pig.length)
                heading = float(self.rng.uniform(-math.pi, math.pi))
            inside = self.places.in_lying_area(spot, margin=0.3 * pig.length)
            if inside and self._clear(index, spot, 0.3) and self._body_clear(index, spot, heading):
                return spot, heading
        return self.places.random_lying_point(self.rng, margin=0.35 * pig.length), float(
            self.rng.uniform(-math.pi, math.pi)
        )

    def _body_clear(self, index: int, spot: np.ndarray, heading: float) -> bool:
        """Whether pig ``index`` at ``spot`` facing ``heading`` would barely touch the other bodies."""
        others = [p for i, p in enumerate(self.pigs) if i != index]
        return bodies_clear(
            spot,
            heading,
            self.pigs[index].length,
            np.array([p.pos for p in others]).reshape(-1, 2),
            np.array([p.heading for p in others]),
            np.array([p.length for p in others]),
        )

    def _clear(self, index: int, spot: np.ndarray, min_bl: float) -> bool:
        """No other pig's centre (or walking target) within ``min_bl`` body lengths of ``spot``."""
        pig = self.pigs[index]
        for i, other in enumerate(self.pigs):
            if i == index:
                continue
            where = other.target if other.target is not None else other.pos
            if np.linalg.norm(where - spot) < min_bl * 0.5 * (pig.length + other.length):
                return False
        return True

    def _nose_spot(self, index: int) -> tuple[np.ndarray, float] | None:
        """In front of a standing partner, facing it; the partner turns to face back (None: nobody stands)."""
        pig = self.pigs[index]
        free = [
            i for i, p in enumerate(self.pigs) if i != index and p.activity == "idle" and p.target is None
        ]
        if not free:
            return None
        partner_index = int(self.rng.choice(free))
        partner = self.pigs[partner_index]
        ahead = np.array([math.cos(partner.heading), math.sin(partner.heading)])
        spot = partner.pos + ahead * 0.5 * (partner.length + pig.length) * 0.92
        spot = self.places.clamp(spot, margin=0.3 * pig.length)
        pig.partner = partner_index
        return spot, partner.heading + math.pi

    def _settle(self, index: int) -> None:
        """Arrived: take the activity's posture and label."""
        pig = self.pigs[index]
        pig.target, pig.speed = None, 0.0
        if pig.activity == "rest":
            asleep = self.rng.random() < sleep_probability(self.hour, sick=pig.sick)
            pig.label = "sleep" if asleep else "lying"
            lateral = self.rng.random() < (0.8 if asleep else 0.3)
            pig.posture = POSTURES.index("lateral" if lateral else "sternal")
            pig.side = float(self.rng.choice([-1.0, 1.0]))
            pig.shuffle_in = shuffle_interval(self.rng)
        else:
            pig.label = ACTIVITY_LABEL[pig.activity]
            pig.posture = POSTURES.index("sit" if pig.activity == "sit" else "stand")
        if pig.activity == "nose" and pig.partner >= 0:
            self._engage_partner(index)

    def _engage_partner(self, index: int) -> None:
        """Turn the partner towards the initiator; both are labelled nose-to-nose for the same time."""
        pig, partner = self.pigs[index], self.pigs[self.pigs[index].partner]
        if partner.activity != "idle" or partner.target is not None:
            pig.label, pig.activity = "standing", "idle"
            return
        delta = pig.pos - partner.pos
        partner.heading = math.atan2(delta[1], delta[0])
        partner.activity, partner.label, partner.partner = "nose", "nose-to-nose", index
        partner.time_left = pig.time_left

    def step(self) -> PenSnapshot:
        """Advance one frame and return the new state."""
        for index in range(len(self.pigs)):
            self._step_pig(index)
        self._separate()
        self.t += self.dt
        return self.snapshot()

    def _step_pig(self, index: int) -> None:
        pig = self.pigs[index]
        if pig.target is not None:
            if walk_step(pig, self.dt):
                self._arrive(index)
            return
        pig.time_left -= self.dt
        if pig.activity == "rest":
            rest_shuffle_step(pig, self.dt, self.rng, self.places)
        else:
            fidget_step(pig, self.dt)
        if pig.time_left <= 0.0:
            self._finish(index)

    def _finish(self, index: int) -> None:
        """End the current bout and start the next (a partner left behind goes back to idling)."""
        pig = self.pigs[index]
        if pig.activity == "nose" and 0 <= pig.partner < len(self.pigs):
            partner = self.pigs[pig.partner]
            if partner.activity == "nose":
                partner.activity, partner.label, partner.time_left = "idle", "standing", 3.0
        self._start(index, choose_activity(self.rng, self.hour, lame=pig.lame, sick=pig.sick))

    def _arrive(self, index: int) -> None:
        pig = self.pigs[index]
        if pig.activity == "roam":
            pig.activity = "idle"
        if pig.activity == "run":
            pig.activity = "idle"
            pig.time_left = float(self.rng.uniform(2.0, 8.0))
        self._settle(index)

    def _separate(self) -> None:
        """Push walking pigs (fully) and standing or sitting pigs (gently) out of other pigs' bodies, each
        body approximated by three circles along its spine (`gait.body_circles`)."""
        circles = body_circles(
            np.array([p.pos for p in self.pigs]),
            np.array([p.heading for p in self.pigs]),
            np.array([p.length for p in self.pigs]),
        )
        radii = np.array([BODY_RADIUS_BL * p.length for p in self.pigs])
        for i, pig in enumerate(self.pigs):
            if pig.target is None and pig.activity not in ("idle", "sit"):
                continue
            near_target = pig.target is not None and np.linalg.norm(pig.target - pig.pos) < 0.6 * pig.length
            scale = 0.6 if near_target else 1.0
            push = 0.5 if pig.target is not None else 0.1
            pig.pos = pig.pos + push * overlap_push(i, circles, radii * scale)
            pig.pos = self.places.clamp(pig.pos, margin=0.3 * pig.length)

    def snapshot(self) -> PenSnapshot:
        """Current state as plain arrays."""
        pigs = self.pigs
        return PenSnapshot(
            positions=np.array([p.pos for p in pigs], dtype=np.float64).reshape(-1, 2),
            headings=np.array([p.heading for p in pigs], dtype=np.float64),
            postures=np.array([p.posture for p in pigs], dtype=np.int64),
            behaviours=[p.label for p in pigs],
            speeds=np.array([p.speed for p in pigs], dtype=np.float64),
            bends=np.array([p.bend for p in pigs], dtype=np.float64),
            gait_phases=np.array([p.phase for p in pigs], dtype=np.float64),
            lying_sides=np.array([p.side for p in pigs], dtype=np.float64),
        )
