"""The ``taxgate`` command: a thin layer over the stage packages.

User mistakes (``TaxgateError``) print one line on stderr and exit non-zero; anything else
is a bug and keeps its traceback.
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
    review,
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
app.command("decide")(decide.decide_command)
app.command("demo")(demo.demo)
app.command("bench")(bench.bench)


def main() -> None:
    try:
        app()
    except TaxgateError as exc:
        # print(), not Rich: Rich wraps long lines, and the contract is one line.
        print(f"taxgate: error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
