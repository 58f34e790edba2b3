"""Compliance with one order: reach, in force (stays), exceptions, and a proof bundle an
auditor checks with the published key alone."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from tests.reports.conftest import record, tin, verdict
from typer.testing import CliRunner

from taxgate.cli import app, main
from taxgate.errors import ConfigError
from taxgate.ledger import Ledger
from taxgate.ledger.checkpoint import open_checkpoint, published_key
from taxgate.model import RELEASE, WITHHOLD
from taxgate.remedies import scan
from taxgate.reports import make_compliance_report

runner = CliRunner()
ORDERS = {
    "bar-dhs.toml": """
id = "test-bar-dhs"
case = "Example v. IRS"
court = "D.D.C."
kind = "preliminary-injunction"
issued = 2025-10-01
effective = 2025-10-01
disclosers = ["IRS"]
recipients = ["DHS"]
data = ["address"]
purposes = ["*"]
reaches_prior_disclosures = true
notice_deadline = 2025-10-10
citation = "No. 25-cv-0001 (D.D.C. Oct. 1, 2025)"
""",
    "stay.toml": """
id = "test-stay"
case = "Example v. IRS"
court = "D.C. Cir."
kind = "stay-of-order"
issued = 2025-12-01
effective = 2025-12-01
expires = 2026-01-01
target = "test-bar-dhs"
citation = "No. 25-5001 (D.C. Cir. Dec. 1, 2025)"
""",
    "fbi.toml": """
id = "test-fbi-open"
case = "Other v. IRS"
court = "D. Mass."
kind = "tro"
issued = 2025-01-01
effective = 2025-01-01
disclosers = ["IRS"]
recipients = ["FBI"]
data = ["*"]
purposes = ["*"]
except = ["criminal-compliant"]
citation = "No. 25-cv-0002 (D. Mass. Jan. 1, 2025)"
""",
}


@pytest.fixture
def orders(tmp_path: Path) -> Path:
    folder = tmp_path / "orders"
    folder.mkdir()
    for name, text in ORDERS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _items(prefix: str, released: int, start: int) -> list[tuple[str, str, tuple[str, ...], str]]:
    items = [(f"{prefix}{n}", RELEASE, (), tin(start + n)) for n in range(released)]
    return [*items, (f"{prefix}x", WITHHOLD, ("match.none",), "")]


@pytest.fixture
def ledger_url(store_url: str, tmp_path: Path) -> tuple[str, Path]:
    keys = tmp_path / "keys"
    with Ledger.open(store_url, keys) as ledger:
        record(ledger, "ICE-OLD", "ICE", date(2025, 9, 1), _items("O", 4, 0))  # before
        ice = record(ledger, "ICE-NEW", "ICE", date(2025, 11, 1), _items("N", 2, 10))
        verdict(ledger, ice, "Nx", RELEASE, tin(19), date(2025, 11, 5))
        record(ledger, "USCIS-1", "USCIS", date(2025, 12, 15), _items("U", 3, 20))  # stayed
        record(ledger, "FBI-1", "FBI", date(2025, 11, 1), _items("F", 5, 30))
        record(ledger, "DEA-1", "DEA", date(2025, 11, 1), _items("D", 2, 40))
    return store_url, keys


def test_breaches_stays_and_reach(
    ledger_url: tuple[str, Path], orders: Path, tmp_path: Path
) -> None:
    url, keys = ledger_url
    with Ledger.open(url, keys, create=False) as ledger:
        report = make_compliance_report(ledger, "test-bar-dhs", tmp_path / "out", orders=orders)
    by = {(d.record.batch, d.kind): d for d in report.disclosed}
    # ICE-OLD precedes the order; FBI and DEA are not DHS: none of them is listed.
    assert set(by) == {
        ("ICE-NEW@2025-11-01", "decision"),
        ("ICE-NEW@2025-11-01", "verdict"),
        ("USCIS-1@2025-12-15", "decision"),
    }
    assert by[("ICE-NEW@2025-11-01", "decision")].status == "breach"
    assert by[("ICE-NEW@2025-11-01", "verdict")].status == "breach"
    assert by[("USCIS-1@2025-12-15", "decision")].status == "not in force"  # stayed in December
    assert (report.count("breach"), report.count("not in force")) == (3, 3)
    decision = by[("ICE-NEW@2025-11-01", "decision")]
    assert decision.rules == ("6103-i2-written-request",)
    assert decision.citations[0].startswith("26 U.S.C.")  # from the compiled policy set
    assert not report.notices.rows  # no remedies scan has run on this ledger
    assert report.notices.note == "no notice has been issued for this order"
    page = (tmp_path / "out" / "compliance.html").read_text(encoding="utf-8")
    assert "3 item(s) were released in breach" in page and report.head.root in page


def test_the_notices_an_order_triggered_are_listed_with_their_states(
    ledger_url: tuple[str, Path], orders: Path, tmp_path: Path
) -> None:
    """The order reaches ICE-OLD, released before it took effect: a remedies scan issues ICE
    a notice, and the report shows it with its state on the report's day."""
    url, keys = ledger_url
    with Ledger.open(url, keys) as ledger:
        scanned = scan(ledger, orders, date(2025, 10, 2))
        report = make_compliance_report(
            ledger, "test-bar-dhs", tmp_path / "out", orders=orders, as_of=date(2025, 10, 11)
        )
    issued = [n for n in scanned.notices if n.order == "test-bar-dhs"]
    assert [(n.recipient, n.items) for n in issued] == [("ICE", 4)]
    rows = report.notices.rows
    assert [(row["recipient"], row["status"]) for row in rows] == [("ICE", "overdue")]
    assert rows[0]["notice_id"] == issued[0].notice_id
    assert rows[0]["batches"] == ["ICE-OLD@2025-09-01"]


