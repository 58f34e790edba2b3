"""Nothing a report publishes or hands to an auditor holds return information: the public
report and the proof bundle are scanned for every TIN, name and street of the world."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest

import taxgate
from taxgate.duck import connect
from taxgate.law.orders import BUILTIN_ORDERS
from taxgate.ledger import Ledger
from taxgate.model import DecideOptions
from taxgate.pipeline import decide
from taxgate.reports import make_compliance_report, make_public_report
from taxgate.world.generate import generate_world
from taxgate.world.io import open_world
from taxgate.world.request import generate_request

# An order in force from before the first decision date, so released items are cited.
EARLY_ORDER = """
id = "test-early-bar"
case = "Example v. IRS"
court = "D.D.C."
kind = "preliminary-injunction"
issued = 2025-08-01
effective = 2025-08-01
disclosers = ["IRS"]
recipients = ["DHS"]
data = ["address"]
purposes = ["civil"]
citation = "No. 25-cv-0003 (D.D.C. Aug. 1, 2025)"
"""


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("published")
    world = root / "world"
    generate_world(world, taxpayers=3_000, seed=5)
    generate_request(world, root / "request", kind="mixed", size=200, seed=5)
    orders = root / "orders"
    shutil.copytree(BUILTIN_ORDERS, orders)
    (orders / "early.toml").write_text(EARLY_ORDER, encoding="utf-8")
    store, keys = f"sqlite:///{root / 'store.db'}", root / "keys"
    for day in (date(2025, 8, 7), date(2025, 12, 1)):
        options = DecideOptions(
            world=world,
            as_of=day,
            out=root / f"decided-{day}",
            orders=orders,
            store_url=store,
            key_dir=keys,
        )
        decide(root / "request" / "request.toml", options)
    with Ledger.open(store, keys, create=False) as ledger:
        make_public_report(ledger, "2025", 1.0, root / "public")
        report = make_compliance_report(
            ledger, "ctr-stay-2025-11-21", root / "order", orders=orders
        )
        assert report.batches, "the stay reaches the December batch"
    return world, root


def _world_values(world: Path) -> tuple[set[str], set[str], set[str], set[str]]:
    con = connect()
    try:
        open_world(con, world)
        tins = {r[0] for r in con.execute("SELECT tin FROM taxpayers").fetchall()}
        names = con.execute("SELECT given_name, surname FROM taxpayers").fetchall()
        streets = {r[0] for r in con.execute("SELECT street FROM addresses").fetchall() if r[0]}
    finally:
        con.close()
    full = {f"{g} {s}".lower() for g, s in names if g and s}
    # A surname that is also a word of taxgate's own formats ("Fields", "Batch") is not a leak
    # when the program writes it: leave out every word the package's source itself contains.
    vocabulary = set()
    for source in Path(taxgate.__file__).parent.rglob("*"):
        if source.suffix in (".py", ".toml", ".cedar", ".cedarschema"):
            vocabulary |= set(re.findall(r"[a-z][a-z'\-]+", source.read_text("utf-8").lower()))
    surnames = {s.lower() for _, s in names if s and len(s) >= 5} - vocabulary
    return tins, full, surnames, {s.lower() for s in streets if len(s) >= 8}


@pytest.mark.slow
def test_public_report_and_proof_bundle_hold_no_tin_name_or_address(
    published: tuple[Path, Path],
) -> None:
    world, root = published
    tins, full_names, surnames, streets = _world_values(world)
    files = [*sorted((root / "public").iterdir()), *sorted((root / "order").rglob("*.*"))]
    assert {f.name for f in files} >= {"public.csv", "budget.json", "proofs.jsonl"}

    def leaks(text: str) -> list[str]:
        text = text.lower()
        digits = set(re.findall(r"(?<!\d)\d{9}(?!\d)", text))
        words = set(re.findall(r"[a-z][a-z'\-]+", text))
        found = sorted(digits & tins) + sorted(words & surnames)
        found += [n for n in full_names if n in text] + [s for s in streets if s in text]
        return found

    for path in files:
        assert leaks(path.read_text(encoding="utf-8")) == [], path.name
    # The scan finds what it looks for: a TIN, a name or a street slipped into a file.
    tin, name, street = sorted(tins)[0], sorted(full_names)[0], sorted(streets)[0]
    assert leaks(f'{{"entry": "{tin}"}}') and leaks(name.title()) and leaks(street.upper())
    bundle = (root / "order" / "proof-bundle" / "proofs.jsonl").read_text(encoding="utf-8")
    assert '"outcome":"release"' in bundle.replace("\\", "")  # released items are cited
