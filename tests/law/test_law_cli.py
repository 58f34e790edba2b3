"""``taxgate orders``: check, timeline, list and what-if as a person runs them."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from taxgate.cli.orders import app
from taxgate.law import BUILTIN_ORDERS

RUNNER = CliRunner()
BATCH = "item_id,reasons,protected\nclean,,false\nplaceholder,request.no-address,\n"


def test_check_passes_the_builtin_orders_and_fails_a_bad_one(tmp_path: Path) -> None:
    assert RUNNER.invoke(app, ["check", str(BUILTIN_ORDERS)]).exit_code == 0
    bad = tmp_path / "stay.toml"
    bad.write_text(
        'id = "s"\ncase = "A"\ncourt = "C"\nkind = "stay-of-order"\nissued = 2026-01-01\n'
        'effective = 2026-01-01\nexpires = 2025-12-01\ntarget = "nowhere"\ncitation = "x"\n'
    )
    result = RUNNER.invoke(app, ["check", str(tmp_path)])
    assert result.exit_code == 1
    assert "stay.toml, field 'target': no order has id 'nowhere'" in result.output
    assert "stay.toml, field 'expires'" in result.output


def test_timeline_shows_each_change() -> None:
    result = RUNNER.invoke(app, ["timeline"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].startswith("2025-05-12") and "denial: bars nothing" in lines[0]
    assert lines[1].startswith("2025-11-21  +ctr-stay-2025-11-21")
    assert "list" in [c.name for c in app.registered_commands]


def test_what_if_a_stay_lists_the_items_that_change(tmp_path: Path) -> None:
    batch = tmp_path / "batch.csv"
    batch.write_text(BATCH)
    args = ["what-if", "--stay", "ctr-stay-2025-11-21", "--as-of", "2025-11-22"]
    result = RUNNER.invoke(app, [*args, "--batch", str(batch)])
    assert result.exit_code == 0, result.output
    assert "clean: withhold ['order.ctr-stay-2025-11-21'] → release []" in result.output
    assert "2 of 2 items would be decided differently" in result.output


def test_what_if_an_added_order_and_bad_input(tmp_path: Path) -> None:
    batch = tmp_path / "batch.csv"
    batch.write_text(BATCH)
    added = tmp_path / "fbi.toml"
    added.write_text(
        'id = "fbi-tro"\ncase = "A"\ncourt = "C"\nkind = "tro"\nissued = 2025-08-01\n'
        'effective = 2025-08-01\ndisclosers = ["*"]\nrecipients = ["DOJ"]\ndata = ["*"]\n'
        'purposes = ["*"]\ncitation = "x"\n'
    )
    args = ["what-if", "--add", str(added), "--as-of", "2025-08-07", "--batch", str(batch)]
    result = RUNNER.invoke(app, [*args, "--requester", "FBI"])
    assert "clean: release [] → withhold ['order.fbi-tro']" in result.output
    unknown = RUNNER.invoke(app, [*args[:-2], "--stay", "nope", "--batch", str(batch)])
    assert unknown.exit_code != 0 and "no order has id 'nope'" in str(unknown.exception)
