"""``taxgate identity ...``: train, apply and explain the linkage model."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True, help="Train and explain the identity-resolution model.")
