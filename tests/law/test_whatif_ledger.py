"""``taxgate orders what-if --batch B`` replays a batch the ledger recorded, and records nothing.

One real batch: a generated world and a mixed ICE request decided on 2026-02-06, when the
D.D.C. stay and the D. Mass. order each bar everything to ICE.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from taxgate import reasons
from taxgate.cli import main
from taxgate.cli.orders import app
from taxgate.law import LawEngine, RequestFacts, item_table
from taxgate.law.whatif import (
    read_recorded_batch,
    recorded_batch,
    request_from_record,
    upstream_findings,
    what_if,
)
from taxgate.ledger import Ledger
from taxgate.ledger.batches import read_record
from taxgate.model import DecideOptions
from taxgate.pipeline import decide
from taxgate.world.generate import generate_world
from taxgate.world.request import generate_request

AS_OF = date(2026, 2, 6)
DDC_STAY, MASS_ORDER = "ctr-stay-2025-11-21", "cedc-pi-2026-02-05"
RUNNER = CliRunner()
CHANGE = re.compile(r"^  (\S+): (release|withhold|review) \[.*\] → (release|withhold|review) \[")


@dataclass(frozen=True)
class Decided:
    batch: str
    store: str
    keys: Path
    manifest: Path
    entries: list[dict[str, object]]  # the recorded decision entries, in batch order


@pytest.fixture(scope="module")
def decided(tmp_path_factory: pytest.TempPathFactory) -> Decided:
    root = tmp_path_factory.mktemp("whatif")
    generate_world(root / "world", taxpayers=3_000, seed=5)
    generate_request(root / "world", root / "request", kind="mixed", size=150, seed=5)
    manifest = root / "request" / "request.toml"
    store, keys = f"sqlite:///{root}/s.db", root / "keys"
    options = DecideOptions(
        world=root / "world", as_of=AS_OF, out=root / "out", store_url=store, key_dir=keys
    )
    result = decide(manifest, options)
    with Ledger.open(store, keys) as ledger:
        entries = [entry for _, entry in ledger.entries_of("decision", result.batch_id)]
    return Decided(result.batch_id, store, keys, manifest, entries)


def run(decided: Decided, *args: str) -> str:
    options = ["--batch", decided.batch, "--store", decided.store, "--keys", str(decided.keys)]
    result = RUNNER.invoke(app, ["what-if", *args, *options])
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def changed_to(output: str, outcome: str) -> set[str]:
    found = (CHANGE.match(line) for line in output.splitlines())
    return {m.group(1) for m in found if m and m.group(3) == outcome and m.group(2) != outcome}


def ledger_state(decided: Decided) -> tuple[int, int, int]:
    with Ledger.open(decided.store, decided.keys) as ledger:
        return ledger.size(), len(ledger.heads()), sum(1 for _ in ledger.iter_entries())


def test_vacating_both_orders_releases_exactly_the_items_without_findings(
    decided: Decided,
) -> None:
    before = ledger_state(decided)
    output = run(decided, "--vacate", DDC_STAY, "--vacate", MASS_ORDER)

    clean = {
        str(e["item"])
        for e in decided.entries
        if not any(
            str(code).startswith(("request.", "match.")) or code == reasons.PROTECTED
            for code in e["reasons"]  # type: ignore[attr-defined]
        )
    }
    assert clean, "the mixed request should hold items with no finding"
    assert all(e["outcome"] == "withhold" for e in decided.entries)  # both orders bar ICE
    assert changed_to(output, "release") == clean
    assert f"would now release {len(clean)}, would now withhold 0" in output
    recorded_hash = str(decided.entries[0]["policy_hash"])
    hashes = re.findall(r"policy set sha256 ([0-9a-f]{64})", output)
    # the recorded hash, the orders as they are (the same set again), the supposed orders
    assert hashes[0] == hashes[1] == recorded_hash != hashes[2]
    assert f"(from {decided.manifest})" in output
    assert ledger_state(decided) == before  # a question, not a decision


def test_staying_one_order_changes_no_outcome_because_the_other_still_bars(
    decided: Decided,
) -> None:
    before = ledger_state(decided)
    for order, other in ((DDC_STAY, MASS_ORDER), (MASS_ORDER, DDC_STAY)):
        output = run(decided, "--stay", order)
        assert "would now release 0, would now withhold 0, would now go to review 0" in output
        assert "(0 change outcome, 150 change reasons only)" in output
        assert not changed_to(output, "release")
        afters = [line.split(" → ")[1] for line in output.splitlines() if CHANGE.match(line)]
        assert len(afters) == 150
        assert all(f"'order.{other}'" in a and f"'order.{order}'" not in a for a in afters)
    assert ledger_state(decided) == before


def test_the_orders_as_they_are_reproduce_every_recorded_decision(decided: Decided) -> None:
    with Ledger.open(decided.store, decided.keys) as ledger:
        batch = read_recorded_batch(ledger, decided.batch)
    assert batch.as_of == AS_OF and not batch.notes
    assert batch.request == RequestFacts("ICE", "criminal", "6103(i)(2)", ("address",))
    engine = LawEngine()
    replay = what_if(engine, engine, batch.request, batch.items, batch.as_of)
    assert not replay.changes
    assert replay.before.policy_sha256 == batch.policy_hash
    again = replay.before.items.to_pylist()
    assert [(r["item_id"], r["outcome"], r["reasons"]) for r in again] == [
        (e["item"], e["outcome"], e["reasons"]) for e in decided.entries
    ]


def test_a_lost_manifest_falls_back_to_the_release_entry_and_says_so(decided: Decided) -> None:
    with Ledger.open(decided.store, decided.keys) as ledger:
        release = ledger.recorded(decided.batch, "", "release")
    assert release is not None
    gone = {**release, "details": {**release["details"], "manifest": "moved/request.toml"}}
    batch = recorded_batch(read_record(-1, gone), decided.entries)
    assert batch.request == request_from_record(read_record(-1, release))
    assert batch.request.data == ("address",) and batch.request.requester == "ICE"
    assert batch.request_source == "the release entry"
    assert len(batch.notes) == 1 and "moved/request.toml" in batch.notes[0]


def test_an_unknown_batch_store_or_file_is_one_line_and_exit_2(
    decided: Decided,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    missing = f"sqlite:///{tmp_path}/none.db"
    cases = (
        ("X@2026-02-06", decided.store, "no batch with this id"),
        ("X@2026-02-06", missing, "no ledger there"),
        ("facts.csv", decided.store, "facts.csv: no such file"),
    )
    for batch, store, expected in cases:
        argv = ["taxgate", "orders", "what-if", "--stay", DDC_STAY, "--batch", batch]
        monkeypatch.setattr(sys, "argv", [*argv, "--store", store, "--keys", str(decided.keys)])
        with pytest.raises(SystemExit) as stop:
            main()
        assert stop.value.code == 2
        err = capsys.readouterr().err
        assert expected in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "none.db").exists()  # asking never creates a store


UPSTREAM = [c for c in reasons.ALL if c.startswith(("request.", "match.")) and c != reasons.BASIS]
ENGINE = LawEngine()


@settings(max_examples=40, deadline=None)
@given(
    findings=st.sets(st.sampled_from(UPSTREAM), max_size=4),
    protected=st.booleans(),
    day=st.sampled_from([date(2025, 8, 7), date(2025, 11, 22), AS_OF]),
    purpose=st.sampled_from(["criminal", "civil"]),
    data=st.sampled_from([("address",), ("address", "income")]),
)
def test_recorded_reasons_give_back_the_upstream_findings(
    findings: set[str], protected: bool, day: date, purpose: str, data: tuple[str, ...]
) -> None:
    """Whatever else withheld the item (statute, orders), the findings round-trip exactly,
    unless nothing withheld it at all; then there were none to recover."""
    request = RequestFacts("ICE", purpose, "6103(i)(2)", data)
    decided = ENGINE.decide(request, item_table([("i", findings, protected)]), day)
    row = decided.items.to_pylist()[0]
    found, flag = upstream_findings(row["reasons"], row["rules"])
    if row["outcome"] == "release":
        assert not findings and not protected and (found, flag) == ([], False)
    else:
        assert (set(found), flag) == (findings, protected)
