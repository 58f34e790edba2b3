"""The ``taxgate`` command: a thin layer over the stage packages.

User mistakes (``TaxgateError``, and command-line mistakes Typer finds) print one line on
stderr and exit non-zero; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import sys

import typer

from taxgate.cli import (
    bench,
    decide,
    demo,
    identity,
    intake,
    ledger,
    orders,
    release,
    remedies,
    report,
    review,
    serve,
    world,
)
from taxgate.errors import TaxgateError

app = typer.Typer(
    name="taxgate",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="markdown",
    help=(
        "Decide, record by record, whether federal tax information may lawfully leave the "
        "agency, and prove it afterwards.\n\n"
        "Example: `taxgate world generate --taxpayers 100000 --seed 7 --out world/`"
    ),
)
app.add_typer(world.app, name="world")
app.add_typer(intake.app, name="intake")
app.add_typer(identity.app, name="identity")
app.add_typer(orders.app, name="orders")
app.add_typer(ledger.app, name="ledger")
app.add_typer(release.app, name="release")
app.add_typer(review.app, name="review")
app.add_typer(remedies.app, name="remedies")
app.add_typer(serve.app, name="serve")
app.add_typer(report.app, name="report")
app.command("decide")(decide.decide_command)
app.command("demo")(demo.demo)
app.command("bench")(bench.bench)


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
        result = app(args=argv, prog_name="taxgate", standalone_mode=False)
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
