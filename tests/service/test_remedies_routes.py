"""Notices through the service: counsel scans, each custodian sees and acknowledges only
their own agency's notices, and a refusal records nothing."""

from __future__ import annotations

from typing import Any

import pytest
from service_kit import Served

from taxgate.service import accounts

AFTER_ORDER = "2026-02-06"  # the day after the built-in order that reaches prior disclosures


@pytest.fixture(scope="module")
def scanned(served: Served) -> dict[str, Any]:
    response = served.client.post(
        "/api/remedies/scan", json={"as_of": AFTER_ORDER}, headers=served.auth("carla")
    )
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def test_a_scan_reaches_every_item_the_batch_released(
    served: Served, scanned: dict[str, Any]
) -> None:
    released = sum(
        1
        for _, doc in served.ledger.entries_of("decision", served.batch)
        if doc["outcome"] == "release"
    )
    assert released
    assert scanned["issued"]
    assert scanned["reached_items"] == released
    assert all(served.batch in n["batches"] for n in scanned["notices"])


def test_a_custodian_sees_and_acknowledges_only_their_agency_s_notices(
    served: Served, scanned: dict[str, Any]
) -> None:
    notice = scanned["notices"][0]
    agency = notice["recipient"]
    store = served.ledger.store
    own = accounts.add_user(store, "rosa", "custodian", "password-rosa", agency)
    other_agency = "FBI" if agency != "FBI" else "DEA"
    other = accounts.add_user(store, "fran", "custodian", "password-fran", other_agency)
    tokens = {
        "rosa": {"Authorization": f"Bearer {accounts.mint_token(store, own)}"},
        "fran": {"Authorization": f"Bearer {accounts.mint_token(store, other)}"},
    }
    status = f"/api/remedies/status?as_of={AFTER_ORDER}"
    seen = served.client.get(status, headers=tokens["rosa"]).json()
    assert notice["notice_id"] in {n["notice_id"] for n in seen}
    assert {n["recipient"] for n in seen} == {agency}
    assert served.client.get(status, headers=tokens["fran"]).json() == []

    path = f"/api/remedies/notices/{notice['notice_id']}/ack"
    body = {"title": "Records Officer", "as_of": "2026-02-09", "certify": "quarantined"}
    size = served.size()
    refused = served.client.post(path, json=body, headers=tokens["fran"])
    assert refused.status_code == 403
    assert served.size() == size

    acked = served.client.post(path, json=body, headers=tokens["rosa"])
    assert acked.status_code == 200, acked.text
    assert acked.json()["recorded"] is True
    assert acked.json()["status"]["status"] == "certified"
    assert served.size() == size + 1
    entry = served.ledger.entries_of("acknowledgement")[-1][1]
    assert "rosa" in str(entry)
    again = served.client.post(path, json=body, headers=tokens["rosa"])
    assert again.json()["recorded"] is False
    assert served.size() == size + 1
