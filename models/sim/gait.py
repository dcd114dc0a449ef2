"""One pig's movement between decisions: walking to a target, resting shifts, fidgeting in place.

Pen metres and seconds; headings in radians (0 = +x, pi/2 = +y). Functions update a `PigState` in place.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from models.sim.calibration import CALIBRATION
from models.sim.places import Places

MAX_TURN_RAD_S = 2.0
"""Fastest turn of a walking pig, radians per second."""

BODY_RADIUS_BL = 0.14
"""Radius of each of the three circles approximating a body for collisions, body lengths."""

SPINE_CIRCLES_BL = (-0.3, 0.0, 0.3)
"""Positions of those circles along the spine, body lengths from the centre."""

SHUFFLE_LOG_INTERVAL_SHIFT = 0.3
"""Resting shifts come every still bout of the real lognormal shifted by this in log space (x1.35): a shift
of 1-3 s also contains slow seconds, so real still bouts are a little shorter than the gaps between shifts."""

FIDGET_BEND: dict[str, float] = {"eat": 0.12, "drink": 0.08, "play": 0.3, "nose": 0.1}
"""Amplitude of the head/spine swing while doing each activity in place (bend units, see `PenSnapshot`)."""


@dataclass
class PigState:
    """Mutable simulation state of one pig (metres, seconds, radians).

    Attributes:
        length: body length, m. lame, sick: severities 0-1. pos: 2 float64 centre, m. heading: radians.
        activity: one of `models.sim.activities.ACTIVITIES`; time_left: s left of the bout.
        target, target_heading: where the pig walks to and which way it will face there (None: in place).
        walk_speed: m/s of the current walk; walk_time: s spent walking to the target.
        posture: index into `models.sim.motion.POSTURES`; label: behaviour label; speed: m/s now.
        bend: spine curvature x body length; phase: stride/fidget phase, rad; side: flank down when lateral.
        partner: index of the nose-to-nose partner or -1; shuffle_*: the resting shift in progress.
    """

    length: float
    lame: float
    sick: float
    pos: np.ndarray
    heading: float
    activity: str = "idle"
    time_left: float = 0.0
    target: np.ndarray | None = None
    target_heading: float | None = None
    walk_speed: float = 0.0
    walk_time: float = 0.0
    posture: int = 0
    label: str = "standing"
    speed: float = 0.0
    bend: float = 0.0
    phase: float = 0.0
    side: float = 1.0
    partner: int = -1
    shuffle_in: float = 10.0
    shuffle_left: float = 0.0
    shuffle_half: float = 0.0
    shuffle_vec: np.ndarray | None = None


@dataclass
class PenSnapshot:
    """State of all N pigs at one instant (pen metres, radians).

    Attributes:
        positions: Nx2 float64 body centres (x, y) in metres.
        headings: N float64 body direction, radians (0 = +x, pi/2 = +y i.e. down the image).
        postures: N int64 indices into `models.sim.motion.POSTURES`.
        behaviours: N behaviour labels (the nine classes).
        speeds: N float64 m/s.
        bends: N float64 spine curvature times body length (dimensionless, + bends towards +heading angle).
        gait_phases: N float64 radians of the stride cycle.
        lying_sides: N float64 +1/-1, which flank is down when lying laterally.
    """

    positions: np.ndarray
    headings: np.ndarray
    postures: np.ndarray
    behaviours: list[str]
    speeds: np.ndarray
    bends: np.ndarray
    gait_phases: np.ndarray
    lying_sides: np.ndarray


def shuffle_interval(rng: np.random.Generator) -> float:
    """Seconds until a resting pig next shifts a little (calibrated still-bout lengths)."""
    return float(
        math.exp(
            CALIBRATION.still_bout_log_mu
            + SHUFFLE_LOG_INTERVAL_SHIFT
            + CALIBRATION.still_bout_log_sigma * rng.standard_normal()
        )
    )


def rest_shuffle_step(pig: PigState, dt: float, rng: np.random.Generator, places: Places) -> None:
    """Resting pigs now and then shift a little and settle back (as real resting pigs do)."""
    pig.speed, pig.bend = 0.0, pig.bend * 0.9
    if pig.shuffle_left > 0.0 and pig.shuffle_vec is not None:
        pig.pos = places.clamp(pig.pos + pig.shuffle_vec * dt, margin=0.3 * pig.length)
        pig.speed = float(np.linalg.norm(pig.shuffle_vec))
        half = pig.shuffle_left > pig.shuffle_half
        pig.shuffle_left -= dt
        if half and pig.shuffle_left <= pig.shuffle_half:
            pig.shuffle_vec = -pig.shuffle_vec
        return
    pig.shuffle_in -= dt
    if pig.shuffle_in <= 0.0:
        duration = float(rng.uniform(1.0, 3.0))
        distance = float(rng.uniform(0.2, 0.5)) * pig.length
        angle = float(rng.uniform(-math.pi, math.pi))
        pig.shuffle_vec = np.array([math.cos(angle), math.sin(angle)]) * distance / duration
        pig.shuffle_left, pig.shuffle_half = duration, 0.5 * duration
        pig.shuffle_in = shuffle_interval(rng)
        pig.heading += float(rng.normal(0.0, 0.15))


def fidget_step(pig: PigState, dt: float) -> None:
    """In place: the head and spine swing gently while eating, drinking, playing or nosing; else relax."""
    pig.speed = 0.0
    amplitude = FIDGET_BEND.get(pig.activity, 0.0)
    if amplitude:
        pig.phase += dt * (5.0 if pig.activity == "play" else 3.0)
        pig.bend = amplitude * math.sin(pig.phase)
    else:
        pig.bend *= 0.9


def _turn_towards(pig: PigState, wanted: float, dt: float) -> tuple[float, float]:
    """Turn the heading towards ``wanted`` at the limited rate; returns (remaining error, turn made), rad."""
    error = (wanted - pig.heading + math.pi) % (2 * math.pi) - math.pi
    turn = float(np.clip(error, -MAX_TURN_RAD_S * dt, MAX_TURN_RAD_S * dt))
    pig.heading += turn
    return error, turn


def walk_step(pig: PigState, dt: float) -> bool:
    """Move towards the target: turn (limited rate), stride (bending spine), uneven when lame; at the target,
    turn in place to the target heading. Returns True once arrived (or after 60 s of trying)."""
    assert pig.target is not None
    pig.posture, pig.walk_time = 0, pig.walk_time + dt
    pig.label = "run" if pig.activity == "run" else "standing"
    delta = pig.target - pig.pos
    distance = float(np.linalg.norm(delta))
    if distance < 0.05 or pig.walk_time > 60.0:
        pig.speed, pig.bend = 0.0, pig.bend * 0.8
        if pig.target_heading is None or pig.walk_time > 60.0:
            return True
        error, _ = _turn_towards(pig, pig.target_heading, dt)
        return abs(error) < 0.15
    error, turn = _turn_towards(pig, math.atan2(delta[1], delta[0]), dt)
    speed = pig.walk_speed * (0.35 if abs(error) > 1.0 else 1.0)
    pig.phase += dt * 2.0 * math.pi * (1.2 + 1.5 * speed / pig.length)
    if pig.lame > 0.0:
        speed *= 1.0 - 0.7 * pig.lame * max(0.0, math.sin(pig.phase))
    pig.speed = speed = min(speed, distance / dt)
    pig.pos = pig.pos + speed * dt * np.array([math.cos(pig.heading), math.sin(pig.heading)])
    wiggle = (0.25 + 0.45 * pig.lame) * math.sin(pig.phase) * min(1.0, speed / (0.3 * pig.length) + 0.2)
    pig.bend = float(np.clip(turn / dt / max(speed / pig.length, 0.3) * 0.5 + wiggle, -1.2, 1.2))
    return False


def body_circles(positions: np.ndarray, headings: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Centres of the collision circles of N bodies: Nx3x2 float64, metres.

    Args:
        positions: Nx2 body centres, m. headings: N radians. lengths: N body lengths, m.
    """
    along = np.stack([np.cos(headings), np.sin(headings)], axis=1)
    offsets = np.asarray(SPINE_CIRCLES_BL)[None, :, None] * lengths[:, None, None] * along[:, None, :]
    return positions[:, None, :] + offsets


