"""``taxgate intake ...``: load and check a request without deciding it."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True, help="Load a request and run the statutory checks.")


@app.command("check")
def check() -> None:
    """Load a request and report its findings (not yet implemented)."""
    raise NotImplementedError
