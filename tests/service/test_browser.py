"""The console in a real browser: Playwright driving Debian's Chromium (``make browser``).

An officer decides a small request and watches its progress live; another officer reviews an
ambiguous item; an auditor sees the ledger grow, downloads a proof and the key, and the proof
verifies with ``taxgate ledger check-proof``; counsel toggles a what-if; an auditor makes the
disclosure report, an officer publishes the public report and the public reads it; the wrong
roles are refused. Screenshots of the main pages go to ``.taxgate/screenshots/`` (gitignored).
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, expect, sync_playwright
from service_kit import Served, password

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = Path(__file__).resolve().parents[2] / ".taxgate" / "screenshots"


@pytest.fixture(scope="module")
def url(served: Served) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = uvicorn.Server(
        uvicorn.Config(served.app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=30)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).is_file():
        pytest.fail("Chromium is missing: run `make browser` (apt-get install chromium)")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        found = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield found
        found.close()


def sign_in(browser: Browser, url: str, name: str) -> Page:
    page = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    tab = page.new_page()
    tab.goto(f"{url}/login")
    tab.fill("#name", name)
    tab.fill("#password", password(name))
    tab.click("button[type=submit]")
    tab.wait_for_url(f"{url}/")
    return tab


def shot(page: Page, name: str, *, full_page: bool = True) -> None:
    """A report's page runs to thousands of rows: its first screen shows what it is."""
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


def test_a_day_at_the_console(served: Served, url: str, browser: Browser, tmp_path: Path) -> None:
    size_before = served.size()

    # An officer decides a small request and follows it live, without reloading the page.
    olga = sign_in(browser, url, "olga")
    olga.click("text=Decide")
    olga.fill("#manifest", "mixed/request.toml")
    olga.fill("#world", "world")
    olga.fill("#as_of", "2025-08-08")
    olga.click("button[type=submit]")
    olga.wait_for_url(re.compile(r"/jobs/\w+$"))
    job_url = olga.url
    states = set()
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        states.add(olga.inner_text("#job-state"))
        if "done" in states or "failed" in states:
            break
        time.sleep(0.1)
    assert olga.url == job_url  # htmx swapped the progress in place: no reload
    assert "done" in states, olga.inner_text("#progress")
    shot(olga, "job-done")
    olga.click("#progress a")  # to the batch
    expect(olga.locator("h1")).to_contain_text("@2025-08-08")
    shot(olga, "batch")
    batch = olga.inner_text("h1").removeprefix("Batch ").strip()
    assert served.ledger.entries_of("release", batch)[0][1]["actor"] == "olga"

    # She may not review what she started: refused, and nothing recorded.
    olga.goto(f"{url}/review?batch={batch}")
    first = olga.locator("table a").first
    item = first.inner_text()
    size = served.size()
    first.click()
    expect(olga.locator("h1")).to_have_text("Not allowed")
    expect(olga.locator(".error")).to_contain_text(
        "an officer does not review a batch they started"
    )
    shot(olga, "refused-own-batch")
    assert served.size() == size

    # Another officer reviews the ambiguous item beside its candidates and withholds it.
    pete = sign_in(browser, url, "pete")
    pete.goto(f"{url}/review?batch={batch}")
    shot(pete, "review-queue")
    pete.click(f"text={item}")
    expect(pete.locator("h1")).to_contain_text(item)
    assert pete.locator(".candidate").count() >= 1
    assert pete.locator(".waterfall tr").count() > 2
    shot(pete, "review-case")
    pete.select_option("#outcome", "withhold")
    pete.fill("#reason", "two candidates at one address; the request cannot tell them apart")
    pete.click("button[type=submit]")
    expect(pete.locator("[role=status]")).to_contain_text("Withheld and recorded")
    verdict = served.ledger.recorded(batch, item, "verdict")
    assert verdict is not None
    assert verdict["actor"] == "pete"

    # An auditor sees the ledger grown by the batch, the look and the verdict.
    audrey = sign_in(browser, url, "audrey")
    audrey.click("text=Ledger")
    size_now = int(audrey.inner_text("#ledger-size"))
    assert size_now == served.size()
    assert size_now == size_before + 120 + 1 + 2  # decisions, release; inspection and verdict
    shot(audrey, "ledger")
    with audrey.expect_download() as proof_download:
        audrey.click(f"text=proof-{size_now - 1}.json")
    proof = tmp_path / "proof.json"
    proof_download.value.save_as(proof)
    with audrey.expect_download() as key_download:
        audrey.click("text=download the key")
    key = tmp_path / "ledger.pub"
    key_download.value.save_as(key)
    checked = subprocess.run(
        [sys.executable, "-m", "taxgate", "ledger", "check-proof", str(proof), "--key", str(key)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"ok: entry {size_now - 1} is in the signed tree of size {size_now}" in checked.stdout
    # A proof someone edited does not verify.
    forged = tmp_path / "forged.json"
    forged.write_text(proof.read_text().replace('\\"withhold\\"', '\\"release\\"'))
    refused = subprocess.run(
        [sys.executable, "-m", "taxgate", "ledger", "check-proof", str(forged), "--key", str(key)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert refused.returncode == 1

    # Counsel asks what a stay of the November order would change.
    carla = sign_in(browser, url, "carla")
    carla.click("text=Orders")
    carla.select_option("#batch", batch)
    carla.fill("#as_of", "2025-11-22")
    carla.check("input[aria-label='stay ctr-stay-2025-11-21']")
    expect(carla.locator("#whatif-result")).to_contain_text("would now release")
    shot(carla, "orders-what-if")

    # An auditor makes the disclosure report; an officer publishes the public report, whose
    # spend is recorded under his name; the public reads it.
    audrey.click("header a[href='/reports']")
    audrey.click("form[action='/reports/disclosures'] button")
    expect(audrey.locator("h1")).to_have_text("taxgate: disclosure report")
    shot(audrey, "report-disclosures", full_page=False)
    pete.click("header a[href='/reports']")
    pete.select_option("#period", "2025")
    pete.fill("#epsilon", "0.5")
    spent = served.size()
    pete.click("form[action='/reports/public'] button")
    expect(pete.locator("h1")).to_have_text("taxgate: public transparency report 2025")
    pete.click("header a[href='/reports']")
    shot(pete, "reports")
    assert served.size() == spent + 1
    assert served.ledger.entries_of("budget")[-1][1]["actor"] == "pete"

    # The public reads the public report, and neither the ledger nor a batch.
    pat = sign_in(browser, url, "pat")
    shot(pat, "home-public")
    pat.click("header a[href='/reports']")
    pat.click("text=the 2025 report")
    expect(pat.locator("h1")).to_have_text("taxgate: public transparency report 2025")
    shot(pat, "report-public", full_page=False)
    size = served.size()
    for path in ("/ledger", f"/batches/{batch}"):
        pat.goto(f"{url}{path}")
        expect(pat.locator(".error")).to_contain_text("may not")
    shot(pat, "refused-public")
    assert served.size() == size


@pytest.fixture(autouse=True, scope="module")
def _fresh_screenshots() -> None:
    shutil.rmtree(SHOTS, ignore_errors=True)
