"""The ``taxgate remedies`` commands as a person runs them: JSON, exit statuses, one-line
errors with nothing recorded, and notice files a custodian checks with the public key alone."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from taxgate.cli import main
from taxgate.ledger import Ledger
from taxgate.release import open_sealed
from taxgate.release.keys import (
    generate_recipient_keys,
    load_discloser_public_key,
    load_recipient_private_key,
)

from .conftest import pi_order, record, write_order


@pytest.fixture
def store(tmp_path: Path) -> tuple[str, Path, Path]:
    """A store holding one ICE batch released before an injunction, and the orders folder."""
    url, keys = f"sqlite:///{tmp_path / 's.db'}", tmp_path / "keys"
    with Ledger.open(url, keys) as ledger:
        record(ledger, "ICE-1", "ICE", date(2025, 8, 7), released=4)
    pi_order(tmp_path / "orders")
    return url, keys, tmp_path / "orders"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(list(args))
    out, err = capsys.readouterr()
    return int(done.value.code or 0), out, err


def test_scan_ack_status_round_trip(
    store: tuple[str, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    url, keys, orders = store
    where = ("--store", url, "--keys", str(keys))
    code, out, _ = run(
        capsys, "remedies", "scan", "--orders", str(orders), "--as-of", "2026-02-05", "--json",
        *where,
    )  # fmt: skip
    assert code == 0
    scanned = json.loads(out)
    (notice,) = scanned["notices"]
    assert (notice["recipient"], notice["items"], scanned["reached_items"]) == ("ICE", 4, 4)
    code, out, _ = run(
        capsys, "remedies", "ack", notice["notice_id"], "--custodian", "R. Diaz", "--title",
        "Records Officer", "--as-of", "2026-02-12", *where,
    )  # fmt: skip
    assert code == 0 and "acknowledged (after its deadline)" in out
    code, out, _ = run(capsys, "remedies", "status", "--as-of", "2026-02-11", "--json", *where)
    assert [n["status"] for n in json.loads(out)["notices"]] == ["overdue"]
    code, out, _ = run(capsys, "remedies", "status", "--as-of", "2026-02-12", "--json", *where)
    (state,) = json.loads(out)["notices"]
    assert (state["status"], state["late"]) == ("acknowledged", True)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("scan", "--as-of", "2026-13-01"), "--as-of: '2026-13-01' is not a date"),
        (("ack", "N-nope", "--custodian", "A", "--title", "B", "--as-of", "2026-02-06"),
         "unknown notice 'N-nope'"),
        (("status", "--as-of", "yesterday"), "is not a date"),
    ],
)  # fmt: skip
def test_mistakes_are_one_line_exit_2_and_record_nothing(
    store: tuple[str, Path, Path],
    capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...],
    message: str,
) -> None:
    url, keys, _ = store
    with Ledger.open(url, keys) as ledger:
        size = ledger.size()
    code, _, err = run(capsys, "remedies", *args, "--store", url, "--keys", str(keys))
    assert code == 2
    assert err.count("\n") == 1 and message in err and "Traceback" not in err
    with Ledger.open(url, keys) as ledger:
        assert ledger.size() == size


def test_an_order_whose_target_does_not_exist_records_nothing(
    store: tuple[str, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    url, keys, orders = store
    write_order(orders, "stay", "stay-of-order", date(2026, 3, 1), target="ghost")
    code, _, err = run(
        capsys, "remedies", "scan", "--orders", str(orders), "--as-of", "2026-03-02",
        "--store", url, "--keys", str(keys),
    )  # fmt: skip
    assert code == 2 and err.count("\n") == 1
    assert "stay.toml, field 'target': no order has id 'ghost'" in err
    with Ledger.open(url, keys) as ledger:
        assert ledger.entries_of("order", "remedies") == []


def test_a_notice_file_verifies_alone_and_its_sealed_copy_opens_for_the_recipient(
    store: tuple[str, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, keys, orders = store
    where = ("--store", url, "--keys", str(keys))
    run(capsys, "remedies", "scan", "--orders", str(orders), "--as-of", "2026-02-05", *where)
    code, out, _ = run(capsys, "remedies", "status", "--as-of", "2026-02-05", "--json", *where)
    notice_id = json.loads(out)["notices"][0]["notice_id"]
    private, public = generate_recipient_keys(tmp_path / "ice-keys", "ICE")
    out_dir = tmp_path / "notices"
    code, out, _ = run(
        capsys, "remedies", "notice", notice_id, "--out", str(out_dir), "--recipient-key",
        str(public), "--custodian", "R. Diaz", *where,
    )  # fmt: skip
    assert code == 0
    path = out_dir / f"{notice_id}.json"
    # The custodian's check needs only the files: a separate process, no store, no keys folder.
    checked = subprocess.run(
        [sys.executable, "-m", "taxgate", "remedies", "verify", str(path)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stderr
    with Ledger.open(url, keys) as ledger:
        ((_, entry),) = ledger.entries_of("notice", "remedies")
    assert json.loads(path.read_bytes()) == entry["details"]["notice"]
    header, rows = open_sealed(
        out_dir / f"{notice_id}.sealed",
        load_recipient_private_key(private),
        load_discloser_public_key(out_dir / "ledger-signing.pub"),
        date.today(),
    )
    assert header.batch_id == f"NOTICE {notice_id}" and header.officers == ("R. Diaz",)
    assert rows["item_id"][0].as_py().encode() == path.read_bytes()
    # One changed byte: the check fails with exit status 1 ("checked, and it failed").
    path.write_bytes(path.read_bytes().replace(b'"items":4', b'"items":3'))
    code, _, err = run(capsys, "remedies", "verify", str(path))
    assert code == 1 and "does not match its signature" in err


def test_a_notice_written_over_a_file_is_one_line_not_a_traceback(
    store: tuple[str, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, keys, orders = store
    where = ("--store", url, "--keys", str(keys))
    code, out, _ = run(
        capsys, "remedies", "scan", "--orders", str(orders), "--as-of", "2026-02-05", "--json",
        *where,
    )  # fmt: skip
    (notice,) = json.loads(out)["notices"]
    taken = tmp_path / "taken.txt"
    taken.write_text("not a folder\n")
    code, out, err = run(
        capsys, "remedies", "notice", notice["notice_id"], "--out", str(taken), *where
    )
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and str(taken) in err and "not a directory" in err
    assert "Traceback" not in err and taken.read_text() == "not a folder\n"
