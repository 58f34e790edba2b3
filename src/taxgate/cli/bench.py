"""``taxgate bench``: run the benchmarks in ``bench/`` and tabulate their figures.

Each benchmark is a script ``bench/bench_NAME.py`` that prints progress and, as its last line,
``BENCH-RESULT {json}``. Each runs in its own process so its peak memory is its own: we read
it from ``wait4``'s resource usage rather than trusting the script's self-report.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from taxgate.errors import NotFoundError, OptionError

RESULT_PREFIX = "BENCH-RESULT "


def discover(bench_dir: Path) -> dict[str, Path]:
    """Benchmark name → script, for every ``bench_*.py`` in ``bench_dir``."""
    return {path.stem.removeprefix("bench_"): path for path in sorted(bench_dir.glob("bench_*.py"))}


def run_one(script: Path, scale: str, console: Console) -> dict[str, Any]:
    """Run one benchmark script; return its figures plus wall time and peak RSS."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, str(script), "--scale", scale],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    figures: dict[str, Any] = {}
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith(RESULT_PREFIX):
            figures = json.loads(line[len(RESULT_PREFIX) :])
        else:
            console.print(f"  [dim]{script.stem}[/] {line.rstrip()}", highlight=False)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    figures["exit_status"] = process.returncode
    figures["process_wall_s"] = round(time.perf_counter() - started, 2)
    # ru_maxrss is in KiB on Linux.
    figures["process_peak_rss_mb"] = round(usage.ru_maxrss / 1024, 1)
    return figures


def bench(
    names: Annotated[
        list[str] | None, typer.Argument(help="Benchmarks to run (default: all).")
    ] = None,
    scale: Annotated[
        str, typer.Option(help="`full` = the issue targets; `small` = a quick smoke run.")
    ] = "full",
    bench_dir: Annotated[Path, typer.Option(help="Folder holding bench_*.py.")] = Path("bench"),
    out: Annotated[Path, typer.Option(help="Where results.json is written.")] = Path("bench-out"),
) -> None:
    """Run the benchmarks and print their figures beside their targets.

    Example: `taxgate bench world intake --scale small`
    """
    if scale not in ("small", "full"):
        raise OptionError(f"--scale must be 'small' or 'full', not {scale!r}")
    available = discover(bench_dir)
    if not available:
        raise NotFoundError(f"{bench_dir}: no bench_*.py scripts (run from the repository root)")
    chosen = names or list(available)
    unknown = [name for name in chosen if name not in available]
    if unknown:
        raise OptionError(f"unknown benchmark {unknown[0]!r}; available: {', '.join(available)}")

    console = Console()
    results: dict[str, dict[str, Any]] = {}
    for name in chosen:
        console.rule(f"bench {name} ({scale})")
        results[name] = run_one(available[name], scale, console)

    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    table = Table(title=f"taxgate benchmarks ({scale})")
    for column in ("benchmark", "figures", "wall s", "peak RSS MB", "status"):
        table.add_column(column)
    for name, figures in results.items():
        shown = {
            key: value
            for key, value in figures.items()
            if key not in ("exit_status", "process_wall_s", "process_peak_rss_mb")
        }
        table.add_row(
            name,
            json.dumps(shown, sort_keys=True),
            str(figures["process_wall_s"]),
            str(figures["process_peak_rss_mb"]),
            "ok" if figures["exit_status"] == 0 else f"exit {figures['exit_status']}",
        )
    console.print(table)
    if any(figures["exit_status"] != 0 for figures in results.values()):
        raise typer.Exit(1)
