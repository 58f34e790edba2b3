"""``taxgate review decide``: a verdict goes through the law again, into the ledger, and only
then out as a one-row amendment."""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from taxgate.cli import ledger as ledger_cli
from taxgate.cli.review import app
from taxgate.duck import connect
from taxgate.errors import TaxgateError
from taxgate.law import BUILTIN_ORDERS
from taxgate.ledger import Ledger
from taxgate.model import DecideOptions
from taxgate.pipeline import decide
from taxgate.release.response import write_csv
from taxgate.review import VerdictRequest, amendment_path, decide_case, open_case
from taxgate.world.io import open_world

from .conftest import AS_OF, Decided, Store

runner = CliRunner()


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """Where amendments go: an empty folder of its own."""
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


STAY = "order.ctr-stay-2025-11-21"


def run(store: Store, *args: str) -> tuple[int, str, BaseException | None]:
    done = runner.invoke(app, [*args, "--store", store.url, "--keys", str(store.keys)])
    return done.exit_code, done.output, done.exception


def last_known(world: Path, tin: str) -> list[str]:
    con = connect()
    open_world(con, world)
    row = con.execute(
        """SELECT street, coalesce(unit, ''), city, state, zip FROM addresses WHERE tin = ?
           ORDER BY last_year DESC, first_year DESC, street, unit LIMIT 1""",
        [tin],
    ).fetchall()[0]
    con.close()
    return [str(value) for value in row]


def test_withhold_records_a_verdict_and_writes_no_file(
    decided: Decided, store: Store, out: Path
) -> None:
    item = decided.review[0]
    code, output, _ = run(
        store,
        "decide",
        decided.batch,
        item,
        "--withhold",
        "--officer",
        "Officer A",
        "--reason",
        "two taxpayers fit; the request gives no DOB",
        "--out",
        str(out),
    )
    assert code == 0, output
    with store.open() as ledger:
        verdict = ledger.recorded(decided.batch, item, "verdict")
    assert verdict is not None
    assert verdict["outcome"] == "withhold" and verdict["actor"] == "Officer A"
    assert verdict["details"]["reason"] == "two taxpayers fit; the request gives no DOB"
    assert "recipient" not in verdict and "digest" not in verdict
    assert list(out.iterdir()) == []


def test_release_records_then_writes_the_amendment(
    decided: Decided, store: Store, out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    item, tin = decided.releasable[0]
    seen_before_write: list[bool] = []

    def write_after_ledger(table: pa.Table, path: Path) -> None:
        with store.open() as ledger:
            seen_before_write.append(ledger.committed(decided.batch, item, "verdict"))
        write_csv(table, path)

    monkeypatch.setattr("taxgate.review.verdict.write_csv", write_after_ledger)
    code, output, _ = run(
        store,
        "decide",
        decided.batch,
        item,
        "--release",
        "--tin",
        tin,
        "--officer",
        "Officer B",
        "--reason",
        "DOB on the arrest record matches",
        "--as-of",
        AS_OF.isoformat(),
        "--out",
        str(out),
    )
    assert code == 0, output
    assert seen_before_write == [True]

    with amendment_path(out, item).open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 1
    row = rows[0]
    assert row["item_id"] == item and row["status"] == "provided"
    assert [row[name] for name in ("street", "unit", "city", "state", "zip")] == last_known(
        decided.world, tin
    )
    with store.open() as ledger:
        verdict = ledger.recorded(decided.batch, item, "verdict")
        accounting = ledger.accounting(tin)
    assert verdict is not None
    assert "reasons" not in verdict  # a release has no reason code at all
    assert verdict["outcome"] == "release" and verdict["as_of"] == AS_OF.isoformat()
    assert verdict["recipient"] == "ICE" and verdict["fields"] == ["address"]
    assert verdict["details"]["candidate_rank"] >= 1
    assert tin not in str(verdict)  # the subject is a keyed hash, never the TIN
    assert [(d.kind, d.item) for d in accounting] == [("verdict", item)]


def test_an_order_that_arrived_meanwhile_withholds_the_release(
    decided: Decided, store: Store, out: Path
) -> None:
    item, tin = decided.releasable[1]
    code, output, _ = run(
        store,
        "decide",
        decided.batch,
        item,
        "--release",
        "--tin",
        tin,
        "--officer",
        "Officer B",
        "--reason",
        "same person",
        "--as-of",
        "2025-11-22",
        "--out",
        str(out),
    )
    assert code == 0, output
    assert "NOT released" in output and STAY in output
    with store.open() as ledger:
        verdict = ledger.recorded(decided.batch, item, "verdict")
        assert verdict is not None and verdict["subject"] == ledger.subject(tin)
    assert verdict["outcome"] == "withhold" and verdict["reasons"] == [STAY]
    assert list(out.iterdir()) == []


def test_second_verdict_is_refused_and_records_nothing(
    decided: Decided, store: Store, out: Path
) -> None:
    item, tin = decided.releasable[2]
    with store.open() as ledger:
        first = VerdictRequest("release", "Officer B", "same person", AS_OF, tin)
        decide_case(ledger, open_case(ledger, decided.batch, item), first, out)
        size = ledger.size()
        with pytest.raises(TaxgateError, match="already has a verdict"):
            open_case(ledger, decided.batch, item)
        assert ledger.size() == size
    code, _, error = run(
        store,
        "decide",
        decided.batch,
        item,
        "--withhold",
        "--officer",
        "Officer C",
        "--reason",
        "changed my mind",
    )
    assert code != 0 and "already has a verdict" in str(error)


OFFICER, REASON = ["--officer", "Officer D"], ["--reason", "a reason"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--release", "--tin", "000000001", *OFFICER, *REASON], "not among the candidates"),
        (["--release", "--tin", "000000001", *OFFICER], "written reason"),
        (["--withhold", *OFFICER, "--reason", "  "], "written reason"),
        (["--release", *OFFICER, *REASON], "pass --tin"),
        (["--release", "--withhold", *OFFICER, *REASON], "exactly one"),
        (["--withhold", *REASON], "names the officer"),
        (["--withhold", *OFFICER, *REASON, "--as-of", "2025-08-01"], "before the batch"),
        (["--withhold", *OFFICER, *REASON, "--as-of", "2025-13-01"], "YYYY-MM-DD"),
    ],
)
def test_incomplete_verdicts_are_refused_and_record_nothing(
    decided: Decided, store: Store, out: Path, args: list[str], message: str
) -> None:
    with store.open() as ledger:
        size = ledger.size()
    code, _, error = run(
        store, "decide", decided.batch, decided.review[0], *args, "--out", str(out)
    )
    assert code != 0
    assert isinstance(error, TaxgateError) and message in str(error)
    assert "\n" not in str(error)
    with store.open() as ledger:
        assert ledger.size() == size
    assert list(out.iterdir()) == []


