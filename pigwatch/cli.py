"""The `pigwatch` command line.

Commands live in `pigwatch/commands/*.py`; every module there defines ``register(app)``, which adds its
commands (or a sub-group) to the root Typer app. Modules are registered in name order.
"""

from __future__ import annotations

import importlib
import pkgutil

import typer

import pigwatch.commands as commands_pkg

app = typer.Typer(
    name="pigwatch",
    help="Watch pig pens on camera and keep an individual, longitudinal record of every animal.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


def _register_commands(root: typer.Typer) -> None:
    """Import every module of `pigwatch.commands` and let it add its commands to ``root``."""
    for info in sorted(pkgutil.iter_modules(commands_pkg.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{commands_pkg.__name__}.{info.name}")
        module.register(root)


_register_commands(app)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
