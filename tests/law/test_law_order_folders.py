"""An orders folder as people keep it: orders filed in sub-folders by court or case, a `.git`
folder, a README. Every order in a sub-folder binds `decide` and shows in `taxgate orders`;
hidden folders and files that are not `*.toml` are not orders."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from taxgate.cli.orders import app
from taxgate.errors import ConfigError
from taxgate.law import check_orders, load_orders
from taxgate.model import DecideOptions
from taxgate.pipeline import decide
from taxgate.world.generate import generate_world
from taxgate.world.request import generate_request

RUNNER = CliRunner()
PI = """id = "{id}"
case = "Test v. IRS"
court = "D.D.C."
kind = "preliminary-injunction"
issued = 2025-08-01
effective = 2025-08-01
disclosers = ["IRS"]
recipients = ["ICE"]
data = ["address"]
purposes = ["*"]
citation = "No. 25-cv-1 (D.D.C. 2025)"
"""


def write_pi(path: Path, order_id: str = "pi-1") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(PI.format(id=order_id), encoding="utf-8")
    return path


def test_an_order_in_a_sub_folder_bars_the_items_in_decide(tmp_path: Path) -> None:
    orders = tmp_path / "orders"
    write_pi(orders / "ddc" / "pi.toml")
    generate_world(tmp_path / "world", taxpayers=400, seed=3)
    generate_request(tmp_path / "world", tmp_path / "request", kind="ice-2025", size=12, seed=3)
    options = DecideOptions(
        world=tmp_path / "world",
        as_of=date(2025, 8, 7),
        out=tmp_path / "out",
        orders=orders,
        store_url=f"sqlite:///{tmp_path}/store.db",
        key_dir=tmp_path / "keys",
    )
    summary = decide(tmp_path / "request" / "request.toml", options).summary
    assert "pi-1" in summary["orders_in_force"]
    assert summary["outcomes"]["release"] == 0
    assert summary["reasons"]["order.pi-1"] > 0


def test_orders_list_check_and_timeline_see_the_sub_folder(tmp_path: Path) -> None:
    write_pi(tmp_path / "ddc" / "2025" / "pi.toml")
    listed = RUNNER.invoke(app, ["list", "--orders", str(tmp_path)])
    assert listed.exit_code == 0, listed.output
    assert "pi-1" in listed.output
    checked = RUNNER.invoke(app, ["check", str(tmp_path)])
    assert checked.exit_code == 0, checked.output
    timeline = RUNNER.invoke(app, ["timeline", "--orders", str(tmp_path)])
    assert "pi-1" in timeline.output, timeline.output


def test_hidden_folders_hidden_files_and_other_files_are_not_orders(tmp_path: Path) -> None:
    write_pi(tmp_path / "pi.toml")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config.toml").write_text("not = [valid", encoding="utf-8")
    write_pi(tmp_path / ".drafts" / "draft.toml", "draft")
    write_pi(tmp_path / ".pi.toml.swp.toml", "swap")
    (tmp_path / "README.md").write_text("orders live here", encoding="utf-8")
    write_pi(tmp_path / "old" / "pi.toml.bak", "old")
    orders, problems = check_orders(tmp_path)
    assert problems == []
    assert [order.id for order in orders] == ["pi-1"]


def test_upper_case_suffix_is_still_an_order(tmp_path: Path) -> None:
    write_pi(tmp_path / "court" / "PI.TOML")
    assert [order.id for order in load_orders(tmp_path)] == ["pi-1"]


def test_duplicate_ids_across_sub_folders_name_both_files(tmp_path: Path) -> None:
    write_pi(tmp_path / "a" / "pi.toml")
    second = write_pi(tmp_path / "b" / "pi.toml")
    with pytest.raises(ConfigError) as caught:
        load_orders(tmp_path)
    message = str(caught.value)
    assert "\n" not in message
    assert str(second) in message and "also used in a/pi.toml" in message


def test_an_unreadable_sub_folder_is_a_problem_not_an_empty_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_pi(tmp_path / "pi.toml")
    sealed = tmp_path / "sealed"
    sealed.mkdir()
    iterdir = Path.iterdir

    def refuse_sealed(folder: Path) -> Iterator[Path]:
        if folder == sealed:
            raise PermissionError(13, "Permission denied", str(folder))
        return iterdir(folder)

    # chmod 000 does not stop root, so the refusal is simulated where the folder is listed.
    monkeypatch.setattr(Path, "iterdir", refuse_sealed)
    _, problems = check_orders(tmp_path)
    assert [p.file for p in problems] == [sealed]
    assert "cannot be read" in problems[0].problem
    with pytest.raises(ConfigError, match="sealed"):
        load_orders(tmp_path)
