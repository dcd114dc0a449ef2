"""``pigwatch reid``: run re-identification on a stored chunk, show and prune animals' pools."""

from __future__ import annotations

from typing import Annotated

import typer

reid_app = typer.Typer(help="Re-identification against the pgvector pools.", no_args_is_help=True)


def _session_factory():  # type: ignore[no-untyped-def]
    from app.cli_support import database_url, load_settings
    from app.db import make_engine, make_session_factory

    return make_session_factory(make_engine(database_url(load_settings())))


@reid_app.command("assign")
def assign(chunk_id: Annotated[int, typer.Argument(help="Chunk with stored tracks and embeddings.")]) -> None:
    """Assign a chunk's tracks to its pen's animals (same as the worker's hook) and commit."""
    from rich.console import Console
    from rich.table import Table

    from app.cli_support import fail
    from app.db import session_scope
    from app.errors import NotFoundError
    from app.identity.service import assign_chunk_identities

    try:
        with session_scope(_session_factory()) as session:
            decisions = assign_chunk_identities(session, chunk_id)
    except NotFoundError as err:
        fail(err.message)
    table = Table("track", "animal", "candidate", "similarity", "margin", "confidence", "band", "new")
    for d in decisions:
        numbers = [f"{d.similarity:.3f}", f"{d.margin:.3f}", f"{d.confidence:.2f}"]
        new = "yes" if d.new_animal else ""
        table.add_row(str(d.key), str(d.animal_id), str(d.candidate_animal_id), *numbers, d.band, new)
    Console().print(table)


@reid_app.command("pool")
def pool(
    animal_id: Annotated[int, typer.Argument(help="Animal whose pool to show.")],
    prune: Annotated[bool, typer.Option(help="Drop the most redundant entries until under budget.")] = False,
) -> None:
    """Pool size and estimated storage of one animal (halfvec) against the default budget."""
    from app.db import session_scope
    from app.identity import repository
    from app.identity.service import prune_pool
    from models.reid.pool import PoolPolicy

    policy = PoolPolicy()
    with session_scope(_session_factory()) as session:
        dropped = prune_pool(session, animal_id, policy) if prune else 0
        size = repository.pool_size(session, animal_id)
    megabytes = size * policy.bytes_per_entry / 1e6
    typer.echo(f"animal {animal_id}: {size:,} pool entries, ~{megabytes:.2f} MB "
               f"(budget {policy.budget_bytes / 1e6:g} MB = {policy.capacity:,} entries); dropped {dropped}")


def register(app: typer.Typer) -> None:
    """Add the ``reid`` group to the root app."""
    app.add_typer(reid_app, name="reid")
