"""The public report: its noise is the budget it states, one taxpayer moves it no more than
the budget allows, the budget of a period is kept in the ledger and never overspent."""

from __future__ import annotations

import csv
import hashlib
import json
import math
from datetime import date
from pathlib import Path

import pytest
from tests.reports.conftest import Filled, record, tin

from taxgate.cli import main
from taxgate.errors import ConflictError
from taxgate.intake.agencies import AgencyRegistry
from taxgate.ledger import Ledger
from taxgate.model import RELEASE, WITHHOLD
from taxgate.reports import make_public_report
from taxgate.reports.budget import gaussian, rho_for, scale_for
from taxgate.reports.public import exact_counts, key_space
from taxgate.reports.source import snapshot

DELTA = 1e-9


def _phi(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2))


@pytest.mark.parametrize(("epsilon", "cap"), [(0.25, 1), (1.0, 6), (2.0, 3)])
def test_the_noise_has_the_scale_the_budget_states(epsilon: float, cap: int) -> None:
    rho = rho_for(epsilon, DELTA)
    scale = scale_for(rho, cap)
    # zCDP of the Gaussian mechanism: rho = sensitivity^2 / (2 scale^2).
    assert scale == pytest.approx(cap / math.sqrt(2 * rho), rel=1e-6)
    # The (epsilon, delta) stated is honest: the Gaussian's exact privacy profile (Balle and
    # Wang 2018) at this scale and sensitivity gives a delta no larger than the one stated.
    a, b = cap / (2 * scale), epsilon * scale / cap
    assert _phi(a - b) - math.exp(epsilon) * _phi(-a - b) <= DELTA
    samples = [x for _ in range(5) for x in gaussian(scale)([0] * 4_000)]
    n = len(samples)
    mean = sum(samples) / n
    std = math.sqrt(sum((x - mean) ** 2 for x in samples) / (n - 1))
    assert abs(mean) < 5 * scale / math.sqrt(n)
    # The standard error of a sample standard deviation is about scale / sqrt(2n): 5 of them.
    assert abs(std - scale) < 5 * scale / math.sqrt(2 * n)


def _violations(scale: float, shift: int, epsilon: float, n: int = 20_000) -> int:
    """Bins where P[M(D) in bin] > e^eps P[M(D') in bin] + delta beyond sampling error, for
    D and D' whose counts differ by ``shift`` in one cell (one taxpayer's capped rows)."""
    here = gaussian(scale)([shift] * n)
    there = gaussian(scale)([0] * n)
    width = max(scale / 2, 1)
    bins_here: dict[int, int] = {}
    bins_there: dict[int, int] = {}
    for x in here:
        bins_here[math.floor(x / width)] = bins_here.get(math.floor(x / width), 0) + 1
    for x in there:
        bins_there[math.floor(x / width)] = bins_there.get(math.floor(x / width), 0) + 1
    bad = 0
    factor = math.exp(epsilon)
    for key in set(bins_here) | set(bins_there):
        for p_count, q_count in ((bins_here, bins_there), (bins_there, bins_here)):
            p, q = p_count.get(key, 0) / n, q_count.get(key, 0) / n
            slack = 4 * math.sqrt(p * (1 - p) / n + factor**2 * q * (1 - q) / n) + 1 / n
            if p > factor * q + DELTA + slack:
                bad += 1
    return bad


def test_one_taxpayer_changes_the_output_no_more_than_the_budget_allows() -> None:
    epsilon, cap = 1.0, 6
    scale = scale_for(rho_for(epsilon, DELTA), cap)
    assert _violations(scale, cap, epsilon) == 0
    # The same test sees a mechanism with a tenth of the noise: it is not a test that passes
    # whatever the mechanism does.
    assert _violations(scale / 10, cap, epsilon) > 0


def _ledger_without(url: str, keys: Path, skip: str) -> None:
    """Three batches in which taxpayer tin(1) appears many times, less ``skip``'s items."""
    items = [
        ("A", RELEASE, (), tin(1)),
        ("B", WITHHOLD, ("request.no-address", "request.not-specific", "match.address"), tin(1)),
        ("C", RELEASE, (), tin(2)),
        ("D", WITHHOLD, ("match.none",), ""),
    ]
    kept = [item for item in items if item[3] != skip or not skip]
    with Ledger.open(url, keys) as ledger:
        for n, day in enumerate((date(2025, 3, 1), date(2025, 6, 1), date(2025, 9, 1))):
            record(ledger, f"ICE-{n}", "ICE", day, kept)


