"""``taxgate bench`` runs each benchmark in its own process and collects its figures."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from taxgate.cli import app

GOOD = """
import sys
print("warming up")
blob = bytearray(64 * 1024 * 1024)  # 64 MB so peak RSS is visibly measured
print('BENCH-RESULT {"rows_per_s": 1234, "scale": "%s"}' % sys.argv[2])
"""
FAILING = """
import sys
print("about to fail")
sys.exit(3)
"""


def test_bench_collects_figures_and_peak_memory(tmp_path: Path) -> None:
    bench_dir = tmp_path / "bench"
    bench_dir.mkdir()
    (bench_dir / "bench_alpha.py").write_text(GOOD)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["bench", "--scale", "small", "--bench-dir", str(bench_dir), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    figures = json.loads((out / "results.json").read_text())["alpha"]
    assert figures["rows_per_s"] == 1234
    assert figures["scale"] == "small"
    assert figures["exit_status"] == 0
    assert figures["process_peak_rss_mb"] >= 64


def test_failing_benchmark_fails_the_run(tmp_path: Path) -> None:
    bench_dir = tmp_path / "bench"
    bench_dir.mkdir()
    (bench_dir / "bench_broken.py").write_text(FAILING)
    result = CliRunner().invoke(
        app, ["bench", "--bench-dir", str(bench_dir), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 1
    assert json.loads((tmp_path / "out" / "results.json").read_text())["broken"]["exit_status"] == 3


def test_unknown_benchmark_is_refused(tmp_path: Path) -> None:
    bench_dir = tmp_path / "bench"
    bench_dir.mkdir()
    (bench_dir / "bench_alpha.py").write_text(GOOD)
    result = CliRunner().invoke(app, ["bench", "nope", "--bench-dir", str(bench_dir)])
    assert result.exit_code != 0
    assert "unknown benchmark 'nope'" in str(result.exception)
