"""Command-line mistakes Typer finds (unknown option, bad value, missing option) are one line
on stderr, like every other user mistake, and keep their exit status."""

from __future__ import annotations

import subprocess
import sys

import pytest


def taxgate(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "taxgate", *args], capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("world", "generate", "--taxpayers", "abc"), "'--taxpayers'"),
        (("decide", "request.toml", "--bogus"), "--bogus"),
        (("world", "request", "--kind", "mixed"), "Missing option"),
        (("ledger", "prove", "x"), "'entry'"),
        (("nosuch",), "No such command"),
    ],
)
def test_a_command_line_mistake_is_one_line_naming_the_command(
    args: tuple[str, ...], says: str
) -> None:
    done = taxgate(*args)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("taxgate: error: ") and says in lines[0]
    assert "--help" in lines[0]


def test_help_still_prints_and_succeeds() -> None:
    done = taxgate("ledger", "--help")
    assert done.returncode == 0
    assert "verify" in done.stdout and done.stderr == ""
