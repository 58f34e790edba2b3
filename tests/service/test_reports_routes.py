"""The report routes: each report made by the functions the CLI calls, for the roles the
policies name; the public report's budget spent in the ledger and refused past it; a proof
bundle downloaded and checked offline with the published key alone; nothing of the world in
what the public reads. A refused call is 403 and records nothing, not even a file."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from service_kit import AS_OF, PEOPLE, Served, csrf_of, signed_in

import taxgate
from taxgate.duck import connect
from taxgate.errors import TaxgateError, one_line
from taxgate.ledger import Ledger
from taxgate.ledger.batches import batch_records
from taxgate.model import RELEASE, DecideOptions
from taxgate.pipeline import decide
from taxgate.reports import make_compliance_report, make_public_report
from taxgate.world.io import open_world

OFFICER, COUNSEL, AUDITOR = "officer", "counsel", "auditor"
EVERYONE = frozenset(role for role, _ in PEOPLE.values())
CALLERS = {role: name for name, (role, _) in PEOPLE.items() if name != "olga"}
STAY = "ctr-stay-2025-11-21"  # in force from 2025-11-21: it reaches the later batch
LATER = date(2025, 11, 22)
EPSILON = 0.3  # the first release of 2025; the year's budget is epsilon 1.0 (rho adds up:
# a second release of 0.9 would still fit, one of 0.99 does not)


@pytest.fixture(scope="module")
def later_batch(served: Served, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The same request decided again by olga the day after the stay took effect."""
    result = decide(
        served.world.manifest,
        DecideOptions(
            world=served.world.world,
            as_of=LATER,
            out=tmp_path_factory.mktemp("later") / "decided",
            store_url=served.config.store_url,
            key_dir=served.config.key_dir,
            actor="olga",
        ),
    )
    return result.batch_id


@pytest.fixture(scope="module")
def released(served: Served, later_batch: str) -> dict[str, Any]:
    """The 2025 public report, published by officer pete."""
    response = served.client.post(
        "/api/reports/public",
        json={"period": "2025", "epsilon": EPSILON},
        headers=served.auth("pete"),
    )
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


@pytest.fixture(scope="module")
def kept(served: Served, released: dict[str, Any]) -> dict[str, str]:
    """One disclosure and one compliance report the service keeps, for the reading routes."""
    made = served.client.post(
        "/api/reports/disclosures",
        json={"from": "2025-01-01", "to": "2025-12-31"},
        headers=served.auth("audrey"),
    )
    order = served.client.post(f"/api/reports/order/{STAY}", headers=served.auth("carla"))
    assert made.status_code == order.status_code == 200, made.text + order.text
    return {"disclosures": made.json()["id"], "order": order.json()["id"]}


def kept_files(served: Served) -> list[Path]:
    return sorted((served.config.work / "reports").rglob("*"))


# (method, path, JSON body, the roles that may call it). The public report's body asks for a
# year with no batch, so even an allowed call spends nothing.
ROUTES: list[tuple[str, str, dict[str, Any] | None, frozenset[str]]] = [
    (
        "POST",
        "/api/reports/disclosures",
        {"from": "2025-08-01", "to": "2025-08-31"},
        frozenset({AUDITOR}),
    ),
    ("GET", "/api/reports/disclosures/{disclosures}", None, frozenset({AUDITOR})),
    ("GET", "/api/reports/disclosures/{disclosures}/disclosures.csv", None, frozenset({AUDITOR})),
    ("POST", "/api/reports/public", {"period": "2031", "epsilon": 0.5}, frozenset({OFFICER})),
    ("GET", "/api/reports/public/2025", None, EVERYONE),
    ("GET", "/api/reports/public/2025/public.csv", None, EVERYONE),
    ("POST", f"/api/reports/order/{STAY}", None, frozenset({AUDITOR, COUNSEL})),
    ("GET", f"/api/reports/order/{STAY}/{{order}}", None, frozenset({AUDITOR, COUNSEL})),
    (
        "GET",
        f"/api/reports/order/{STAY}/{{order}}/proof-bundle.zip",
        None,
        frozenset({AUDITOR, COUNSEL}),
    ),
]


