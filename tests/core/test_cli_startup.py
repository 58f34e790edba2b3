"""A command loads only what it runs: reading the ledger must not pay for Splink and pandas."""

from __future__ import annotations

import subprocess
import sys

import pytest
import typer.main
from typer.core import TyperGroup

from taxgate.cli import COMMANDS, GROUPS, app, build_app

HEAVY = ("splink", "pandas", "opendp", "fastapi")


def _loaded_after(argv: list[str]) -> set[str]:
    probe = (
        "import sys\n"
        "from taxgate.cli import _app_for\n"
        f"_app_for({argv!r})\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return {name for name in out.stdout.strip().split(",") if name}


@pytest.mark.parametrize("argv", [["ledger", "head"], ["orders", "list"], ["release", "open"]])
def test_a_reading_command_does_not_load_the_identity_stack(argv: list[str]) -> None:
    assert _loaded_after(argv) == set()


def test_decide_loads_what_it_needs() -> None:
    # The probe can fail: decide does need Splink and pandas, so the check above is not vacuous.
    assert {"splink", "pandas"} <= _loaded_after(["decide", "--help"])


def test_each_subcommand_alone_is_the_same_command_as_in_the_whole_app() -> None:
    whole = typer.main.get_command(app)
    assert isinstance(whole, TyperGroup)
    assert set(whole.commands) == set(GROUPS) | set(COMMANDS)
    for name in whole.commands:
        alone = typer.main.get_command(build_app((name,)))
        assert isinstance(alone, TyperGroup)
        assert list(alone.commands) == [name]
        assert alone.commands[name].help == whole.commands[name].help
