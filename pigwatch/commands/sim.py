"""``pigwatch sim``: list scenarios, render simulated pen clips with ground truth, fit motion to real tracks.

Simulator code lives in `models.sim`; this module only reads arguments, calls it and prints.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

sim_app = typer.Typer(
    help="Procedural pen simulator: scenarios, clips with exact ground truth, calibration.",
    no_args_is_help=True,
)

SetOpt = Annotated[str, typer.Option("--set", help="Scenario set: train, val, test or long.")]


def _fail(message: str) -> typer.Exit:
    from rich.console import Console

    Console(stderr=True).print(f"[red]error:[/red] {message}")
    return typer.Exit(code=2)


def _configs(set_name: str, index: int | None) -> list:
    from models.sim.scenario import scenario_set

    try:
        configs = scenario_set(set_name)
    except ValueError as err:
        raise _fail(str(err)) from None
    if index is None:
        return configs
    if not 0 <= index < len(configs):
        raise _fail(f"--scenario must be 0-{len(configs) - 1} for set {set_name!r}, got {index}")
    return [configs[index]]


@sim_app.command("scenario")
def scenario(
    set_name: SetOpt = "train",
    index: Annotated[int | None, typer.Option("--scenario", help="Only this scenario of the set.")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the manifest(s) here.")] = None,
) -> None:
    """Show the scenarios of a set: pigs, pen, days, health events."""
    import json

    from rich.console import Console
    from rich.table import Table

    from models.sim.scenario import Scenario
    from models.sim.writer import scenario_manifest

    table = Table("name", "seed", "pigs", "pen (m)", "days", "lookalikes", "health events")
    manifests = []
    for cfg in _configs(set_name, index):
        sc = Scenario.from_config(cfg)
        events = ", ".join(
            f"pig {sc.pigs[e.pig_index].pig_id} {e.condition} from day {e.onset_day}"
            for e in cfg.health_events
        )
        table.add_row(
            cfg.name,
            str(cfg.seed),
            str(cfg.n_pigs),
            f"{sc.pen_size_m[0]} x {sc.pen_size_m[1]}",
            f"{sc.days.start}-{sc.days.stop - 1}",
            f"{cfg.lookalike_fraction:.2f}",
            events or "-",
        )
        manifests.append(scenario_manifest(sc, width=cfg.width, height=cfg.height))
    Console().print(table)
    if json_out is not None:
        json_out.write_text(json.dumps(manifests, indent=1))
        Console().print(f"wrote {json_out}")


@sim_app.command("render")
def render(
    out: Annotated[Path, typer.Option("--out", help="Output folder; one sub-folder per clip.")],
    set_name: SetOpt = "test",
    index: Annotated[int | None, typer.Option("--scenario", help="Only this scenario of the set.")] = None,
    days: Annotated[int, typer.Option(min=1, help="Clips per scenario, on days spread over its span.")] = 1,
    start: Annotated[float, typer.Option(help="Clip start, hours after midnight (e.g. 8.5).")] = 8.0,
    duration: Annotated[float, typer.Option(min=0.1, help="Clip length, seconds.")] = 60.0,
    width: Annotated[int, typer.Option(min=32)] = 1280,
    height: Annotated[int, typer.Option(min=32)] = 720,
    fps: Annotated[float, typer.Option(min=0.5)] = 6.0,
    keyframe_step: Annotated[int, typer.Option(min=1, help="Frames between output.json keyframes.")] = 3,
) -> None:
    """Render clips (mp4, gt.txt, masks.npz, output.json, manifest.json) for a scenario set."""
    from rich.console import Console
    from rich.progress import Progress

    from models.sim.scenario import Scenario
    from models.sim.writer import render_clip

    if not 0.0 <= start < 24.0:
        raise _fail(f"--start must be an hour in [0, 24), got {start}")
    if width % 2 or height % 2:
        raise _fail(f"--width and --height must be even for H.264 video, got {width}x{height}")
    jobs = []
    for cfg in _configs(set_name, index):
        sc = Scenario.from_config(cfg)
        span = list(sc.days)
        picks = sorted({span[round(k * (len(span) - 1) / max(days - 1, 1))] for k in range(days)})
        jobs += [(sc, day) for day in picks]
    n_frames = int(round(duration * fps))
    with Progress() as progress:
        overall = progress.add_task("clips", total=len(jobs))
        for sc, day in jobs:
            clip_dir = out / sc.config.name / f"day{day:04d}_{int(start * 3600):05d}s"
            task = progress.add_task(f"{sc.config.name} day {day}", total=n_frames)
            render_clip(
                sc,
                clip_dir,
                day=day,
                start_s=start * 3600.0,
                duration_s=duration,
                width=width,
                height=height,
                fps=fps,
                keyframe_step=keyframe_step,
                on_frame=_advancer(progress, task),
            )
            progress.advance(overall)
    Console().print(f"wrote {len(jobs)} clip(s) under {out}")


@sim_app.command("snapshot")
def snapshot(
    out: Annotated[Path, typer.Option("--out", help="PNG file to write.")],
    set_name: SetOpt = "test",
    index: Annotated[int, typer.Option("--scenario", help="Scenario of the set.")] = 0,
    day_offset: Annotated[int, typer.Option(min=0, help="Day, counted from the scenario's first.")] = 1,
    hour: Annotated[float, typer.Option(help="Clock hour of the clip start (0-24).")] = 16.5,
    second: Annotated[float, typer.Option(min=0.0, help="Seconds into the clip of the frame.")] = 20.0,
    width: Annotated[int, typer.Option(min=32)] = 1280,
    height: Annotated[int, typer.Option(min=32)] = 720,
) -> None:
    """Write one rendered frame as a PNG (e.g. for docs/img)."""
    from collections import deque

    import cv2
    from rich.console import Console

    from models.sim.render import generate
    from models.sim.scenario import Scenario

    sc = Scenario.from_config(_configs(set_name, index)[0])
    if day_offset >= sc.config.n_days or not 0.0 <= hour < 24.0:
        raise _fail(f"--day-offset must be < {sc.config.n_days} and --hour in [0, 24)")
    frames = generate(
        sc,
        day=sc.days.start + day_offset,
        start_s=hour * 3600.0,
        duration_s=second + 1 / 6,
        width=width,
        height=height,
        fps=6.0,
    )
    frame = deque(frames, maxlen=1)[0]
    out.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(out), cv2.cvtColor(frame.image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, 9])
    labels = ", ".join(f"{i}:{b}" for i, b in zip(frame.ids.tolist(), frame.behaviours, strict=True))
    Console().print(
        f"wrote {out} ({sc.config.name}, day {frame.day}, {frame.clock_s / 3600:.3f} h): {labels}"
    )


@sim_app.command("calibrate")
def calibrate(
    tracks: Annotated[
        Path | None, typer.Option(help="Real MOT-like track file (default: shared pig-tracks).")
    ] = None,
    fps: Annotated[float, typer.Option(min=0.1, help="Frame rate assumed for the track file.")] = 25.0,
    compare: Annotated[
        bool, typer.Option(help="Also compare the simulator's motion with the real one.")
    ] = True,
) -> None:
    """Fit the simulator's motion parameters (speeds, still bouts, neighbour distances) to real tracks."""
    from rich.console import Console

    from models.sim.calibration import CALIBRATION, fit_calibration, real_track_stats

    path = tracks or default_track_file()
    if not path.is_file():
        raise _fail(f"track file not found: {path} (set PIGWATCH_SHARED_DATA or pass --tracks)")
    real = real_track_stats(path, fps=fps)
    fitted = fit_calibration(real, fps=fps)
    console = Console()
    console.print("fitted on", str(path))
    for key, value in fitted.to_dict().items():
        console.print(f"  {key} = {value}   (in code: {CALIBRATION.to_dict()[key]})")
    if compare:
        from models.sim.validate import BOUNDS, compare_stats, simulated_track_stats

        with console.status("simulating 2 pens x 5 stretches of 10 minutes"):
            distances = compare_stats(real, simulated_track_stats(seeds=(11, 12)))
        console.print("simulator vs real (distance, bound):")
        for key, value in distances.items():
            console.print(f"  {key} = {value:.4f}   (bound {BOUNDS[key]})")


def _advancer(progress: Any, task: Any) -> Callable[[int], None]:
    """A per-frame callback advancing ``task`` of a rich ``progress`` by one."""

    def advance(_index: int) -> None:
        progress.advance(task)

    return advance


def default_track_file() -> Path:
    """``$PIGWATCH_SHARED_DATA/pig-tracks/pen-9pigs-45000frames.txt`` (default root ../shared/data)."""
    root = os.environ.get("PIGWATCH_SHARED_DATA")
    base = Path(root) if root else Path(__file__).resolve().parents[2].parent / "shared" / "data"
    return base / "pig-tracks" / "pen-9pigs-45000frames.txt"


def register(app: typer.Typer) -> None:
    """Add the ``sim`` group to the root CLI."""
    app.add_typer(sim_app, name="sim")
