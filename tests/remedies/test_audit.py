"""``remedies audit`` of the 2025 process's disclosures, checked against the truth file.

A generated ICE-2025 request, the 2025 process rebuilt from the court record
(``baseline.run_baseline``) deciding it, and its releases written out as another system's
disclosure list. Every figure the audit reports is compared with one computed here from the
generator's truth file, which the audit never reads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest

from taxgate import reasons
from taxgate.baseline import run_baseline
from taxgate.cli import main
from taxgate.errors import InputError
from taxgate.identity import train_model
from taxgate.intake.items import load_items
from taxgate.intake.manifest import load_manifest
from taxgate.ledger import Ledger
from taxgate.release.response import write_csv
from taxgate.remedies import AuditResult, audit_disclosures
from taxgate.remedies.audit import audit_batch
from taxgate.remedies.disclosures import disclosure_list
from taxgate.reports.scenario import Truth, read_truth
from taxgate.world.generate import generate_world
from taxgate.world.request import generate_request

DISCLOSED = date(2025, 8, 7)  # the day the 2025 process answered


@dataclass(frozen=True)
class Audited:
    world: Path
    disclosures: Path
    rows: pa.Table
    truth: dict[str, Truth]
    result: AuditResult
    store: str
    keys: Path


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory) -> Audited:
    root = tmp_path_factory.mktemp("audit")
    world = root / "world"
    generate_world(world, taxpayers=5_000, seed=11)
    train_model(world)
    generate_request(world, root / "request", kind="ice-2025", size=1_500, seed=11)
    manifest = load_manifest(root / "request" / "request.toml")
    items = load_items(manifest.items_path, max_mb=100)
    rows = disclosure_list(items, run_baseline(world, items), manifest, DISCLOSED)
    path = root / "disclosures.csv"
    write_csv(rows, path)
    store, keys = f"sqlite:///{root / 's.db'}", root / "keys"
    with Ledger.open(store, keys) as ledger:
        result = audit_disclosures(ledger, path, world)
    return Audited(
        world, path, rows, read_truth(root / "request" / "truth.csv"), result, store, keys
    )


def test_every_disclosure_is_judged_once(audited: Audited) -> None:
    result = audited.result
    assert result.disclosures == audited.rows.num_rows > 50
    assert result.lawful + result.unlawful + result.unsettled == result.disclosures
    assert result.floor_usd == 1_000 * result.unlawful
    assert result.judged["item_id"].to_pylist() == audited.rows["item_id"].to_pylist()


def test_unusable_addresses_are_counted_as_the_truth_file_records_them(audited: Audited) -> None:
    truth = audited.truth
    expected = sum(
        reasons.NO_ADDRESS in truth[item].expected_intake
        for item in audited.rows["item_id"].to_pylist()
    )
    assert expected > 0
    assert audited.result.no_usable_address == expected
    assert audited.result.by_reason[reasons.NO_ADDRESS] == expected


def test_wrong_person_disclosures_are_never_lawful_and_never_falsely_alleged(
    audited: Audited,
) -> None:
    truth = audited.truth
    disclosed = dict(
        zip(audited.rows["item_id"].to_pylist(), audited.rows["disclosed_tin"].to_pylist(),
            strict=True)
    )  # fmt: skip
    wrong = {item for item, tin in disclosed.items() if tin != truth[item].true_tin}
    assert wrong, "the 2025 process disclosed about someone other than the person named"
    judged = audited.result.judged.to_pylist()
    flagged = {row["item_id"] for row in judged if row["wrong_person"]}
    assert flagged <= wrong  # every allegation is true
    assert audited.result.wrong_person == len(flagged)
    assert not [row for row in judged if row["item_id"] in wrong and row["verdict"] == "lawful"]


def test_what_the_audit_calls_lawful_was_lawful_by_the_truth(audited: Audited) -> None:
    """The truth's test of scenario scoring: every element present, the right person, and the
    address one the taxpayer used (no order barred ICE on 2025-08-07)."""
    truth = audited.truth
    disclosed = dict(
        zip(audited.rows["item_id"].to_pylist(), audited.rows["disclosed_tin"].to_pylist(),
            strict=True)
    )  # fmt: skip
    lawful = [
        row["item_id"] for row in audited.result.judged.to_pylist() if row["verdict"] == "lawful"
    ]
    for item in lawful:
        fact = truth[item]
        assert not fact.expected_intake and fact.address_on_file, item
        assert disclosed[item] == fact.true_tin, item


def test_only_sufficient_items_are_looked_up_and_each_lookup_is_recorded(
    audited: Audited,
) -> None:
    truth = audited.truth
    sufficient = [
        item for item in audited.rows["item_id"].to_pylist() if not truth[item].expected_intake
    ]
    assert audited.result.looked_up == len(sufficient)
    with Ledger.open(audited.store, audited.keys, create=False) as ledger:
        recorded = ledger.entries_of("inspection", audit_batch(audited.disclosures))
    assert sorted(entry["details"]["item"] for _, entry in recorded) == sorted(sufficient)
    assert all(entry["actor"] == "taxgate remedies audit" for _, entry in recorded)


def _broken(audited: Audited, tmp_path: Path, edit: dict[str, object]) -> Path:
    rows = audited.rows.slice(0, 5)
    for name, value in edit.items():
        if value is None:
            rows = rows.drop([name])
        else:
            row, text = value  # type: ignore[misc]
            column = rows[name].to_pylist()
            column[row] = text
            rows = rows.set_column(rows.column_names.index(name), name, pa.array(column))
    path = tmp_path / "broken.csv"
    write_csv(rows, path)
    return path


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({"disclosed": None}, "field 'disclosed': missing required column"),
        ({"surname": None}, "field 'surname': missing required column"),
        ({"disclosed": (2, "2025-02-30")}, "row 3, field 'disclosed': not a date"),
        ({"received": (1, "2025-09-01")}, "row 2, field 'received': after the disclosure"),
        ({"recipient": (4, "NSA")}, "row 5, field 'recipient': not an agency"),
        ({"date_of_birth": (0, "1990-13-01")}, "row 1, field 'date_of_birth': not a date"),
        # A disclosure not yet made cannot be judged by the orders "in force then".
        ({"disclosed": (3, "2999-01-01")}, "row 4, field 'disclosed': in the future"),
    ],
)
def test_unusable_disclosure_lists_are_one_line_and_record_nothing(
    audited: Audited, tmp_path: Path, edit: dict[str, object], message: str
) -> None:
    path = _broken(audited, tmp_path, edit)
    with Ledger.open(audited.store, audited.keys) as ledger:
        size = ledger.size()
        with pytest.raises(InputError) as raised:
            audit_disclosures(ledger, path, audited.world)
        assert ledger.size() == size
    text = str(raised.value)
    assert message in text and str(path) in text and "\n" not in text


def test_a_list_with_no_disclosures_judges_none_and_records_nothing(
    audited: Audited, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A system that disclosed nothing owes nothing: the header alone is a usable list (exit
    0, every figure 0, a floor of $0), unlike a file without the required columns."""
    path = tmp_path / "none.csv"
    write_csv(audited.rows.slice(0, 0), path)
    with Ledger.open(audited.store, audited.keys) as ledger:
        size = ledger.size()
    command = ["remedies", "audit", str(path), "--world", str(audited.world), "--json"]
    with pytest.raises(SystemExit) as done:
        main([*command, "--store", audited.store, "--keys", str(audited.keys)])
    assert done.value.code == 0
    doc = json.loads(capsys.readouterr().out)
    counted = ("disclosures", "lawful", "unlawful", "unsettled", "looked_up", "floor_usd")
    assert {key: doc[key] for key in counted} == dict.fromkeys(counted, 0)
    assert doc["by_reason"] == {} and doc["screens"] == []
    with Ledger.open(audited.store, audited.keys, create=False) as ledger:
        assert ledger.size() == size


