"""The console as a browser without JavaScript sees it: sign in, read, and be refused.

Pages are whole server-rendered HTML (readable with scripts off); a change rides on the
session cookie only with the session's CSRF token.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from service_kit import PEOPLE, Served, csrf_of, job_count, signed_in

from taxgate.service.web import COOKIE

# Console sections and the roles whose navigation opens them (contracts.md §9).
PAGES = {
    "/decide": {"officer"},
    "/batches": {"officer", "counsel", "auditor"},
    "/review": {"officer", "auditor"},
    "/orders": {"officer", "counsel", "auditor"},
    "/ledger": {"auditor"},
    "/notices": {"counsel", "auditor", "custodian"},
    "/reports": {role for role, _ in PEOPLE.values()},
}


def test_a_wrong_password_signs_nobody_in(served: Served) -> None:
    client = TestClient(served.app, raise_server_exceptions=False)
    response = client.post("/login", data={"name": "pete", "password": "password-olga"})
    assert response.status_code == 401
    assert COOKIE not in client.cookies
    page = client.get("/batches", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"].startswith("/login")


@pytest.mark.parametrize("name", sorted(n for n in PEOPLE if n != "olga"))
def test_each_role_sees_its_sections_and_is_refused_the_others(served: Served, name: str) -> None:
    client = signed_in(served, name)
    role = PEOPLE[name][0]
    home = client.get("/").text
    for path, roles in PAGES.items():
        assert (f'href="{path}"' in home) == (role in roles), path
        page = client.get(path)
        if role in roles:
            assert page.status_code == 200, page.text
        else:
            assert page.status_code == 403
            assert "may not" in page.text


def test_the_batch_page_reads_without_javascript(served: Served) -> None:
    client = signed_in(served, "audrey")
    page = client.get(f"/batches/{served.batch}").text
    decisions = served.ledger.entries_of("decision", served.batch)
    counts: dict[str, int] = {}
    for _, doc in decisions:
        counts[doc["outcome"]] = counts.get(doc["outcome"], 0) + 1
    outcomes = page.split('id="outcomes"')[1].split("</table>")[0]
    for outcome, count in counts.items():
        assert f'<td>{outcome}</td><td class="num">{count:,}</td>' in outcomes
    assert "<svg" in page  # the demo report's charts, drawn on the server


def test_a_change_needs_the_session_csrf_token(served: Served) -> None:
    client = signed_in(served, "audrey")
    page = client.get("/ledger").text
    size = served.size()
    forged = client.post("/ledger/accounting", data={"tin": "000000001"})
    assert forged.status_code == 403
    assert "CSRF" in forged.text
    assert served.size() == size
    genuine = client.post("/ledger/accounting", data={"tin": "000000001", "csrf": csrf_of(page)})
    assert genuine.status_code == 200
    assert served.size() == size + 1  # the look at the accounting is recorded


def test_a_decide_form_with_a_missing_file_queues_nothing(served: Served) -> None:
    client = signed_in(served, "pete")
    token = csrf_of(client.get("/decide").text)
    jobs = job_count(served)
    response = client.post(
        "/decide", data={"manifest": "nope.toml", "world": "world", "csrf": token}
    )
    assert response.status_code == 422
    assert "nope.toml" in response.text
    assert job_count(served) == jobs


def test_signing_out_ends_the_session(served: Served) -> None:
    client = signed_in(served, "carla")
    token = csrf_of(client.get("/orders").text)
    cookie = client.cookies[COOKIE]
    assert client.post("/logout", data={"csrf": token}, follow_redirects=False).status_code == 303
    stale = TestClient(served.app, cookies={COOKIE: cookie})
    assert stale.get("/orders", follow_redirects=False).status_code == 303
