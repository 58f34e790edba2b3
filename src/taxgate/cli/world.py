"""``taxgate world ...``: generate synthetic worlds and requests."""

from __future__ import annotations

import typer

from taxgate.cli.world_generate import generate
from taxgate.cli.world_request import request

app = typer.Typer(no_args_is_help=True, help="Generate a synthetic world and requests against it.")
app.command("generate")(generate)
app.command("request")(request)