def overlap_push(index: int, circles: np.ndarray, radii: np.ndarray) -> np.ndarray:
    """Displacement (2 float64, m) that moves body ``index`` out of every other body it overlaps.

    Args:
        index: the body to move.
        circles: Nx3x2 circle centres from `body_circles`.
        radii: N circle radii, m.
    """
    diff = circles[index][None, :, None, :] - circles[:, None, :, :]  # N x 3 x 3 x 2
    dist = np.linalg.norm(diff, axis=3)
    depth = (radii[index] + radii)[:, None, None] - dist
    depth[index] = -np.inf
    flat = depth.reshape(len(radii), -1)
    best = flat.argmax(axis=1)
    push = np.zeros(2)
    for j in np.flatnonzero(flat[np.arange(len(radii)), best] > 0):
        k, m = divmod(int(best[j]), 3)
        d = diff[j, k, m]
        norm = float(np.linalg.norm(d))
        direction = d / norm if norm > 1e-9 else np.array([1.0, 0.0])
        push += direction * float(flat[j, best[j]])
    return push


def bodies_clear(
    spot: np.ndarray,
    heading: float,
    length: float,
    positions: np.ndarray,
    headings: np.ndarray,
    lengths: np.ndarray,
) -> bool:
    """Whether a body at ``spot`` (m) facing ``heading`` (rad) of ``length`` (m) overlaps none of the N bodies
    given (Nx2 m, N rad, N m) by more than 0.04 of its length (three-circle bodies)."""
    if len(positions) == 0:
        return True
    mine = body_circles(spot[None], np.array([heading]), np.array([length]))[0]
    theirs = body_circles(positions, headings, lengths)
    radii = BODY_RADIUS_BL * (lengths + length)
    dist = np.linalg.norm(mine[None, :, None, :] - theirs[:, None, :, :], axis=3)
    return bool(np.all(radii[:, None, None] - dist < 0.04 * length))
