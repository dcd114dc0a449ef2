"""``pigwatch user create``: add a user (e.g. the first admin) from the command line."""

from __future__ import annotations

import typer

user_app = typer.Typer(help="Users of the web app and API.", no_args_is_help=True)


@user_app.command("create")
def create(
    email: str = typer.Option(..., "--email", help="Sign-in email (stored lower-case)."),
    role: str = typer.Option(..., "--role", help="admin, manager, vet or viewer."),
    name: str = typer.Option(None, "--name", help="Display name."),
    password: str = typer.Option(
        None, "--password", help="Password (at least 8 characters); prompted for when omitted."
    ),
) -> None:
    """Create a user with a hashed password."""
    from pydantic import ValidationError

    from app.auth.schemas import UserCreate
    from app.cli_support import fail

    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        data = UserCreate(email=email, role=role, name=name, password=password)  # type: ignore[arg-type]
    except ValidationError as exc:
        fail("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()), code=2)
    user_id = _insert_user(data)
    typer.echo(f"created {data.role} {data.email} (id {user_id})")


def _insert_user(data: object) -> int:
    """Insert the user in one transaction; a readable error when the email is taken or tables are missing."""
    from sqlalchemy.exc import ProgrammingError

    from app.auth.service import create_user
    from app.cli_support import database_url, fail, load_settings
    from app.db import make_engine, make_session_factory, session_scope
    from app.errors import ConflictError

    engine = make_engine(database_url(load_settings()))
    try:
        with session_scope(make_session_factory(engine)) as session:
            return create_user(session, data).id  # type: ignore[arg-type]
    except ConflictError as exc:
        fail(exc.message)
    except ProgrammingError:
        fail("the database has no users table; run `pigwatch db upgrade` first")
    finally:
        engine.dispose()


def register(app: typer.Typer) -> None:
    """Add the ``user`` command group."""
    app.add_typer(user_app, name="user")
