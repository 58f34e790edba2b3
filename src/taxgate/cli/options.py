"""Options every command group shares, spelled and explained once, and the one date parser."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from taxgate.errors import InputError

Store = Annotated[
    str | None,
    typer.Option(
        "--store",
        help="SQLAlchemy URL of the store (default: $TAXGATE_STORE, else ./.taxgate/taxgate.db).",
    ),
]
Keys = Annotated[
    Path | None,
    typer.Option(
        "--keys",
        help="Directory of the ledger's keys (default: $TAXGATE_KEY_DIR, else ./.taxgate/keys).",
    ),
]
Orders = Annotated[
    Path | None,
    typer.Option("--orders", help="Directory of order *.toml (default: the built-in timeline)."),
]
Agencies = Annotated[
    Path | None,
    typer.Option(
        "--agencies",
        metavar="FILE",
        help="Agency registry replacing the shipped one (the same file `taxgate decide` read).",
    ),
]


def parse_date(text: str, option: str = "--as-of") -> date:
    """``YYYY-MM-DD`` from the command line, or one line naming the option."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(option, f"{text!r} is not a date", hint="write YYYY-MM-DD") from None


def as_of_or_today(text: str | None, option: str = "--as-of") -> date:
    return date.today() if text is None else parse_date(text, option)