@pytest.mark.parametrize("role", sorted(EVERYONE))
@pytest.mark.parametrize(("method", "path", "body", "allowed"), ROUTES, ids=[r[1] for r in ROUTES])
def test_each_report_route_answers_each_role_as_the_policies_say(
    served: Served,
    kept: dict[str, str],
    role: str,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    allowed: frozenset[str],
) -> None:
    name = CALLERS[role]
    url = path.format(**kept)
    size, files = served.size(), kept_files(served)
    response = served.client.request(method, url, json=body, headers=served.auth(name))
    assert response.status_code < 500, response.text
    assert served.size() == size, "no route but a public release records anything"
    if role not in allowed:
        assert response.status_code == 403
        assert name in response.json()["error"]
        assert kept_files(served) == files, "a refused call wrote a file"
    elif body and body.get("period") == "2031":
        assert response.status_code == 422
        assert "no batch was decided in 2031" in response.json()["error"]
    else:
        assert response.status_code == 200, response.text


def _decisions(ledger: Ledger, start: date, end: date) -> list[dict[str, Any]]:
    """Every decision of the batches decided from ``start`` to ``end``."""
    batches = sorted(r.batch for r in batch_records(ledger) if start <= r.as_of <= end)
    return [doc for batch in batches for _, doc in ledger.entries_of("decision", batch)]


