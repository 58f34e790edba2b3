"""The ``taxgate`` command: a thin layer over the stage packages.

User mistakes (``TaxgateError``, and command-line mistakes Typer finds) print one line on
stderr and exit non-zero; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import sys
from functools import cache
from importlib import import_module
from typing import Any

import typer

from taxgate.errors import TaxgateError

HELP = (
    "Decide, record by record, whether federal tax information may lawfully leave the "
    "agency, and prove it afterwards.\n\n"
    "Example: `taxgate world generate --taxpayers 100000 --seed 7 --out world/`"
)
# name: (module in taxgate.cli, its attribute). A group's attribute is its Typer app.
GROUPS = {
    "world": ("world", "app"),
    "intake": ("intake", "app"),
    "identity": ("identity", "app"),
    "orders": ("orders", "app"),
    "ledger": ("ledger", "app"),
    "release": ("release", "app"),
    "review": ("review", "app"),
    "remedies": ("remedies", "app"),
    "serve": ("serve", "app"),
    "report": ("report", "app"),
}
COMMANDS = {
    "decide": ("decide", "decide_command"),
    "demo": ("demo", "demo"),
    "bench": ("bench", "bench"),
}


def build_app(names: tuple[str, ...] = ()) -> typer.Typer:
    """The command with the named subcommands (all of them when none are named).

    A command imports only its own module: the stages behind ``decide`` load Splink, DuckDB
    and pandas (seconds of start-up), which ``remedies status`` or ``ledger head`` never need.
    """
    app = typer.Typer(
        name="taxgate", no_args_is_help=True, add_completion=False, rich_markup_mode="markdown"
    )
    # A callback keeps taxgate a group even when one subcommand is loaded.
    app.callback(help=HELP)(_group)
    for name, (module, attribute) in GROUPS.items():
        if not names or name in names:
            app.add_typer(getattr(import_module(f"taxgate.cli.{module}"), attribute), name=name)
    for name, (module, attribute) in COMMANDS.items():
        if not names or name in names:
            app.command(name)(getattr(import_module(f"taxgate.cli.{module}"), attribute))
    return app


def _group() -> None:
    """The top-level options (none yet) are parsed before any subcommand runs."""


@cache
def _full_app() -> typer.Typer:
    return build_app()


def __getattr__(name: str) -> Any:
    # ``taxgate.cli.app`` (tests, the docs' examples) is the whole command, built on first use.
    if name == "app":
        return _full_app()
    raise AttributeError(name)


def _app_for(argv: list[str]) -> typer.Typer:
    """Only the subcommand the arguments name; every one for help or an unknown name."""
    first = next((arg for arg in argv if not arg.startswith("-")), None)
    if first in GROUPS or first in COMMANDS:
        return build_app((first,))
    return _full_app()


def _usage_line(exc: typer.TyperException) -> str:
    """A command-line mistake (unknown option, bad value) as one line naming the command."""
    message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
    context = getattr(exc, "ctx", None)
    where = f" (see `{context.command_path} --help`)" if context is not None else ""
    return " ".join(f"{message}{where}".split())


def main(argv: list[str] | None = None) -> None:
    # Not standalone: Typer would draw a usage box over many lines for a mistyped option; the
    # contract is one line for every user mistake, whichever layer finds it.
    try:
        args = sys.argv[1:] if argv is None else argv
        result = _app_for(args)(args=args, prog_name="taxgate", standalone_mode=False)
    except TaxgateError as exc:
        # print(), not Rich: Rich wraps long lines, and the contract is one line.
        print(f"taxgate: error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except typer.TyperException as exc:
        if exc.format_message() if hasattr(exc, "format_message") else str(exc):
            print(f"taxgate: error: {_usage_line(exc)}", file=sys.stderr)
        sys.exit(int(getattr(exc, "exit_code", 2)))  # no message: help was shown (no args)
    except typer.Abort:
        print("taxgate: interrupted", file=sys.stderr)
        sys.exit(130)
    sys.exit(result if isinstance(result, int) else 0)
