"""The report routes over a large ledger: each report asked of a running ``taxgate serve``.

    .venv/bin/python bench/bench_service_reports.py --scale small   # 200,000 entries
    .venv/bin/python bench/bench_service_reports.py --scale full    # 10,000,000 entries

One uvicorn process (``taxgate serve``, SQLite store) on 127.0.0.1 serves the ledger of
``ledger_fixture.build_ledger`` in the reports benchmark's folder and shape, so one ledger
serves both (each run adds a public release, its users and tokens, and writes its files under
``service-run/``). Timed one at a time, as a person would ask:
the disclosure report, a public release (epsilon 0.01), reading the latest public report, the
order-compliance report, downloading its proof bundle as a zip, and checking every proof in
it with ``taxgate ledger check-proof`` and the published key alone. The server's own peak RSS
and CPU seconds are read from /proc: the machine is shared, wall seconds are not ours alone.

Target (issue 14, for the reports themselves): each report within 60 s and 2 GB at 10M.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import httpx

from bench_reports import ORDER, SCALES
from ledger_fixture import build_ledger
from taxgate.errors import ConflictError
from taxgate.service import accounts
from taxgate.store import open_store

REPO = Path(__file__).resolve().parents[1]
TARGET_S, TARGET_MB = 60.0, 2048.0
PEOPLE = (("audrey", "auditor"), ("olga", "officer"), ("pat", "public"))


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _proc(pid: int) -> tuple[float, float]:
    """(peak RSS in MB, user plus system CPU seconds) of a live process."""
    status = Path(f"/proc/{pid}/status").read_text()
    peak = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM"))
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return round(peak / 1024, 1), round(cpu, 1)


def tokens(store: str) -> dict[str, dict[str, str]]:
    opened = open_store(store)
    found = {}
    try:
        for name, role in PEOPLE:
            try:
                user = accounts.add_user(opened, name, role, f"password-{name}")
            except ConflictError:
                user = accounts.find_user(opened, name)
            found[name] = {"Authorization": f"Bearer {accounts.mint_token(opened, user, 'bench')}"}
    finally:
        opened.close()
    return found


def timed(pid: int, call: Any) -> tuple[dict[str, Any], Any]:
    cpu_before = _proc(pid)[1]
    started = time.perf_counter()
    result = call()
    seconds = round(time.perf_counter() - started, 2)
    cpu = _proc(pid)[1]
    return {"seconds": seconds, "server_cpu_s": round(cpu - cpu_before, 1)}, result


def run(url: str, pid: int, auth: dict[str, dict[str, str]], out: Path) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    with httpx.Client(base_url=url, timeout=900) as http:

        def post(path: str, who: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
            response = http.post(path, json=body, headers=auth[who])
            if response.status_code != 200:
                raise SystemExit(f"{path}: {response.status_code} {response.text[:300]}")
            found: dict[str, Any] = response.json()
            return found

        period = {"from": "2025-01-01", "to": "2026-12-31"}
        figures["disclosures"], made = timed(
            pid, lambda: post("/api/reports/disclosures", "audrey", period)
        )
        figures["disclosures"].update(items=made["items"], disclosed=made["disclosed"])
        figures["public"], public = timed(
            pid, lambda: post("/api/reports/public", "olga", {"period": "2025", "epsilon": 0.01})
        )
        figures["public"]["expected_abs_error_per_cell"] = public["budget"][
            "expected_abs_error_per_cell"
        ]
        started = time.perf_counter()
        for _ in range(20):
            http.get("/api/reports/public/2025", headers=auth["pat"]).raise_for_status()
        figures["public_read_ms"] = round((time.perf_counter() - started) / 20 * 1000, 1)
        figures["order"], order = timed(pid, lambda: post(f"/api/reports/order/{ORDER}", "audrey"))
        figures["order"].update(breach=order["breach"], proofs=order["proofs"])

        archive = out / "proof-bundle.zip"

        def download() -> None:
            url = order["files"]["proof-bundle.zip"]
            with http.stream("GET", url, headers=auth["audrey"]) as response:
                response.raise_for_status()
                with archive.open("wb") as sink:
                    for block in response.iter_bytes(1 << 20):
                        sink.write(block)

        figures["bundle_download"], _ = timed(pid, download)
        figures["bundle_download"]["zip_mb"] = round(archive.stat().st_size / 2**20, 1)
        key = out / "published.pem"
        key.write_text(http.get("/api/ledger/key", headers=auth["pat"]).text)
    with zipfile.ZipFile(archive) as opened:
        opened.extractall(out)
    proofs = out / "proof-bundle" / "proofs.jsonl"
    figures["bundle_download"]["proofs_mb"] = round(proofs.stat().st_size / 2**20, 1)
    started = time.perf_counter()
    checked = subprocess.run(
        [sys.executable, "-m", "taxgate", "ledger", "check-proof", str(proofs), "--key", str(key)],
        capture_output=True,
        text=True,
        cwd=out,
        env={k: v for k, v in os.environ.items() if not k.startswith("TAXGATE_")},
    )
    figures["check_proof"] = {
        "seconds": round(time.perf_counter() - started, 1),
        "exit": checked.returncode,
        "line": (checked.stdout or checked.stderr).strip()[-200:],
    }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--work", type=Path, default=REPO / "bench-out" / "reports")
    args = parser.parse_args()
    shape, work = SCALES[args.scale], args.work / args.scale
    work.mkdir(parents=True, exist_ok=True)
    store, keys = f"sqlite:///{work / 'ledger.db'}", work / "keys"
    print(f"ledger of {shape['entries']:,} entries (built once, then reused) ...", flush=True)
    build_ledger(store, keys, **shape, stamp=work / "ledger.json")
    auth = tokens(store)
    out = work / "service-run"
    subprocess.run(["rm", "-rf", str(out)], check=True)
    out.mkdir()
    port = _port()
    command = [sys.executable, "-m", "taxgate", "serve", "--store", store, "--keys", str(keys)]
    command += ["--root", str(out), "--work", str(out / "service"), "--port", str(port)]
    server = subprocess.Popen(command, cwd=REPO)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{url}/openapi.json", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.5)
        started_rss, started_cpu = _proc(server.pid)
        print(f"serving at {url}: {started_rss} MB after start ({started_cpu} CPU s)", flush=True)
        load_before = os.getloadavg()[0]
        figures = run(url, server.pid, auth, out)
        figures["server_peak_rss_mb"], figures["server_cpu_s"] = _proc(server.pid)
        figures["server_rss_after_start_mb"] = started_rss
        figures["load_average_1m"] = [round(load_before, 1), round(os.getloadavg()[0], 1)]
    finally:
        server.terminate()
        server.wait(timeout=60)
    reports = ("disclosures", "public", "order")
    figures.update(
        scale=args.scale,
        entries=shape["entries"],
        target=f"each report <= {TARGET_S:.0f} s, server peak <= {TARGET_MB:.0f} MB, at 10M",
        target_met=args.scale == "full"
        and all(figures[name]["seconds"] <= TARGET_S for name in reports)
        and figures["server_peak_rss_mb"] <= TARGET_MB
        and figures["check_proof"]["exit"] == 0,
    )
    print(json.dumps(figures, indent=2))
    print("BENCH-RESULT " + json.dumps(figures, sort_keys=True))


if __name__ == "__main__":
    main()
