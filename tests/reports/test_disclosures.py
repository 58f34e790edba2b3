"""The disclosure report against counts computed in the test from what was recorded."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from tests.reports.conftest import Filled, Recorded

from taxgate.cli import main
from taxgate.ledger import Ledger
from taxgate.reports import make_disclosure_report


def expected(truth: list[Recorded], start: date, end: date) -> Counter[tuple[str, ...]]:
    counts: Counter[tuple[str, ...]] = Counter()
    requests: dict[tuple[str, str, str], set[str]] = {}
    for row in truth:
        if not start <= row.day <= end:
            continue
        month = row.day.strftime("%Y-%m")
        if row.kind == "decision":
            key = (row.recipient, row.basis, month)
            requests.setdefault(key, set()).add(row.request)
            counts[("items", row.recipient, row.basis, month, row.outcome)] += 1
            if row.outcome != "release":
                for reason in row.reasons:
                    counts[("refusals", row.recipient, "", "", reason)] += 1
        else:
            counts[("review", row.recipient, "", month, row.outcome)] += 1
    for (recipient, basis, month), names in requests.items():
        counts[("requests", recipient, basis, month, "requests")] = len(names)
    return counts


def read(path: Path) -> Counter[tuple[str, ...]]:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["section", "recipient", "basis", "month", "category", "count"]
    return Counter(
        {
            (r["section"], r["recipient"], r["basis"], r["month"], r["category"]): int(r["count"])
            for r in rows
        }
    )


@pytest.mark.parametrize(
    ("start", "end"),
    [(date(2025, 1, 1), date(2026, 12, 31)), (date(2025, 8, 1), date(2025, 11, 30))],
)
def test_every_figure_matches_the_recorded_decisions(
    filled: Filled, tmp_path: Path, start: date, end: date
) -> None:
    with Ledger.open(filled.url, filled.keys, create=False) as ledger:
        report, written = make_disclosure_report(ledger, start, end, tmp_path / "out")
        head = ledger.head()
    assert read(tmp_path / "out" / "disclosures.csv") == expected(filled.truth, start, end)
    assert report.head == head
    page = (tmp_path / "out" / "disclosures.html").read_text(encoding="utf-8")
    assert head.root in page and f"{head.size:,}" in page and head.signature in page
    assert "<script" not in page and "http" not in page.replace("http://www.w3.org/2000/svg", "")
    assert sorted(p.name for p in written) == ["disclosures.csv", "disclosures.html"]


def test_entries_recorded_after_the_head_are_not_read(filled: Filled, tmp_path: Path) -> None:
    """The report is of one signed head: the figures and the head it names agree."""
    with Ledger.open(filled.url, filled.keys, create=False) as ledger:
        report, _ = make_disclosure_report(ledger, date(2025, 1, 1), date(2026, 12, 31), tmp_path)
    released = sum(1 for r in filled.truth if r.outcome == "release" and r.kind == "decision")
    assert report.total("items", "release") == released
    assert report.total("review") == sum(1 for r in filled.truth if r.kind == "verdict")


def test_a_reversed_period_is_one_line_and_writes_nothing(
    filled: Filled, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    args = ["report", "disclosures", "--from", "2025-12-01", "--to", "2025-01-01"]
    args += ["--out", str(out), "--store", filled.url, "--keys", str(filled.keys)]
    with pytest.raises(SystemExit) as exit_:
        main(args)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--to 2025-01-01 is before --from 2025-12-01" in err
    assert not out.exists()
