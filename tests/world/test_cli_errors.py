"""`taxgate world generate` and `world request` as a person runs them from a shell: a mistake
is exactly one line on stderr (no blank line left by a progress bar), and a generated world is
replaced only when asked."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from taxgate.cli import app, main
from taxgate.errors import InputError
from taxgate.world.generate import generate_world


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "taxgate", "world", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def run_here(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str
) -> tuple[int, str, str]:
    """`taxgate world ARGS` through the real entry point, in this process (a new Python per
    case would make the module slow); stderr is a pipe here as in a shell redirect."""
    monkeypatch.setattr(sys, "argv", ["taxgate", "world", *args])
    with pytest.raises(SystemExit) as stopped:
        main()
    out, err = capsys.readouterr()
    return int(stopped.value.code or 0), out, err


@pytest.fixture(scope="module")
def made_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    world = tmp_path_factory.mktemp("made") / "world"
    generate_world(world, taxpayers=200, seed=2)
    return world


# Each case: the arguments after `taxgate world`, with {tmp} and {world} filled in, and a
# fragment the one line must hold.
CASES = [
    (["generate", "-n", "0", "--out", "{tmp}/new"], "--taxpayers must be between"),
    (["generate", "-n", "10", "--itin-share", "2", "--out", "{tmp}/new"], "--itin-share"),
    (["generate", "-n", "10", "--out", "{tmp}/notes"], "not a world directory"),
    (["generate", "-n", "10", "--out", "{world}"], "--replace"),
    (["request", "--kind", "nope", "--world", "{world}", "--out", "{tmp}/r"], "unknown request"),
    (["request", "--world", "{tmp}/nowhere", "--out", "{tmp}/r"], "no such world directory"),
    (["request", "--size", "0", "--world", "{world}", "--out", "{tmp}/r"], "--size must be"),
    # A typo of a trillion items once filled the disk with DuckDB's spill files.
    (["request", "--size", "999999999999", "--world", "{world}", "--out", "{tmp}/r"], "--size"),
    (
        ["request", "--seed", "99999999999999999999", "--world", "{world}", "--out", "{tmp}/r"],
        "--seed must be",
    ),
    (["request", "--world", "{world}", "--out", "{tmp}/notes/notes.txt"], "not a directory"),
]


@pytest.mark.parametrize(("args", "fragment"), CASES, ids=[" ".join(c[0][:3]) for c in CASES])
def test_a_mistake_is_exactly_one_line_on_stderr(
    tmp_path: Path,
    made_world: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    fragment: str,
) -> None:
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "notes.txt").write_text("mine")
    filled = (a.format(tmp=tmp_path, world=made_world) for a in args)
    code, out, err = run_here(capsys, monkeypatch, *filled)
    assert code == 2, err
    assert err.count("\n") == 1, repr(err)
    assert err.startswith("taxgate: error: ") and fragment in err, err
    assert out == ""


def test_from_a_shell_a_mistake_is_one_line_and_success_is_silent(tmp_path: Path) -> None:
    refused = run("generate", "--taxpayers", "0", "--out", str(tmp_path / "w"))
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1 and refused.stderr.startswith("taxgate: error: ")
    done = run("generate", "-n", "50", "--out", str(tmp_path / "w"))
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "wrote 50 taxpayers" in done.stdout


def test_an_existing_world_is_replaced_only_with_replace(tmp_path: Path) -> None:
    world = tmp_path / "w"
    generate_world(world, taxpayers=60, seed=1)
    before = (world / "taxpayers.parquet").read_bytes()
    args = ["world", "generate", "-n", "40", "--seed", "2", "--out", str(world)]
    refused = CliRunner().invoke(app, args)
    assert isinstance(refused.exception, InputError)
    assert "already holds a world" in str(refused.exception)
    assert (world / "taxpayers.parquet").read_bytes() == before
    replaced = CliRunner().invoke(app, [*args, "--replace"])
    assert replaced.exit_code == 0, replaced.output
    assert "wrote 40 taxpayers" in replaced.output
    assert (world / "taxpayers.parquet").read_bytes() != before


def test_replace_still_refuses_a_folder_that_is_not_a_world(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    args = ["world", "generate", "-n", "10", "--replace", "--out", str(tmp_path)]
    refused = CliRunner().invoke(app, args)
    assert isinstance(refused.exception, InputError)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]
