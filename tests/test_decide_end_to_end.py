"""``taxgate decide`` end to end on a generated world, on SQLite and on PostgreSQL.

The three output files are checked against the generator's truth file and against the world,
not against numbers written down here: whatever the generator draws, taxgate must never
release an item about the wrong person, never release an item with a finding, never say why
an item was withheld, and record exactly one ledger entry per item.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from taxgate.duck import connect
from taxgate.identity import MODEL_FILE, model_is_current
from taxgate.ledger import Ledger
from taxgate.review.queue import batches
from taxgate.world.generate import generate_world
from taxgate.world.io import open_world
from taxgate.world.request import generate_request

AS_OF = "2025-08-07"


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A small world with a trained identity model, and a mixed request against it."""
    root = tmp_path_factory.mktemp("scenario")
    world = root / "world"
    generate_world(world, taxpayers=4_000, seed=11)
    request = root / "mixed"
    generate_request(world, request, kind="mixed", size=240, seed=11)
    return world, request / "request.toml"


def run_decide(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "taxgate", "decide", *args],
        capture_output=True,
        text=True,
        timeout=600,
    )


def decide_args(world: Path, manifest: Path, out: Path, store: str, keys: Path) -> list[str]:
    return [
        str(manifest),
        "--world",
        str(world),
        "--as-of",
        AS_OF,
        "--out",
        str(out),
        "--store",
        store,
        "--keys",
        str(keys),
    ]


def last_known(world: Path) -> dict[str, tuple[str, ...]]:
    con = connect()
    open_world(con, world)
    rows = con.execute(
        """
        SELECT tin, coalesce(street, ''), coalesce(unit, ''), coalesce(city, ''),
               coalesce(state, ''), coalesce(zip, '')
        FROM addresses
        QUALIFY row_number() OVER (PARTITION BY tin ORDER BY last_year DESC,
                                   first_year DESC, street, unit) = 1
        """
    ).fetchall()
    return {row[0]: tuple(row[1:]) for row in rows}


def test_decide_writes_three_files_that_agree_with_truth(
    scenario: tuple[Path, Path], store_url: str, tmp_path: Path
) -> None:
    world, manifest = scenario
    out = tmp_path / "out"
    done = run_decide(*decide_args(world, manifest, out, store_url, tmp_path / "keys"))
    assert done.returncode == 0, done.stderr[-2000:]

    decisions = read_csv(out / "decisions.csv")
    response = read_csv(out / "response.csv")
    summary = json.loads((out / "summary.json").read_text())
    truth = {row["item_id"]: row for row in read_csv(manifest.parent / "truth.csv")}
    items = [row["item_id"] for row in read_csv(manifest.parent / "items.csv")]

    # One decision and one response row per item, in request order.
    assert [row["item_id"] for row in decisions] == items
    assert [row["item_id"] for row in response] == items

    for row in decisions:
        reasons = [code for code in row["reasons"].split(";") if code]
        assert reasons == sorted(reasons)
        if row["outcome"] == "release":
            assert reasons == [], row
            # Never the wrong person: a release names exactly the taxpayer the item meant.
            assert row["tin"] == truth[row["item_id"]]["true_tin"], row
        elif row["outcome"] == "review":
            assert reasons == ["match.ambiguous"], row
        else:
            assert row["outcome"] == "withhold" and reasons, row
        assert row["rules"], "every decision names the rules that made it"

    # The response provides exactly the released items, with their last known address.
    addresses = last_known(world)
    by_id = {row["item_id"]: row for row in decisions}
    for row in response:
        decided = by_id[row["item_id"]]
        fields = (row["street"], row["unit"], row["city"], row["state"], row["zip"])
        if decided["outcome"] == "release":
            assert row["status"] == "provided"
            assert fields == addresses[decided["tin"]]
        else:
            assert row["status"] == "not-provided"
            assert fields == ("", "", "", "", "")
    assert set(response[0]) == {"item_id", "status", "street", "unit", "city", "state", "zip"}

    # Something was released and something withheld: the fixture exercises both paths.
    outcomes = Counter(row["outcome"] for row in decisions)
    assert outcomes["release"] > 0 and outcomes["withhold"] > 0
    assert summary["outcomes"] == {name: outcomes.get(name, 0) for name in summary["outcomes"]}
    reasons = Counter(code for row in decisions for code in row["reasons"].split(";") if code)
    assert summary["reasons"] == dict(reasons)

    # The ledger holds one decision per item plus the release, under the signed head.
    with Ledger.open(store_url, tmp_path / "keys") as ledger:
        assert ledger.verify().ok
        head = ledger.head()
        assert head.size == len(items) + 1
        assert summary["tree_head"]["root"] == head.root
        assert ledger.recorded_items(summary["batch"]) == set(items)


