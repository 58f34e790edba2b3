"""The demo's remedies act on a small world: it runs end to end on a fresh demo folder, and
what it shows is what the ledger holds."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

from rich.console import Console

from taxgate.demo.remedies import remedies_act
from taxgate.ledger import Ledger
from taxgate.remedies import notice_status, verify_notice
from taxgate.world.generate import generate_world
from taxgate.world.request import generate_request


def test_the_act_notifies_ice_and_records_a_late_custodian(tmp_path: Path) -> None:
    world = tmp_path / "world"
    generate_world(world, taxpayers=3_000, seed=9)
    generate_request(world, tmp_path / "ice-2025", kind="ice-2025", size=400, seed=9)
    console = Console(file=io.StringIO(), width=200)
    sections = remedies_act(tmp_path, world, console, seed=9, criminal_items=150)
    ((heading, fragment),) = sections
    assert heading.startswith("Remedies") and "<table>" in fragment
    with Ledger.open(f"sqlite:///{tmp_path / 'store.db'}", tmp_path / "keys") as ledger:
        states = {day: notice_status(ledger, date(2026, 2, day)) for day in (10, 11, 12, 13)}
    (notice,) = states[10]
    assert notice.recipient == "ICE" and notice.order == "cedc-pi-2026-02-05" and notice.items
    assert [states[day][0].status for day in (10, 11, 12, 13)] == [
        "pending", "overdue", "acknowledged", "certified",
    ]  # fmt: skip
    assert states[12][0].late
    files = tmp_path / "remedies" / "notices"
    assert verify_notice(files / f"{notice.notice_id}.json")["items"] == notice.items
    assert "2025 process" in console.file.getvalue()  # type: ignore[attr-defined]