def test_the_ledger_verifies_after_verdicts(decided: Decided, store: Store, out: Path) -> None:
    with store.open() as ledger:
        for item, tin in decided.releasable[:2]:
            verdict = VerdictRequest("release", "Officer E", "same person", date(2025, 11, 22), tin)
            decide_case(ledger, open_case(ledger, decided.batch, item), verdict, out)
    done = CliRunner().invoke(
        ledger_cli.app, ["verify", "--store", store.url, "--keys", str(store.keys)]
    )
    assert done.exit_code == 0, done.output


ARRIVED = """
id = "test-tro-2025-08-08"
case = "Test v. IRS"
court = "D.D.C."
judge = "A. Judge"
kind = "tro"
issued = 2025-08-08
effective = 2025-08-08
disclosers = ["IRS"]
recipients = ["ICE"]
data = ["address"]
purposes = ["*"]
except = []
reaches_prior_disclosures = false
citation = "No. 25-cv-0000 (D.D.C. Aug. 8, 2025)"
"""


def test_an_order_filed_into_the_batch_folder_later_is_obeyed(
    decided: Decided, tmp_path: Path, out: Path
) -> None:
    """The verdict reads the batch's own orders folder again: an order file added there after
    the batch ran binds the verdict, though the batch never saw it."""
    orders = tmp_path / "orders"
    shutil.copytree(BUILTIN_ORDERS, orders)
    url = f"sqlite:///{tmp_path / 'orders.db'}"
    batch = decide(
        decided.manifest,
        DecideOptions(
            world=decided.world,
            as_of=AS_OF,
            out=tmp_path / "batch",
            orders=orders,
            store_url=url,
            key_dir=tmp_path / "keys",
        ),
    ).batch_id
    (orders / "test-tro-2025-08-08.toml").write_text(ARRIVED, encoding="utf-8")
    item, tin = decided.releasable[0]
    with Ledger.open(url, tmp_path / "keys") as ledger:
        verdict = VerdictRequest("release", "Officer F", "same person", date(2025, 8, 9), tin)
        result = decide_case(ledger, open_case(ledger, batch, item), verdict, out)
    assert result.outcome == "withhold"
    assert result.reasons == ("order.test-tro-2025-08-08",)
    assert result.amendment is None and list(out.iterdir()) == []


def test_a_release_to_a_folder_that_cannot_be_written_records_nothing(
    decided: Decided, store: Store, tmp_path: Path
) -> None:
    """The verdict is final and written ahead of the amendment: if the amendment could not be
    written, the accounting would list a disclosure whose response never existed."""
    item, tin = decided.releasable[0]
    (tmp_path / "a-file").write_text("", "utf-8")
    with store.open() as ledger:
        size = ledger.size()
    code, _, error = run(
        store,
        *("decide", decided.batch, item, "--release", "--tin", tin, "--officer", "Officer B"),
        *("--reason", "DOB matches", "--as-of", "2025-08-08"),
        *("--out", str(tmp_path / "a-file" / "out")),
    )
    assert code != 0
    assert isinstance(error, TaxgateError) and "cannot write the response amendment" in str(error)
    with store.open() as ledger:
        assert ledger.size() == size
        assert not ledger.committed(decided.batch, item, "verdict")