def test_rerun_changes_nothing_and_records_nothing_twice(
    scenario: tuple[Path, Path], tmp_path: Path
) -> None:
    world, manifest = scenario
    store = f"sqlite:///{tmp_path / 'store.db'}"
    args = decide_args(world, manifest, tmp_path / "out", store, tmp_path / "keys")
    first = run_decide(*args)
    assert first.returncode == 0, first.stderr[-2000:]
    before = {
        name: (tmp_path / "out" / name).read_bytes() for name in ("decisions.csv", "response.csv")
    }
    second = run_decide(*args)
    assert second.returncode == 0, second.stderr[-2000:]
    for name, content in before.items():
        assert (tmp_path / "out" / name).read_bytes() == content
    with Ledger.open(store, tmp_path / "keys") as ledger:
        assert ledger.head().size == len(read_csv(manifest.parent / "items.csv")) + 1


def test_unusable_input_writes_nothing(scenario: tuple[Path, Path], tmp_path: Path) -> None:
    world, manifest = scenario
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "request.toml").write_text(
        manifest.read_text().replace('items = "items.csv"', 'items = "../elsewhere.csv"')
    )
    store = tmp_path / "store.db"
    done = run_decide(
        *decide_args(
            world, broken / "request.toml", tmp_path / "out", f"sqlite:///{store}", tmp_path / "k"
        )
    )
    assert done.returncode != 0
    assert len(done.stderr.strip().splitlines()) == 1
    assert "request.toml" in done.stderr
    assert not store.exists(), "nothing may be written to the ledger for unusable input"
    assert not (tmp_path / "out" / "decisions.csv").exists()


def test_a_world_replaced_in_place_is_decided_with_a_model_of_its_own(tmp_path: Path) -> None:
    """The model beside a world holds that world's prior and u; after the world's tables are
    replaced, deciding on the old one would quietly weigh evidence by other people's names."""
    world, other = tmp_path / "world", tmp_path / "other"
    generate_world(world, taxpayers=600, seed=3)
    generate_world(other, taxpayers=800, seed=4)
    generate_request(world, tmp_path / "first", kind="mixed", size=40, seed=3)
    store = f"sqlite:///{tmp_path / 'store.db'}"
    keys = tmp_path / "keys"
    first = run_decide(
        *decide_args(world, tmp_path / "first" / "request.toml", tmp_path / "o1", store, keys)
    )
    assert first.returncode == 0, first.stderr[-2000:]
    assert model_is_current(world)

    for table in ("taxpayers.parquet", "addresses.parquet"):
        shutil.copyfile(other / table, world / table)
    assert not model_is_current(world)
    generate_request(world, tmp_path / "second", kind="mixed", size=40, seed=4)
    second = run_decide(
        *decide_args(world, tmp_path / "second" / "request.toml", tmp_path / "o2", store, keys)
    )
    assert second.returncode == 0, second.stderr[-2000:]
    assert model_is_current(world)

    # Generating a world again in the same place takes the old model away with the tables.
    generate_world(world, taxpayers=300, seed=5)
    assert not (world / MODEL_FILE).exists()


