"""Service benchmark: read latency under load, with decide jobs running meanwhile.

    .venv/bin/python bench/bench_service.py --scale small   # 10 s, 100k-entry ledger
    .venv/bin/python bench/bench_service.py --scale full    # 60 s, 1M-entry ledger

A real ``taxgate serve`` (one uvicorn process, SQLite store) on 127.0.0.1 holds a ledger of
decided batches (``ledger_fixture.build_ledger``) plus a real decided request with items in
review. 50 concurrent clients (one asyncio process) read, in turns, a batch's page
(``GET /api/batches/B``), its review queue (``GET /api/review?batch=B``) and an inclusion
proof of a random entry (``GET /api/ledger/proof/N``), each pausing ``--think`` ms between
requests, while an officer's decide jobs run one after another in the server. Bounded: the
run stops after its duration or its request cap, whichever comes first.

Target (issue 15): p99 <= 100 ms and 0 errors with 50 clients on the batch, review and proof
routes for 60 s while decide jobs keep running.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from ledger_fixture import build_ledger
from taxgate.model import DecideOptions
from taxgate.pipeline import decide
from taxgate.service import accounts
from taxgate.store import open_store
from taxgate.world.generate import generate_world
from taxgate.world.request import generate_request

REPO = Path(__file__).resolve().parents[1]
SCALES = {
    "small": {"seconds": 10, "entries": 100_000, "taxpayers": 20_000, "items": 500},
    "full": {"seconds": 60, "entries": 1_000_000, "taxpayers": 100_000, "items": 2_000},
}
CLIENTS, TARGET_P99_MS, MAX_REQUESTS = 50, 100.0, 1_000_000


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def prepare(root: Path, scale: dict[str, int]) -> tuple[str, Path, str, dict[str, str]]:
    """The store: fixture batches, then a real decided request; users and their tokens."""
    store, keys = f"sqlite:///{root / 'store.db'}", root / "keys"
    started = time.perf_counter()
    build_ledger(store, keys, entries=scale["entries"], releases=scale["entries"] // 10)
    print(f"ledger fixture: {scale['entries']:,} entries in {time.perf_counter() - started:.0f} s")
    generate_world(root / "world", taxpayers=scale["taxpayers"], seed=15)
    generate_request(root / "world", root / "mixed", kind="mixed", size=scale["items"], seed=15)
    result = decide(
        root / "mixed" / "request.toml",
        DecideOptions(
            world=root / "world",
            as_of=date(2025, 8, 7),
            out=root / "decided",
            store_url=store,
            key_dir=keys,
            actor="olga",
        ),
    )
    print(f"decided {result.batch_id}: {result.summary['outcomes']}")
    opened = open_store(store)
    tokens = {}
    for name, role in (("olga", "officer"), ("pete", "officer"), ("audrey", "auditor")):
        user = accounts.add_user(opened, name, role, f"password-{name}")
        tokens[name] = accounts.mint_token(opened, user, "bench")
    opened.close()
    return store, keys, result.batch_id, tokens


async def client(
    http: httpx.AsyncClient,
    routes: list[tuple[str, str]],
    tokens: dict[str, str],
    size: int,
    until: float,
    think: float,
    latencies: dict[str, list[float]],
    errors: list[str],
    budget: list[int],
) -> None:
    turn = random.randrange(len(routes))
    while time.perf_counter() < until and budget[0] > 0:
        budget[0] -= 1
        name, path = routes[turn % len(routes)]
        turn += 1
        who = "audrey" if name != "review" else "pete"
        if name == "proof":
            path = f"/api/ledger/proof/{random.randrange(size)}"
        headers = {"Authorization": f"Bearer {tokens[who]}"}
        started = time.perf_counter()
        try:
            response = await http.get(path, headers=headers)
            if response.status_code != 200:
                errors.append(f"{path}: {response.status_code} {response.text[:200]}")
        except httpx.HTTPError as exc:
            errors.append(f"{path}: {exc!r}")
        latencies[name].append((time.perf_counter() - started) * 1000)
        await asyncio.sleep(think * random.uniform(0.5, 1.5))


async def load(
    url: str, batch: str, tokens: dict[str, str], seconds: float, think: float, with_decides: bool
) -> dict[str, Any]:
    routes = [("batch", f"/api/batches/{batch}"), ("review", f"/api/review?batch={batch}")]
    routes.append(("proof", ""))
    latencies: dict[str, list[float]] = {name: [] for name, _ in routes}
    errors: list[str] = []
    olga = {"Authorization": f"Bearer {tokens['olga']}"}
    # Idle connections expire before the server's own keep-alive (5 s) can close them under us.
    limits = httpx.Limits(max_connections=CLIENTS + 2, keepalive_expiry=2.0)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as http:
        size = (await http.get("/api/ledger/head", headers=_auth(tokens, "audrey"))).json()["size"]
        day, decided, failures = date(2025, 9, 1), [], []

        async def decides(until: float) -> None:
            """One decide after another, each as of a new day, for as long as the load runs."""
            nonlocal day
            while time.perf_counter() < until:
                body = {"manifest": "mixed/request.toml", "world": "world", "as_of": str(day)}
                job = (await http.post("/api/decide", json=body, headers=olga)).json()
                day += timedelta(days=1)
                while True:
                    state = (await http.get(f"/api/jobs/{job['id']}", headers=olga)).json()
                    if state["state"] in ("done", "failed"):
                        decided.append(state["state"])
                        if state["error"]:
                            failures.append(state["error"])
                        break
                    await asyncio.sleep(0.5)

        until = time.perf_counter() + seconds
        budget = [MAX_REQUESTS]
        started = time.perf_counter()
        tasks = [decides(until)] if with_decides else []
        tasks += [
            client(http, routes, tokens, size, until, think, latencies, errors, budget)
            for _ in range(CLIENTS)
        ]
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - started
    every = [value for values in latencies.values() for value in values]
    return {
        "clients": CLIENTS,
        "seconds": round(elapsed, 1),
        "think_ms": round(think * 1000),
        "ledger_entries": size,
        "requests": len(every),
        "requests_per_s": round(len(every) / elapsed, 1),
        "errors": len(errors),
        "first_error": errors[0] if errors else "",
        "p50_ms": round(statistics.median(every), 1) if every else 0.0,
        "p95_ms": round(_percentile(every, 0.95), 1),
        "p99_ms": round(_percentile(every, 0.99), 1),
        "max_ms": round(max(every), 1) if every else 0.0,
        "p99_ms_by_route": {k: round(_percentile(v, 0.99), 1) for k, v in latencies.items()},
        "decides_done": decided.count("done"),
        "decides_failed": decided.count("failed"),
        "decide_failure": failures[0] if failures else "",
        "target_p99_ms": TARGET_P99_MS,
    }


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process (Linux /proc), contention-independent."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _auth(tokens: dict[str, str], name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[name]}"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="full")
    parser.add_argument("--think", type=float, default=250.0, help="ms between a client's calls")
    parser.add_argument("--keep", action="store_true", help="keep the working folder")
    parser.add_argument("--no-decide", action="store_true", help="reads only, for comparison")
    args = parser.parse_args()
    scale = SCALES[args.scale]
    root = Path(tempfile.mkdtemp(prefix="taxgate-bench-service-"))
    server = None
    try:
        store, keys, batch, tokens = prepare(root, scale)
        port = _port()
        command = [sys.executable, "-m", "taxgate", "serve", "--store", store, "--keys", str(keys)]
        command += ["--root", str(root), "--work", str(root / "work"), "--port", str(port)]
        server = subprocess.Popen(command, cwd=REPO, env={**os.environ})
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{url}/openapi.json", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        print(f"serving {store} at {url}; {CLIENTS} clients for {scale['seconds']} s")
        load_before, cpu_before = os.getloadavg()[0], _cpu_seconds(server.pid)
        figures = asyncio.run(
            load(url, batch, tokens, scale["seconds"], args.think / 1000, not args.no_decide)
        )
        # The machine is shared: say how busy it was, and what the server itself spent.
        figures["load_average_1m"] = [round(load_before, 1), round(os.getloadavg()[0], 1)]
        figures["server_cpu_s"] = round(_cpu_seconds(server.pid) - cpu_before, 1)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=60)
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    figures["meets_target"] = figures["errors"] == 0 and figures["p99_ms"] <= TARGET_P99_MS
    print(json.dumps(figures, indent=2))
    print("BENCH-RESULT " + json.dumps(figures, sort_keys=True))


if __name__ == "__main__":
    main()