def test_an_exception_the_order_leaves_open(
    ledger_url: tuple[str, Path], orders: Path, tmp_path: Path
) -> None:
    url, keys = ledger_url
    with Ledger.open(url, keys, create=False) as ledger:
        report = make_compliance_report(ledger, "test-fbi-open", tmp_path / "out", orders=orders)
    assert [(d.record.batch, d.status, d.items) for d in report.disclosed] == [
        ("FBI-1@2025-11-01", "excepted", 5)
    ]


def test_the_bundle_proves_every_cited_entry_offline(
    ledger_url: tuple[str, Path], orders: Path, tmp_path: Path
) -> None:
    url, keys = ledger_url
    out = tmp_path / "out"
    with Ledger.open(url, keys, create=False) as ledger:
        report = make_compliance_report(ledger, "test-bar-dhs", out, orders=orders)
        released = {
            index
            for kind in ("decision", "verdict")
            for index, doc in ledger.entries_of(kind)
            if doc["outcome"] == RELEASE
            and doc["batch"] in {"ICE-NEW@2025-11-01", "USCIS-1@2025-12-15"}
        }
        releases = {
            index
            for index, doc in ledger.entries_of("release")
            if doc["batch"] in {"ICE-NEW@2025-11-01", "USCIS-1@2025-12-15"}
        }
        bodies = {index: ledger.entry(index) for index in report.cited}
    # Every released item within reach, and every batch within reach since the order.
    assert set(report.cited) == released | releases
    bundle = out / "proof-bundle"
    lines = (bundle / "proofs.jsonl").read_text(encoding="utf-8").splitlines()
    proofs = [json.loads(line) for line in lines]
    assert [p["index"] for p in proofs] == sorted(report.cited)
    assert all(p["entry"] == bodies[p["index"]] for p in proofs)
    with Ledger.open(url, keys, create=False) as ledger:  # each line is what `prove` prints
        assert proofs[0] == ledger.prove(proofs[0]["index"], report.head.size).to_dict()
    # The key is taken from where the ledger publishes it, never from the bundle itself.
    published = tmp_path / "published.pub"
    published.write_text(runner.invoke(app, ["ledger", "key", "--keys", str(keys)]).output)
    check = ["ledger", "check-proof", str(bundle / "proofs.jsonl"), "--key", str(published)]
    result = runner.invoke(app, check)
    assert (result.exit_code, result.output) == (0, f"ok: all {len(proofs)} proofs verify\n")
    # The bundle's checkpoint is the same signed tree, readable by any C2SP witness.
    verifier = published_key(published.read_text())
    checkpoint = open_checkpoint((bundle / "checkpoint.note").read_text(), verifier).checkpoint
    assert (checkpoint.size, checkpoint.root.hex()) == (report.head.size, report.head.root)
    assert all(p["tree_head"] == report.head.to_dict() for p in proofs)
    forged = json.loads(lines[1])
    forged["entry"] = forged["entry"].replace('"outcome":"release"', '"outcome":"withhold"')
    (bundle / "proofs.jsonl").write_text("\n".join([lines[0], json.dumps(forged), *lines[2:]]))
    result = runner.invoke(app, check)
    assert result.exit_code == 1 and result.output.startswith("FAILED: proof 2:")