def test_removing_one_taxpayer_moves_the_counts_by_at_most_the_cap(tmp_path: Path) -> None:
    cap = 6
    cells = key_space(tuple(sorted(AgencyRegistry.load().agencies)), 2025)
    vectors = []
    for name, skip in (("with", ""), ("without", tin(1))):
        url = f"sqlite:///{tmp_path / name}.db"
        _ledger_without(url, tmp_path / f"keys-{name}", skip)
        with Ledger.open(url, tmp_path / f"keys-{name}", create=False) as ledger:
            vectors.append(exact_counts(ledger, snapshot(ledger), cells, 2025, cap))
    with_, without = vectors
    diff = [a - b for a, b in zip(with_, without, strict=True)]
    # The taxpayer has 3 x (2 + 1 + 4) = 21 rows; only the cap's worth may count.
    assert 0 < sum(abs(d) for d in diff) <= cap
    assert math.sqrt(sum(d * d for d in diff)) <= cap
    assert all(d >= 0 for d in diff)


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_files_state_the_terms_and_the_spend_is_recorded_first(
    filled: Filled, tmp_path: Path
) -> None:
    out = tmp_path / "public"
    with Ledger.open(filled.url, filled.keys, create=False) as ledger:
        report = make_public_report(ledger, "2025", 0.5, out)
        budget_entries = ledger.entries_of("budget")
    rows = _read_csv(out / "public.csv")
    cells = key_space(tuple(sorted(AgencyRegistry.load().agencies)), 2025)
    requests = [r for r in rows if r["section"] == "requests"]
    assert len(rows) - len(requests) == cells.num_rows
    truth_requests: dict[tuple[str, str], set[str]] = {}
    for r in filled.truth:
        if r.kind == "decision" and r.day.year == 2025:
            truth_requests.setdefault((r.recipient, r.day.strftime("%Y-%m")), set()).add(r.request)
    assert {(r["recipient"], r["month"]): int(r["count"]) for r in requests} == {
        key: len(names) for key, names in truth_requests.items()
    }
    # Noised counts are published as drawn (negative ones too): sums of them stay unbiased.
    assert any(int(r["count"]) != 0 for r in rows if r["section"] != "requests")
    doc = json.loads((out / "budget.json").read_text())
    assert doc["epsilon"] == 0.5 and doc["delta"] == DELTA and doc["contribution_cap"] == 6
    assert doc["rho"] == pytest.approx(report.budget.rho)
    assert doc["noise_scale"] == pytest.approx(6 / math.sqrt(2 * report.budget.rho), rel=1e-6)
    assert doc["tree_head"] == report.head.to_dict()
    ((index, entry),) = budget_entries
    assert index == report.entry == doc["ledger_entry"]
    assert entry["digest"] == hashlib.sha256((out / "public.csv").read_bytes()).hexdigest()
    assert float(entry["details"]["rho"]) == report.budget.rho
    page = (out / "public.html").read_text(encoding="utf-8")
    for stated in ("0.5", f"{report.budget.expected_error:.1f}", report.head.root, "OpenDP"):
        assert stated in page


def test_a_release_past_the_period_budget_is_refused(filled: Filled, tmp_path: Path) -> None:
    with Ledger.open(filled.url, filled.keys, create=False) as ledger:
        first = make_public_report(ledger, "2025", 0.7, tmp_path / "one")
        with pytest.raises(ConflictError, match="remains after 1 release"):
            make_public_report(ledger, "2025", 0.7, tmp_path / "two")
        assert not (tmp_path / "two" / "public.csv").exists()
        assert len(ledger.entries_of("budget")) == 1
        # zCDP composes by adding rho: a small release still fits in what is left.
        second = make_public_report(ledger, "2025", 0.2, tmp_path / "three")
        # Another period has its own budget.
        make_public_report(ledger, "2026", 0.7, tmp_path / "four")
    doc = json.loads((tmp_path / "three" / "budget.json").read_text())
    assert doc["period_budget"]["releases"] == 2
    assert doc["period_budget"]["rho_spent"] == pytest.approx(first.budget.rho + second.budget.rho)
    assert doc["period_budget"]["rho"] == pytest.approx(rho_for(1.0, DELTA))


@pytest.mark.parametrize(
    ("period", "epsilon", "message"),
    [
        ("2025", "0", "--epsilon 0.0: give a privacy budget above 0"),
        ("2025", "-1", "--epsilon -1.0: give a privacy budget above 0"),
        ("2019", "0.5", "--period 2019: no batch was decided in 2019"),
        ("25", "0.5", "--period '25': give a calendar year"),
    ],
)
def test_bad_inputs_are_one_line_and_record_nothing(
    filled: Filled,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    period: str,
    epsilon: str,
    message: str,
) -> None:
    args = ["report", "public", "--period", period, "--epsilon", epsilon]
    args += ["--out", str(tmp_path / "out"), "--store", filled.url, "--keys", str(filled.keys)]
    with pytest.raises(SystemExit) as exit_:
        main(args)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err
    with Ledger.open(filled.url, filled.keys, create=False) as ledger:
        assert ledger.entries_of("budget") == []
    assert not (tmp_path / "out" / "public.csv").exists()
