"""``taxgate world ...``: generate synthetic worlds and requests."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True, help="Generate a synthetic world and requests against it.")
