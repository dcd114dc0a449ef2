"""``pigwatch distill``: distil SAM 3's ViT into the TinyViT student (see docs/distillation.md)."""

from __future__ import annotations

from pathlib import Path

import typer


def _fail(message: str) -> None:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=1)


def distill(
    teacher: Path = typer.Option(..., "--teacher", help="SAM 3 checkpoint directory."),
    images: Path = typer.Option(..., "--images", help="Directory of training images (jpg/png)."),
    out: Path = typer.Option(..., "--out", help="Run directory (checkpoints, metrics)."),
    student_variant: str = typer.Option("tiny_vit_21m_512", help="TinyViT trunk of the student."),
    level_channels: int = typer.Option(256, help="Channels of each trunk level in the fusion head."),
    epochs: int = typer.Option(10, min=1, help="Epochs to train (in total, when resuming)."),
    batch_size: int = typer.Option(4, min=1, help="Images per step."),
    cache: Path | None = typer.Option(None, help="Teacher-map cache (default OUT/teacher-cache)."),
    resume: bool = typer.Option(False, "--resume", help="Continue from OUT/last.pt."),
    trunk_weights: Path | None = typer.Option(None, help="timm TinyViT checkpoint to start the trunk from."),
    device: str = typer.Option("cpu", help="torch device, e.g. cpu or cuda."),
    seed: int = typer.Option(0, help="Random seed."),
) -> None:
    """Train the student to imitate SAM 3's ViT output map with the four-term direction-then-scale loss."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from models.nn.sam3_teacher import TeacherLoadError, load_sam3_teacher
    from models.nn.student import StudentConfig
    from models.nn.tinyvit import VARIANTS
    from models.train.distill import DistillConfig, run_distillation

    if student_variant.removesuffix("_224") not in VARIANTS:
        _fail(f"unknown --student-variant {student_variant!r}; choose from {sorted(VARIANTS)}")
    try:
        sam3 = load_sam3_teacher(teacher, device=device)
    except TeacherLoadError as exc:
        _fail(str(exc))
    student = StudentConfig(trunk=student_variant, img_size=sam3.image_size, out_size=sam3.map_size,
                            level_channels=level_channels, out_channels=sam3.hidden_size)
    config = DistillConfig(student=student, epochs=epochs, batch_size=batch_size, seed=seed)
    with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn()) as progress:
        task = progress.add_task("distilling", total=None)
        try:
            history = run_distillation(
                sam3.encode_unit, images, out, config, cache_dir=cache or out / "teacher-cache",
                resume=resume, device=device, trunk_weights=trunk_weights,
                on_step=lambda done, total: progress.update(task, completed=done, total=total),
            )
        except (FileNotFoundError, ValueError) as exc:  # includes CheckpointMismatchError
            _fail(str(exc))
    for row in history:
        typer.echo(f"epoch {int(row['epoch'])}: loss {row['loss']:.4f}  "
                   f"feature cosine {row['feature_cosine']:.3f}  scale ratio {row['scale_ratio']:.3f}")
    typer.echo(f"EMA student weights: {out / 'ema.pt'} (config: {out / 'config.json'})")


def register(app: typer.Typer) -> None:
    """Add ``distill`` to the root app."""
    app.command("distill")(distill)