@pytest.mark.parametrize("key", ["missing.pub", "not-a-key.pub"])
def test_an_unreadable_recipient_key_records_no_disclosure(
    scenario: tuple[Path, Path], tmp_path: Path, key: str
) -> None:
    """The sealed copy is the disclosure: if its key cannot be read, the ledger must not have
    recorded a release (the per-taxpayer accounting would list one that never happened)."""
    world, manifest = scenario
    (tmp_path / "not-a-key.pub").write_text("-----BEGIN PUBLIC KEY-----\nnope\n", "utf-8")
    store = tmp_path / "store.db"
    args = decide_args(world, manifest, tmp_path / "out", f"sqlite:///{store}", tmp_path / "k")
    done = run_decide(*args, "--recipient-key", str(tmp_path / key))
    assert done.returncode != 0
    assert len(done.stderr.strip().splitlines()) == 1
    assert key in done.stderr
    assert not store.exists(), "nothing may be written to the ledger for an unusable key"
    assert not (tmp_path / "out" / "decisions.csv").exists()


def test_a_batch_decided_with_relative_paths_is_found_from_anywhere(
    scenario: tuple[Path, Path], tmp_path: Path
) -> None:
    """Review and what-if reopen the world, request and orders a batch recorded; a path
    relative to wherever decide happened to run would be lost from any other folder."""
    world, manifest = scenario
    shutil.copytree(world, tmp_path / "w")
    shutil.copytree(manifest.parent, tmp_path / "r")
    store = f"sqlite:///{tmp_path / 'store.db'}"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "taxgate",
            "decide",
            "r/request.toml",
            "--world",
            "w",
            *("--as-of", AS_OF, "--out", "out", "--store", store, "--keys", "keys"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    with Ledger.open(store, tmp_path / "keys") as ledger:
        (record,) = batches(ledger).values()
    assert record.world == tmp_path / "w"
    assert record.manifest == tmp_path / "r" / "request.toml"


def test_an_output_folder_that_is_a_file_is_refused(
    scenario: tuple[Path, Path], tmp_path: Path
) -> None:
    world, manifest = scenario
    (tmp_path / "taken").write_text("not a folder", "utf-8")
    store = tmp_path / "store.db"
    done = run_decide(
        *decide_args(world, manifest, tmp_path / "taken", f"sqlite:///{store}", tmp_path / "k")
    )
    assert done.returncode != 0
    assert len(done.stderr.strip().splitlines()) == 1
    assert "taken" in done.stderr and "not a directory" in done.stderr
    assert not store.exists()


@pytest.mark.parametrize(
    ("as_of", "problem"),
    [("2025-08-01", "before the request was received"), ("", "is not a date")],
)
def test_a_decision_date_that_cannot_be_is_refused(
    scenario: tuple[Path, Path], tmp_path: Path, as_of: str, problem: str
) -> None:
    world, manifest = scenario
    store = tmp_path / "store.db"
    args = decide_args(world, manifest, tmp_path / "out", f"sqlite:///{store}", tmp_path / "k")
    args[args.index("--as-of") + 1] = as_of
    done = run_decide(*args)
    assert done.returncode != 0
    assert len(done.stderr.strip().splitlines()) == 1
    assert problem in done.stderr
    assert not store.exists()


def test_no_taxpayer_is_looked_up_for_a_request_the_statute_bars(
    scenario: tuple[Path, Path], tmp_path: Path
) -> None:
    """A civil-purpose request is outside §6103(i)(2) whoever its items name: looking anyone
    up for it would itself be an inspection of return information (§7213A)."""
    world, manifest = scenario
    civil = tmp_path / "civil"
    shutil.copytree(manifest.parent, civil)
    text = (civil / "request.toml").read_text("utf-8")
    (civil / "request.toml").write_text(text.replace('"criminal"', '"civil"', 1), "utf-8")
    store = f"sqlite:///{tmp_path / 'store.db'}"
    done = run_decide(
        *decide_args(world, civil / "request.toml", tmp_path / "out", store, tmp_path / "k")
    )
    assert done.returncode == 0, done.stderr[-2000:]
    rows = read_csv(tmp_path / "out" / "decisions.csv")
    assert rows and all(row["outcome"] == "withhold" for row in rows)
    assert all("purpose.not-criminal" in row["reasons"].split(";") for row in rows)
    assert all(row["tin"] == "" and row["match_probability"] == "" for row in rows)
    assert not any(code.startswith("match.") for row in rows for code in row["reasons"].split(";"))
