"""Simulator speed: seconds to render a 1-minute clip (in memory), at several frame sizes, on one core.

Usage: .venv/bin/python bench/sim_speed.py [--set test] [--scenario 0] [--seconds 60]
Prints wall time per clip, per frame and setup (background + textures), and the process's CPU time (less
sensitive to other load on a shared machine), for 1280x720, 640x360 and 320x180 at 6 fps.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")


def main() -> None:
    import cv2

    from models.sim.render import generate
    from models.sim.scenario import Scenario, scenario_set

    cv2.setNumThreads(1)
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--set", default="test")
    parser.add_argument("--scenario", type=int, default=0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--start-hour", type=float, default=8.0)
    args = parser.parse_args()
    sc = Scenario.from_config(scenario_set(args.set)[args.scenario])
    print(f"scenario {sc.config.name}: {len(sc.pigs)} pigs, {args.seconds:.0f} s at 6 fps, one thread")
    for width, height in ((1280, 720), (640, 360), (320, 180)):
        start, cpu_start = time.perf_counter(), time.process_time()
        frames = generate(
            sc,
            day=sc.days.start,
            start_s=args.start_hour * 3600,
            duration_s=args.seconds,
            width=width,
            height=height,
            fps=6.0,
        )
        first = next(frames)
        setup = time.perf_counter() - start
        count = 1 + sum(1 for _ in frames)
        total = time.perf_counter() - start
        cpu = time.process_time() - cpu_start
        print(
            f"{width}x{height}: {total:6.2f} s per clip of {count} frames "
            f"({1000 * (total - setup) / max(count - 1, 1):5.1f} ms/frame after {setup:.2f} s setup; "
            f"{cpu:6.2f} s of CPU time)"
            f"{'' if first.image.shape == (height, width, 3) else ' WRONG SHAPE'}"
        )


if __name__ == "__main__":
    main()