def test_an_unknown_order_is_one_line(
    ledger_url: tuple[str, Path], orders: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, keys = ledger_url
    args = ["report", "order", "no-such-order", "--orders", str(orders)]
    args += ["--out", str(tmp_path / "out"), "--store", url, "--keys", str(keys)]
    with pytest.raises(SystemExit) as exit_:
        main(args)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown order 'no-such-order'" in err
    assert not (tmp_path / "out" / "compliance.csv").exists()


def test_an_order_that_reaches_nothing_still_gives_a_bundle_the_auditor_can_check(
    ledger_url: tuple[str, Path], orders: Path, tmp_path: Path
) -> None:
    """The page tells the auditor to run `ledger check-proof proof-bundle/proofs.jsonl`; with no
    entry in reach that command must still work and check the tree head the report is from."""
    (orders / "income.toml").write_text(
        ORDERS["bar-dhs.toml"]
        .replace('"test-bar-dhs"', '"test-income-only"')
        .replace('data = ["address"]', 'data = ["income"]'),
        encoding="utf-8",
    )
    url, keys = ledger_url
    out = tmp_path / "out"
    with Ledger.open(url, keys, create=False) as ledger:
        report = make_compliance_report(ledger, "test-income-only", out, orders=orders)
    assert report.disclosed == () and report.cited == ()
    published = tmp_path / "published.pub"
    published.write_text(runner.invoke(app, ["ledger", "key", "--keys", str(keys)]).output)
    proofs = out / "proof-bundle" / "proofs.jsonl"
    result = runner.invoke(app, ["ledger", "check-proof", str(proofs), "--key", str(published)])
    assert result.exit_code == 0, result.output
    (document,) = [json.loads(line) for line in proofs.read_text(encoding="utf-8").splitlines()]
    assert document["tree_head"] == report.head.to_dict()
    # A bundle signed by another key does not pass for this ledger's.
    other = tmp_path / "other-keys"
    with Ledger.open(f"sqlite:///{tmp_path / 'other.db'}", other):
        pass
    published.write_text(runner.invoke(app, ["ledger", "key", "--keys", str(other)]).output)
    result = runner.invoke(app, ["ledger", "check-proof", str(proofs), "--key", str(published)])
    assert result.exit_code == 1


def test_a_registry_that_lacks_a_recipient_is_refused_not_read_as_out_of_reach(
    store_url: str, orders: Path, tmp_path: Path, hsi_registry: Path
) -> None:
    """HSI, a component of ICE in the registry its batch was decided with, is within reach of
    an order naming DHS. Judged with a registry that does not know HSI, the report would say
    nothing was released in breach; it names the batch and the option instead."""
    keys = tmp_path / "keys"
    with Ledger.open(store_url, keys) as ledger:
        record(ledger, "HSI-1", "HSI", date(2025, 11, 1), _items("H", 3, 50))
        report = make_compliance_report(
            ledger, "test-bar-dhs", tmp_path / "one", orders=orders, agencies=hsi_registry
        )
        assert report.count("breach") == 3
        with pytest.raises(ConfigError) as raised:
            make_compliance_report(ledger, "test-bar-dhs", tmp_path / "two", orders=orders)
    assert "HSI-1@2025-11-01" in str(raised.value) and "--agencies" in str(raised.value)
    assert not (tmp_path / "two" / "compliance.csv").exists()
