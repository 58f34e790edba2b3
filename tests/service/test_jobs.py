"""A decide as a background job: followed live, kept across page loads, and after a server
killed mid-job, marked failed with nothing half-recorded and completed by running it again."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from service_kit import Served, World, job_count, serve
from sqlalchemy import insert

from taxgate.ledger import Ledger
from taxgate.ledger.batches import find_batch
from taxgate.progress import Progress
from taxgate.service import accounts
from taxgate.service.accounts import stamp
from taxgate.service.jobs import JOBS, PROGRESS_EVERY, RESTARTED, JobRecorder, Jobs
from taxgate.store import open_store


def wait_for(
    client: Any, job: str, headers: dict[str, str], timeout: float = 300
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state: dict[str, Any] = client.get(f"/api/jobs/{job}", headers=headers).json()
        if state["state"] in ("done", "failed"):
            return state
        time.sleep(0.2)
    raise AssertionError(f"job {job} did not finish in {timeout} s")


def test_a_decide_job_records_the_batch_under_the_officer_who_ran_it(served: Served) -> None:
    body = {"manifest": "mixed/request.toml", "world": "world", "as_of": "2025-09-02"}
    started = served.client.post("/api/decide", json=body, headers=served.auth("pete"))
    assert started.status_code == 202, started.text
    job = started.json()
    assert job["state"] in ("queued", "running")
    done = wait_for(served.client, job["id"], served.auth("pete"))
    assert done["state"] == "done", done["error"]
    assert done["percent"] == 100
    batch = done["result"]["batch"]
    assert batch.endswith("@2025-09-02")
    record = find_batch(served.ledger, batch)
    assert record.actor == "pete"
    summary = done["result"]["summary"]
    assert sum(summary["outcomes"].values()) == record.items
    decisions = served.ledger.entries_of("decision", batch)
    assert len(decisions) == record.items
    # The page a person reloads shows the same finished job, read from the store.
    for _ in range(2):
        page = served.client.get(f"/api/jobs/{job['id']}", headers=served.auth("audrey"))
        assert page.json()["result"]["batch"] == batch


def test_a_request_that_cannot_be_decided_fails_with_one_line_and_records_nothing(
    served: Served,
) -> None:
    size = served.size()
    outside = served.client.post(
        "/api/decide",
        json={"manifest": "/etc/hostname", "world": "world"},
        headers=served.auth("pete"),
    )
    assert outside.status_code == 403
    assert "outside the folder this server reads" in outside.json()["error"]
    jobs = job_count(served)
    early = {"manifest": "mixed/request.toml", "world": "world", "as_of": "2001-01-01"}
    started = served.client.post("/api/decide", json=early, headers=served.auth("pete"))
    assert started.status_code == 202
    failed = wait_for(served.client, started.json()["id"], served.auth("pete"))
    assert failed["state"] == "failed"
    assert "\n" not in failed["error"]
    assert "2001-01-01" in failed["error"]
    assert served.size() == size
    assert job_count(served) == jobs + 1


def _running_worker(job_id: str) -> bool:
    for proc in Path("/proc").iterdir():
        try:
            command = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"taxgate.service.worker" in command and job_id.encode() in command:
            status = (proc / "status").read_text()
            return "State:\tZ" not in status
    return False


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _server(store: str, keys: Path, world: World, work: Path, port: int) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "taxgate", "serve", "--store", store, "--keys", str(keys)]
    command += ["--root", str(world.root), "--work", str(work), "--port", str(port)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _until_up(url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{url}/openapi.json", timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError("the server did not start")


def test_a_server_killed_mid_decide_leaves_the_job_failed_and_nothing_half_recorded(
    world: World, postgres_url: str, tmp_path: Path
) -> None:
    keys, work = tmp_path / "keys", tmp_path / "work"
    Ledger.open(postgres_url, keys).close()  # a ledger with its keys, as `serve` needs
    store = open_store(postgres_url)
    try:
        user = accounts.add_user(store, "pete", "officer", "password-pete")
        token = accounts.mint_token(store, user)
    finally:
        store.close()
    headers = {"Authorization": f"Bearer {token}"}
    body = {"manifest": "mixed/request.toml", "world": "world", "as_of": "2025-08-07"}

    port = _free_port()
    server = _server(postgres_url, keys, world, work, port)
    url = f"http://127.0.0.1:{port}"
    try:
        _until_up(url)
        with httpx.Client(base_url=url, timeout=30) as client:
            job = client.post("/api/decide", json=body, headers=headers).json()
            while (
                client.get(f"/api/jobs/{job['id']}", headers=headers).json()["state"] != "running"
            ):
                time.sleep(0.02)
    finally:
        os.kill(server.pid, signal.SIGKILL)
        server.wait(timeout=60)
    # The job's own process dies with the server (well before a decide could finish): no
    # decide goes on unseen, to record a batch after the next server called the job failed.
    deadline = time.monotonic() + 1
    while _running_worker(job["id"]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running_worker(job["id"])

    port = _free_port()
    server = _server(postgres_url, keys, world, work, port)
    url = f"http://127.0.0.1:{port}"
    try:
        _until_up(url)
        with httpx.Client(base_url=url, timeout=30) as client:
            after = client.get(f"/api/jobs/{job['id']}", headers=headers).json()
            assert after["state"] == "failed"
            assert after["error"] == RESTARTED
            with Ledger.open(postgres_url, keys, create=False) as ledger:
                assert ledger.verify().ok
                assert ledger.entries_of("release") == []
                assert ledger.entries_of("decision") == []
            again = client.post("/api/decide", json=body, headers=headers).json()
            done = wait_for(client, again["id"], headers)
            assert done["state"] == "done", done["error"]
        with Ledger.open(postgres_url, keys, create=False) as ledger:
            assert ledger.verify().ok
            assert len(ledger.entries_of("decision", done["result"]["batch"])) == 120
    finally:
        server.terminate()
        server.wait(timeout=60)


def test_a_decide_job_completes_on_a_sqlite_store(world: World, tmp_path: Path) -> None:
    # On SQLite the ledger's append holds the one write lock while it reports progress: the
    # job's progress must be stored without waiting for that lock, or the decide deadlocks.
    served = serve(world, f"sqlite:///{tmp_path / 'store.db'}", tmp_path)
    try:
        body = {"manifest": "mixed/request.toml", "world": "world", "as_of": "2025-09-03"}
        started = served.client.post("/api/decide", json=body, headers=served.auth("pete"))
        done = wait_for(served.client, started.json()["id"], served.auth("pete"), timeout=120)
        assert done["state"] == "done", done["error"]
        assert len(served.ledger.entries_of("decision", done["result"]["batch"])) == 120
    finally:
        served.client.close()
        served.ledger.close()


def test_progress_reported_while_the_work_holds_the_write_lock_does_not_stall_it(
    tmp_path: Path,
) -> None:
    # The ledger's append reports progress inside its transaction; on SQLite that transaction
    # holds the store's only write lock, which a progress write would wait for in vain.
    store = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    try:
        moment = stamp()
        row = {"id": "job1", "kind": "decide", "owner": "pete", "state": "queued", "stage": ""}
        row |= {"message": "", "params": "{}", "result": "", "error": ""}
        with store.transaction() as conn:
            conn.execute(insert(JOBS).values(created=moment, updated=moment, **row))

        def work(progress: Progress) -> dict[str, Any]:
            with store.transaction():
                for done in range(3):
                    progress("ledger", "recording decisions", done=done, total=3)
                    time.sleep(PROGRESS_EVERY)
            return {"recorded": 3}

        JobRecorder(store, "job1").run(work)
        job = Jobs(store).get("job1")
        assert (job.state, job.error, job.result) == ("done", "", {"recorded": 3})
    finally:
        store.close()