def test_the_disclosure_report_counts_what_the_ledger_holds_as_the_cli_does(
    served: Served, later_batch: str, tmp_path: Path
) -> None:
    body = {"from": "2025-08-01", "to": "2025-12-31"}
    response = served.client.post(
        "/api/reports/disclosures", json=body, headers=served.auth("audrey")
    )
    assert response.status_code == 200, response.text
    view = response.json()
    decided = _decisions(served.ledger, date(2025, 8, 1), date(2025, 12, 31))
    assert {(d["batch"]) for d in decided} >= {served.batch, later_batch}
    assert view["items"] == len(decided)
    assert view["disclosed"] == sum(d["outcome"] == RELEASE for d in decided)
    assert view["tree_head"]["size"] == served.size()
    assert sum(r["count"] for r in view["rows"] if r["section"] == "items") == len(decided)

    # The CLI on the same store, at the same tree head: the same line and the same file.
    cli = subprocess.run(
        [
            *(sys.executable, "-m", "taxgate", "report", "disclosures"),
            *("--from", body["from"], "--to", body["to"], "--out", str(tmp_path)),
            *("--store", served.config.store_url, "--keys", str(served.config.key_dir)),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert cli.returncode == 0, cli.stderr
    assert cli.stdout.startswith(
        f"{view['items']:,} items decided, {view['disclosed']:,} disclosed, from the signed "
        f"tree head of size {view['tree_head']['size']:,}"
    )
    csv = served.client.get(view["files"]["disclosures.csv"], headers=served.auth("audrey"))
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.content == (tmp_path / "disclosures.csv").read_bytes()
    kept_view = f"/api/reports/disclosures/{view['id']}"
    again = served.client.get(kept_view, headers=served.auth("audrey"))
    assert again.json() == view


def test_a_public_report_is_recorded_under_the_officer_and_read_by_anyone(
    served: Served, released: dict[str, Any]
) -> None:
    index, entry = served.ledger.entries_of("budget", batch="public-report@2025")[-1]
    assert released["ledger_entry"] == index
    assert entry["actor"] == "pete"
    assert released["budget"]["epsilon"] == EPSILON
    assert released["budget"]["period_budget"]["releases"] == 1

    latest = served.client.get("/api/reports/public/2025", headers=served.auth("pat"))
    assert latest.json() == released
    csv = served.client.get(released["files"]["public.csv"], headers=served.auth("pat"))
    assert hashlib.sha256(csv.content).hexdigest() == entry["digest"]
    # Requests are counted exactly, once per recipient and month they were decided in.
    requests = {
        (r.recipient, r.request, r.as_of.month)
        for r in batch_records(served.ledger)
        if r.as_of.year == 2025
    }
    published = [r for r in released["rows"] if r["section"] == "requests"]
    assert sum(r["count"] for r in published) == len(requests) == 2


def test_a_release_past_the_year_s_budget_is_refused_with_the_cli_s_line(
    served: Served, released: dict[str, Any], tmp_path: Path
) -> None:
    size, files = served.size(), kept_files(served)
    refused = served.client.post(
        "/api/reports/public",
        json={"period": "2025", "epsilon": 0.99},
        headers=served.auth("pete"),
    )
    assert refused.status_code == 409
    message = refused.json()["error"]
    assert "remains after 1 release(s); nothing was released" in message
    assert (served.size(), kept_files(served)) == (size, files)
    latest = served.client.get("/api/reports/public/2025", headers=served.auth("pat"))
    assert latest.json()["ledger_entry"] == released["ledger_entry"]

    cli = subprocess.run(
        [
            *(sys.executable, "-m", "taxgate", "report", "public", "--period", "2025"),
            *("--epsilon", "0.99", "--out", str(tmp_path)),
            *("--store", served.config.store_url, "--keys", str(served.config.key_dir)),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert cli.returncode == 2
    assert cli.stderr.strip() == f"taxgate: error: {message}"
    assert served.size() == size


@pytest.mark.parametrize(
    ("period", "epsilon", "status"),
    [
        ("2025", 0.0, 422),
        ("2025", -1.0, 422),
        ("20x5", 0.5, 422),
        ("2031", 0.5, 422),
        ("2025", 1e308, 409),
    ],
)
def test_a_bad_public_report_request_is_4xx_with_the_stage_s_line(
    served: Served, period: str, epsilon: float, status: int, tmp_path: Path
) -> None:
    size = served.size()
    response = served.client.post(
        "/api/reports/public",
        json={"period": period, "epsilon": epsilon},
        headers=served.auth("pete"),
    )
    assert response.status_code == status
    with pytest.raises(TaxgateError) as raised:
        make_public_report(served.ledger, period, epsilon, tmp_path)
    assert response.json()["error"] == one_line(raised.value)
    assert raised.value.http_status == status
    assert served.size() == size


def test_unknown_orders_and_unreleased_years_are_404(served: Served) -> None:
    auditor = served.auth("audrey")
    unknown = served.client.post("/api/reports/order/no-such-order", headers=auditor)
    assert unknown.status_code == 404
    assert "unknown order 'no-such-order'" in unknown.json()["error"]
    none = served.client.get("/api/reports/public/2026", headers=served.auth("pat"))
    assert none.status_code == 404
    assert none.json()["error"] == "no public report has been released for 2026"
    outside = served.client.get("/api/reports/disclosures/..%2F..%2Fkeys/x", headers=auditor)
    assert outside.status_code == 404


def test_a_proof_bundle_downloaded_checks_offline_with_the_published_key(
    served: Served, later_batch: str, tmp_path: Path
) -> None:
    response = served.client.post(f"/api/reports/order/{STAY}", headers=served.auth("carla"))
    assert response.status_code == 200, response.text
    view = response.json()
    release_entry = served.ledger.entries_of("release", later_batch)[0][0]
    released_later = [
        i for i, d in served.ledger.entries_of("decision", later_batch) if d["outcome"] == RELEASE
    ]
    assert [b["batch"] for b in view["batches"]] == [later_batch]
    assert view["batches"][0]["decided_under_order"] is True
    assert view["breach"] == len(released_later) == 0  # the stay withheld every item

    zipped = served.client.get(view["files"]["proof-bundle.zip"], headers=served.auth("audrey"))
    assert zipped.status_code == 200
    assert zipped.headers["content-type"] == "application/zip"
    zipfile.ZipFile(io.BytesIO(zipped.content)).extractall(tmp_path)
    bundle = tmp_path / "proof-bundle"
    assert {p.name for p in bundle.iterdir()} == {
        "proofs.jsonl",
        "tree-head.json",
        "checkpoint.note",
        "ledger.pub",
    }
    lines = (bundle / "proofs.jsonl").read_text().splitlines()
    assert len(lines) == view["proofs"]
    assert release_entry in {json.loads(line)["index"] for line in lines}
    # The key from where the ledger publishes it, not from the bundle; no store in reach.
    published = tmp_path / "published.pem"
    published.write_text(served.client.get("/api/ledger/key", headers=served.auth("pat")).text)
    key = str(published)
    offline = {k: v for k, v in os.environ.items() if not k.startswith("TAXGATE_")}

    def check(proofs: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "taxgate", "ledger", "check-proof", str(proofs), "--key", key],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
            env=offline,
        )

    checked = check(bundle / "proofs.jsonl")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.startswith("ok: ")
    forged = tmp_path / "forged.jsonl"
    forged.write_text("\n".join([lines[0].replace('"size":', '"size":1'), *lines[1:]]) + "\n")
    assert check(forged).returncode == 1


def _world_values(world: Path) -> tuple[set[str], set[str], set[str]]:
    """Every TIN; every full name and street; and the surnames that are not words taxgate
    itself writes (a surname like "Fields" in a column header is no leak)."""
    con = connect()
    try:
        open_world(con, world)
        tins = {str(r[0]) for r in con.execute("SELECT tin FROM taxpayers").fetchall()}
        names = con.execute("SELECT given_name, surname FROM taxpayers").fetchall()
        streets = {str(r[0]) for r in con.execute("SELECT street FROM addresses").fetchall()}
    finally:
        con.close()
    vocabulary: set[str] = set()
    for source in Path(taxgate.__file__).parent.rglob("*"):
        if source.suffix in (".py", ".toml", ".cedar", ".html"):
            vocabulary |= set(re.findall(r"[a-z][a-z'\-]+", source.read_text("utf-8").lower()))
    phrases = {f"{g} {s}".lower() for g, s in names if g and s}
    phrases |= {s.lower() for s in streets if len(s) >= 8}
    surnames = {str(s).lower() for _, s in names if s and len(s) >= 5} - vocabulary
    return tins, phrases, surnames


def test_nothing_the_public_reads_names_a_taxpayer(
    served: Served, released: dict[str, Any]
) -> None:
    tins, phrases, surnames = _world_values(served.world.world)

    def leaks(text: str) -> list[str]:
        text = text.lower()
        found = set(re.findall(r"(?<!\d)\d{9}(?!\d)", text)) & tins
        found |= set(re.findall(r"[a-z][a-z'\-]+", text)) & surnames
        return sorted(found | {phrase for phrase in phrases if phrase in text})

    pat = served.auth("pat")
    texts = [served.client.get("/api/reports/public/2025", headers=pat).text]
    texts += [served.client.get(url, headers=pat).text for url in released["files"].values()]
    texts.append(signed_in(served, "pat").get("/reports/public/2025").text)
    assert all(len(text) > 1000 for text in texts)
    for text in texts:
        assert leaks(text) == []
    # The scan finds what it looks for.
    name, tin = sorted(phrases)[0], sorted(tins)[0]
    assert len(leaks(f"released to {name.title()}, TIN {tin}")) == 2


@pytest.mark.parametrize("name", sorted(n for n in PEOPLE if n != "olga"))
def test_the_reports_page_offers_each_role_what_it_may_do(
    served: Served, released: dict[str, Any], name: str
) -> None:
    role = PEOPLE[name][0]
    page = signed_in(served, name).get("/reports")
    assert page.status_code == 200
    assert 'href="/reports/public/2025"' in page.text  # everyone reads the public report
    forms = set(re.findall(r'<form[^>]* action="(/reports/[a-z]+)"', page.text))
    expected = {
        "/reports/disclosures": role == AUDITOR,
        "/reports/public": role == OFFICER,
        "/reports/order": role in (AUDITOR, COUNSEL),
    }
    assert forms == {action for action, shown in expected.items() if shown}


def test_the_console_makes_and_shows_a_report_without_javascript(
    served: Served, later_batch: str
) -> None:
    client = signed_in(served, "audrey")
    token = csrf_of(client.get("/reports").text)
    made = client.post(
        "/reports/disclosures",
        data={"from": AS_OF.isoformat(), "to": LATER.isoformat(), "csrf": token},
        follow_redirects=False,
    )
    assert made.status_code == 303
    page = client.get(made.headers["location"])
    assert page.status_code == 200
    assert "<h1>taxgate: disclosure report</h1>" in page.text
    assert "<svg" in page.text and "<script>" not in page.text.split("<main>")[1]
    decided = _decisions(served.ledger, AS_OF, LATER)
    assert f"<td>items decided</td><td>{len(decided):,}</td>" in page.text

    order = client.post("/reports/order", data={"order": STAY, "csrf": token})
    assert order.status_code == 200
    assert f"taxgate: compliance with {STAY}" in order.text
    assert "proof-bundle.zip" in order.text

    # Counsel may not make the disclosure report; nothing is kept for the refused call.
    files = kept_files(served)
    carla = signed_in(served, "carla")
    fields = {"from": "2025-01-01", "to": "2025-12-31"}
    refused = carla.post(
        "/reports/disclosures", data={**fields, "csrf": csrf_of(carla.get("/reports").text)}
    )
    assert refused.status_code == 403
    assert kept_files(served) == files


def test_a_compliance_report_from_the_api_matches_the_stage_s(
    served: Served, later_batch: str, tmp_path: Path
) -> None:
    response = served.client.post(f"/api/reports/order/{STAY}", headers=served.auth("audrey"))
    report = make_compliance_report(served.ledger, STAY, tmp_path)
    view = response.json()
    assert view["tree_head"]["size"] == report.head.size
    assert (view["breach"], view["excepted"], view["not_in_force"], view["proofs"]) == (
        report.count("breach"),
        report.count("excepted"),
        report.count("not in force"),
        len(report.cited),
    )
    csv = served.client.get(view["files"]["compliance.csv"], headers=served.auth("audrey"))
    assert csv.content == (tmp_path / "compliance.csv").read_bytes()
