"""Every API route for every role: what contracts.md §9 lets a role do it may do; anything
else is 403 and records nothing (the ledger and the job list keep their size)."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from service_kit import PEOPLE, Served, job_count

from taxgate.duck import connect
from taxgate.world.io import open_world

OFFICER, COUNSEL, AUDITOR, CUSTODIAN = "officer", "counsel", "auditor", "custodian"
EVERYONE = frozenset(role for role, _ in PEOPLE.values())

# (method, path, JSON body, the roles that may call it), from contracts.md §9: officer
# (decide, review), counsel (orders, what-if), auditor (ledger, reports, read-only),
# custodian (its agency's notices), public (public report only). Bodies that would change
# something are ones the route refuses after authorising (a file that is not there, a
# release without a taxpayer), so an allowed call records nothing either.
ROUTES: list[tuple[str, str, dict[str, Any] | None, frozenset[str]]] = [
    ("GET", "/api/me", None, EVERYONE),
    ("POST", "/api/decide", {"manifest": "no/such.toml", "world": "world"}, frozenset({OFFICER})),
    ("GET", "/api/jobs", None, frozenset({OFFICER, AUDITOR})),
    ("GET", "/api/batches", None, frozenset({OFFICER, COUNSEL, AUDITOR})),
    ("GET", "/api/batches/{batch}", None, frozenset({OFFICER, COUNSEL, AUDITOR})),
    ("GET", "/api/batches/{batch}/decisions", None, frozenset({OFFICER, COUNSEL, AUDITOR})),
    ("GET", "/api/review", None, frozenset({OFFICER, AUDITOR})),
    ("GET", "/api/review/{batch}/{waiting}", None, frozenset({OFFICER})),
    (
        "POST",
        "/api/review/{batch}/{waiting}/verdict",
        {"outcome": "release", "reason": "DOB matches"},
        frozenset({OFFICER}),
    ),
    (
        "POST",
        "/api/identity/explain",
        {"manifest": "no/such.toml", "item": "ICE-000001", "world": "world"},
        frozenset({OFFICER}),
    ),
    ("GET", "/api/orders", None, frozenset({OFFICER, COUNSEL, AUDITOR})),
    ("GET", "/api/orders/timeline", None, frozenset({OFFICER, COUNSEL, AUDITOR})),
    ("GET", "/api/orders/check?directory=world", None, frozenset({COUNSEL})),
    (
        "POST",
        "/api/orders/what-if",
        {"batch": "{batch}", "stay": ["ctr-stay-2025-11-21"], "as_of": "2025-11-22"},
        frozenset({COUNSEL}),
    ),
    ("GET", "/api/ledger/head", None, frozenset({AUDITOR})),
    ("GET", "/api/ledger/entries", None, frozenset({AUDITOR})),
    ("GET", "/api/ledger/proof/0", None, frozenset({AUDITOR})),
    ("GET", "/api/ledger/consistency/1", None, frozenset({AUDITOR})),
    ("POST", "/api/ledger/verify", None, frozenset({AUDITOR})),
    ("GET", "/api/ledger/key", None, EVERYONE),
    ("POST", "/api/ledger/check-proof", {"proof": {"type": "inclusion"}}, EVERYONE),
    ("POST", "/api/ledger/accounting", {"tin": "000000001"}, frozenset({AUDITOR})),
    ("POST", "/api/remedies/scan", {"as_of": "2026-02-06", "orders": "nope"}, frozenset({COUNSEL})),
    ("GET", "/api/remedies/status", None, frozenset({COUNSEL, AUDITOR, CUSTODIAN})),
    (
        "POST",
        "/api/remedies/audit",
        {"disclosures": "no/such.csv", "world": "world"},
        frozenset({COUNSEL, AUDITOR}),
    ),
]
# One user per role; olga (the officer who started the batch) has her own test below.
CALLERS = {role: name for name, (role, _) in PEOPLE.items() if name != "olga"}


def _fill(text: str, served: Served, waiting: str) -> str:
    return text.replace("{batch}", served.batch).replace("{waiting}", waiting)


@pytest.fixture(scope="module")
def waiting(served: Served) -> str:
    queue = served.client.get(f"/api/review?batch={served.batch}", headers=served.auth("pete"))
    assert queue.status_code == 200
    assert queue.json(), "the decided batch sends no item to review"
    return str(queue.json()[0]["item"])


@pytest.mark.parametrize("role", sorted(EVERYONE))
@pytest.mark.parametrize(("method", "path", "body", "allowed"), ROUTES, ids=[r[1] for r in ROUTES])
def test_each_route_answers_each_role_as_the_contract_says(
    served: Served,
    waiting: str,
    role: str,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    allowed: frozenset[str],
) -> None:
    name = CALLERS[role]
    payload = None
    if body is not None:
        payload = {
            k: _fill(v, served, waiting) if isinstance(v, str) else v for k, v in body.items()
        }
    size, jobs = served.size(), job_count(served)
    response = served.client.request(
        method, _fill(path, served, waiting), json=payload, headers=served.auth(name)
    )
    assert response.status_code < 500, response.text
    if role in allowed:
        assert response.status_code != 403, response.text
        return
    assert response.status_code == 403
    assert name in response.json()["error"]
    assert (served.size(), job_count(served)) == (size, jobs), "a refused call recorded something"


def test_no_route_answers_without_signing_in(served: Served) -> None:
    size = served.size()
    for method, path, body, _ in ROUTES:
        response = served.client.request(method, _fill(path, served, "x"), json=body)
        assert response.status_code == 401, path
        assert "sign in" in response.json()["error"]
    forged = served.client.get("/api/me", headers={"Authorization": "Bearer tgt_forged"})
    assert forged.status_code == 401
    assert served.size() == size


def test_the_officer_who_started_a_batch_does_not_review_it(served: Served, waiting: str) -> None:
    case = f"/api/review/{served.batch}/{waiting}"
    size = served.size()
    for method, path, body in (
        ("GET", case, None),
        ("POST", f"{case}/verdict", {"outcome": "withhold", "reason": "cannot tell them apart"}),
    ):
        refused = served.client.request(method, path, json=body, headers=served.auth("olga"))
        assert refused.status_code == 403
        assert "an officer does not review a batch they started" in refused.json()["error"]
    assert served.size() == size

    shown = served.client.get(case, headers=served.auth("pete"))
    assert shown.status_code == 200
    # Exactly one entry, the inspection: by pete, naming the candidates he was shown.
    assert served.size() == size + 1
    index, entry = served.ledger.entries_of("inspection", served.batch)[-1]
    assert index == size
    assert entry["actor"] == "pete"
    tins = [c["tin"] for c in shown.json()["candidates"]]
    assert entry["details"]["shown"] == [served.ledger.subject(tin) for tin in tins]


def test_a_verdict_is_recorded_once_under_the_signed_in_officer(
    served: Served, waiting: str
) -> None:
    path = f"/api/review/{served.batch}/{waiting}/verdict"
    body = {"outcome": "withhold", "reason": "two brothers at one address"}
    first = served.client.post(path, json=body, headers=served.auth("pete"))
    assert first.status_code == 200, first.text
    assert first.json()["outcome"] == "withhold"
    recorded = served.ledger.recorded(served.batch, waiting, "verdict")
    assert recorded is not None
    assert recorded["actor"] == "pete"
    size = served.size()
    again = served.client.post(path, json=body, headers=served.auth("pete"))
    assert again.status_code == 409
    assert "a verdict is final" in again.json()["error"]
    assert served.size() == size
    queue = served.client.get(f"/api/review?batch={served.batch}", headers=served.auth("pete"))
    assert waiting not in {item["item"] for item in queue.json()}


def test_an_error_is_the_same_line_the_cli_prints(served: Served) -> None:
    missing = "NO-SUCH-REQUEST@2025-01-01"
    response = served.client.get(f"/api/review?batch={missing}", headers=served.auth("pete"))
    assert response.status_code == 404
    cli = subprocess.run(
        [
            *(sys.executable, "-m", "taxgate", "review", "list", "--batch", missing),
            *("--store", served.config.store_url, "--keys", str(served.config.key_dir)),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert cli.returncode == 2
    assert cli.stderr.strip() == f"taxgate: error: {response.json()['error']}"


def test_a_bug_answers_500_without_a_traceback(served: Served) -> None:
    def broken() -> None:
        raise RuntimeError("secret internals /etc/passwd line 3")

    served.app.add_api_route("/api/broken-for-test", broken)
    response = served.client.get("/api/broken-for-test")
    assert response.status_code == 500
    text = response.text
    assert "internal error" in response.json()["error"]
    assert "Traceback" not in text
    assert "secret internals" not in text


def test_the_accounting_look_is_recorded_before_it_is_shown(served: Served) -> None:
    released = [
        doc for _, doc in served.ledger.entries_of("decision", served.batch) if doc.get("subject")
    ]
    assert released
    size = served.size()
    # The subject key is the only way back from an entry to a TIN: key every TIN in the world.
    con = connect()
    open_world(con, served.world.world)
    tins = [str(row[0]) for row in con.execute("SELECT tin FROM taxpayers").fetchall()]
    con.close()
    keyed = {served.ledger.subject(tin): tin for tin in tins}
    tin = next(keyed[doc["subject"]] for doc in released if doc["subject"] in keyed)
    response = served.client.post(
        "/api/ledger/accounting", json={"tin": tin}, headers=served.auth("audrey")
    )
    assert response.status_code == 200
    expected = [
        (doc["batch"], doc["item"])
        for doc in released
        if doc["subject"] == served.ledger.subject(tin) and doc["outcome"] == "release"
    ]
    assert [(d["batch"], d["item"]) for d in response.json()] == expected
    index, inspection = served.ledger.entries_of("inspection", "accounting")[-1]
    assert index == size
    assert inspection["actor"] == "audrey"
    assert inspection["details"]["shown"] == [served.ledger.subject(tin)]


def test_a_proof_from_the_api_checks_and_an_edited_one_does_not(served: Served) -> None:
    auditor = served.auth("audrey")
    index = served.size() - 1
    proof = served.client.get(f"/api/ledger/proof/{index}", headers=auditor).json()
    key = served.client.get("/api/ledger/key", headers=served.auth("pat")).text
    checked = served.client.post(
        "/api/ledger/check-proof", json={"proof": proof, "key": key}, headers=served.auth("pat")
    )
    assert checked.json() == {
        "ok": True,
        "text": f"ok: entry {index} is in the signed tree of size {index + 1}",
    }
    edited = {**proof, "entry": proof["entry"].replace('"v":1', '"v":2')}
    refused = served.client.post(
        "/api/ledger/check-proof", json={"proof": edited}, headers=served.auth("pat")
    )
    assert refused.json()["ok"] is False
    assert refused.json()["text"].startswith("FAILED: ")


def test_explaining_a_match_is_an_inspection_recorded_first(served: Served) -> None:
    released = next(
        doc["item"]
        for _, doc in served.ledger.entries_of("decision", served.batch)
        if doc["outcome"] == "release"
    )
    size = served.size()
    body = {"manifest": "mixed/request.toml", "item": released, "world": "world"}
    shown = served.client.post("/api/identity/explain", json=body, headers=served.auth("pete"))
    assert shown.status_code == 200, shown.text
    tins = list(dict.fromkeys(row["tin"] for row in shown.json()))
    assert tins
    assert served.size() == size + 1
    _, entry = served.ledger.entries_of("inspection", served.batch.rsplit("@", 1)[0])[-1]
    assert entry["actor"] == "pete"
    assert entry["details"]["shown"] == [served.ledger.subject(tin) for tin in tins]