def test_the_command_gives_the_same_figures_and_records_on_postgresql(
    audited: Audited, postgres_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keys = tmp_path / "keys"
    command = ["remedies", "audit", str(audited.disclosures), "--world", str(audited.world)]
    with pytest.raises(SystemExit) as done:
        main([*command, "--json", "--store", postgres_url, "--keys", str(keys)])
    assert done.value.code == 0
    assert json.loads(capsys.readouterr().out) == audited.result.to_json()
    with Ledger.open(postgres_url, keys, create=False) as ledger:
        recorded = ledger.entries_of("inspection", audit_batch(audited.disclosures))
        assert len(recorded) == audited.result.looked_up
        assert ledger.verify().ok


def test_an_i1_disclosure_is_judged_on_its_court_order_only_when_the_list_gives_it(
    audited: Audited, tmp_path: Path
) -> None:
    """A §6103(i)(1) disclosure rests on an ex parte court order, a fact of the request that a
    disclosure list need not carry (like the signer): without an ``ex_parte_order`` column it
    is not judged, so the floor stays a lower bound; with the column, an empty cell is a
    disclosure without the order (request.basis)."""
    rows = audited.rows.slice(0, 6)
    rows = rows.set_column(
        rows.column_names.index("basis"), "basis", pa.array(["6103(i)(1)"] * rows.num_rows)
    )
    absent, given, empty = tmp_path / "absent.csv", tmp_path / "given.csv", tmp_path / "empty.csv"
    write_csv(rows, absent)
    order = "No. 26-mj-0001 (D.D.C.)"
    write_csv(rows.append_column("ex_parte_order", pa.array([order] * rows.num_rows)), given)
    write_csv(rows.append_column("ex_parte_order", pa.array([""] * rows.num_rows)), empty)
    with Ledger.open(audited.store, audited.keys) as ledger:
        found = {
            name: audit_disclosures(ledger, path, audited.world)
            for name, path in (("absent", absent), ("given", given), ("empty", empty))
        }
    assert reasons.BASIS not in found["absent"].by_reason
    assert found["absent"].to_json()["by_reason"] == found["given"].to_json()["by_reason"]
    assert found["empty"].by_reason[reasons.BASIS] == rows.num_rows
    assert found["empty"].unlawful == rows.num_rows
