"""Whole-pipeline speed: the shipped model bundle over a simulated pen recording.

Renders a clip of a `test` scenario in memory (rendering is not timed), then times
`models.pipeline.default.DefaultProcessor.process` (lite tracker at ``--analysis-fps``, embedder once a
second per track, behaviour and zone visits) and prints seconds, the real-time factor and peak RSS.

    python bench/pipeline_speed.py --seconds 20 --width 1280 --height 720 --fps 6
"""

from __future__ import annotations

import argparse
import resource
import time

from models.pipeline.default import PipelineConfig, build_processor
from models.pipeline.processor import ChunkContext
from models.pipeline.types import Frame
from models.sim.render import generate
from models.sim.scenario import Scenario, scenario_set


def render_frames(
    seconds: float, width: int, height: int, fps: float, scenario_index: int
) -> tuple[list[Frame], int]:
    """The clip's frames (HxWx3 uint8 RGB) and its number of pigs."""
    scenario = Scenario.from_config(scenario_set("test")[scenario_index])
    frames = [
        Frame(f.index, f.t_seconds, f.image)
        for f in generate(
            scenario,
            day=scenario.days[0],
            start_s=9 * 3600,
            duration_s=seconds,
            width=width,
            height=height,
            fps=fps,
        )
    ]
    return frames, len(scenario.pigs)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=720)
    parser.add_argument("--fps", type=float, default=6.0)
    parser.add_argument("--analysis-fps", type=float, default=3.0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--scenario", type=int, default=0)
    args = parser.parse_args()

    frames, n_pigs = render_frames(args.seconds, args.width, args.height, args.fps, args.scenario)
    processor = build_processor(config=PipelineConfig(analysis_fps=args.analysis_fps), threads=args.threads)
    context = ChunkContext(
        fps=args.fps,
        width=args.width,
        height=args.height,
        start_s=0.0,
        end_s=args.seconds,
        clock_start_s=9 * 3600.0,
    )
    start, cpu_start = time.perf_counter(), time.process_time()
    result = processor.process(iter(frames), context=context, on_progress=lambda _: None)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"input: {args.seconds:.0f} s of {args.width}x{args.height} at {args.fps:g} fps, {n_pigs} pigs")
    print(
        f"analysed frames: {result.frames_analysed} ({args.analysis_fps:g}/s); tracks: {len(result.tracks)}; "
        f"embeddings: {sum(len(t.embeddings) for t in result.tracks)}; bouts: {len(result.behaviours)}"
    )
    print(
        f"pipeline: {elapsed:.2f} s wall, {args.seconds / elapsed:.2f}x real time; {cpu:.2f} CPU-s "
        f"({args.seconds / cpu:.2f}x real time per busy core); "
        f"peak RSS {peak_mib:.0f} MiB"
    )


if __name__ == "__main__":
    main()
