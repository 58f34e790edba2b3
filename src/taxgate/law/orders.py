"""Court orders as data (contracts.md §3): load one TOML per file, and check the set.

An orders folder is read with its sub-folders (people file orders by court or case), skipping
hidden entries (``.git``, editor swap files) and anything not named ``*.toml`` (READMEs,
``.bak`` copies). ``check_orders`` collects every problem (file, field, what is wrong) so
``taxgate orders check`` can report them all; ``load_orders`` refuses a directory with any
problem, because an order silently dropped is an order silently disobeyed.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from taxgate.errors import ConfigError
from taxgate.law.facts import AgencyFacts, agency_code
from taxgate.model import DATA_CATEGORIES, PURPOSES

BUILTIN_ORDERS = Path(__file__).parent / "orders"

BARRING_KINDS = frozenset(
    {"tro", "preliminary-injunction", "permanent-injunction", "stay-of-agency-action"}
)
SUSPENDING_KINDS = frozenset({"stay-of-order", "vacatur"})
KINDS = BARRING_KINDS | SUSPENDING_KINDS | {"denial"}
EXCEPTIONS = frozenset({"criminal-compliant"})
WILDCARD = "*"
# Where an id goes: the reason code ``order.<id>`` in a ``;``-separated reasons column (CSV
# and what-if input, split on ``;`` and stripped), Cedar ``@id``/``@reason`` string literals
# (escaped by ``cedar_string``), ledger JSON, and console lines. So an id may be anything
# printable except whitespace and ``;``; no file is ever named after one.
ID_MAX_LENGTH = 200
_SCOPE_FIELDS = ("disclosers", "recipients", "data", "purposes")


@dataclass(frozen=True)
class Order:
    id: str
    kind: str
    case: str
    court: str
    citation: str
    issued: date
    effective: date
    path: Path
    judge: str = ""
    expires: date | None = None
    disclosers: tuple[str, ...] = ()
    recipients: tuple[str, ...] = ()
    data: tuple[str, ...] = ()
    purposes: tuple[str, ...] = ()
    exceptions: tuple[str, ...] = ()
    reaches_prior_disclosures: bool = False
    notice_deadline: date | None = None
    target: str = ""

    @property
    def bars(self) -> bool:
        return self.kind in BARRING_KINDS

    @property
    def suspends(self) -> bool:
        return self.kind in SUSPENDING_KINDS


@dataclass(frozen=True)
class OrderProblem:
    file: Path
    field: str | None
    problem: str

    def __str__(self) -> str:
        where = f"{self.file}" + (f", field {self.field!r}" if self.field else "")
        return f"{where}: {self.problem}"


class _Reader:
    """Reads typed fields from one parsed order, noting problems instead of raising."""

    def __init__(self, path: Path, raw: dict[str, Any], problems: list[OrderProblem]) -> None:
        self.path, self.raw, self.problems = path, raw, problems

    def note(self, name: str | None, problem: str) -> None:
        self.problems.append(OrderProblem(self.path, name, problem))

    def text(self, name: str, *, required: bool = True) -> str:
        value = self.raw.get(name)
        if value is None or value == "":
            if required:
                self.note(name, "missing; every order needs it")
            return ""
        if not isinstance(value, str):
            self.note(name, f"must be a string, not {value!r}")
            return ""
        return value

    def day(self, name: str, *, required: bool = True) -> date | None:
        value = self.raw.get(name)
        if value is None:
            if required:
                self.note(name, "missing; write a date like 2025-11-21")
            return None
        if isinstance(value, datetime):
            self.note(name, "must be a date (YYYY-MM-DD), not a date and time")
            return None
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        self.note(name, f"{value!r} is not a date (YYYY-MM-DD)")
        return None

    def names(
        self, name: str, allowed: frozenset[str] | None, *, required: bool
    ) -> tuple[str, ...]:
        value = self.raw.get(name)
        if value is None:
            if required:
                self.note(name, 'missing; list what the order reaches, or ["*"] for all')
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.note(name, "must be a list of strings")
            return ()
        if required and not value:
            self.note(name, 'is empty; an order that reaches nothing bars nothing (use ["*"]?)')
        for entry in value:
            if allowed is not None and entry != WILDCARD and entry not in allowed:
                self.note(name, f"unknown value {entry!r}; expected one of {sorted(allowed)}")
        return tuple(value)

    def agencies(self, name: str, known: frozenset[str], *, required: bool) -> tuple[str, ...]:
        """Agency codes, matched case-insensitively, kept upper-case as the registry spells them."""
        entries = self.names(name, None, required=required)
        codes = tuple(e if e == WILDCARD else agency_code(e) for e in entries)
        for entry, code in zip(entries, codes, strict=True):
            if code != WILDCARD and code not in known:
                self.note(
                    name,
                    f"unknown agency {entry!r}; the agency registry has {', '.join(sorted(known))}"
                    " (give --agencies FILE for another registry)",
                )
        return codes


def id_problem(order_id: str) -> str | None:
    """Why ``order_id`` cannot be an order id, or None when it can."""
    if len(order_id) > ID_MAX_LENGTH:
        return f"is {len(order_id)} characters long; keep it to {ID_MAX_LENGTH} at most"
    for char in order_id:
        if char == ";":
            return "contains ';', which separates reason codes; use another character"
        if char.isspace() or not char.isprintable():
            return (
                f"contains {char!r}; an id is one word (no spaces or control characters), "
                "e.g. ctr-stay-2025-11-21"
            )
    return None


def parse_order(path: Path, agencies: AgencyFacts, problems: list[OrderProblem]) -> Order | None:
    """One order file → an ``Order`` (problems appended), or None when it is not TOML at all."""
    try:
        # utf-8-sig: editors on Windows save a byte-order mark that TOML itself does not allow.
        raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(OrderProblem(path, None, f"cannot be read: {exc}"))
        return None
    except tomllib.TOMLDecodeError as exc:
        problems.append(OrderProblem(path, None, f"is not valid TOML: {exc}"))
        return None
    read = _Reader(path, raw, problems)
    order_id = read.text("id")
    problem = id_problem(order_id) if order_id else None
    if problem:
        read.note("id", f"{order_id!r} {problem}")
    kind = read.text("kind")
    if kind and kind not in KINDS:
        read.note("kind", f"unknown kind {kind!r}; expected one of {sorted(KINDS)}")
    bars = kind in BARRING_KINDS
    known_agencies = agencies.all_agencies()
    issued, effective = read.day("issued"), read.day("effective")
    expires = read.day("expires", required=False)
    if effective and expires and expires <= effective:
        read.note("expires", f"{expires} is not after effective {effective}; it never applies")
    deadline = read.day("notice_deadline", required=False)
    if effective and deadline and deadline < effective:
        # Every notice under it would be overdue the day it is issued: a typo, not an order.
        read.note("notice_deadline", f"{deadline} is before effective {effective}")
    target = read.text("target", required=False)
    if kind in SUSPENDING_KINDS and raw.get("target") in (None, ""):
        read.note("target", f"missing; a {kind} must name the id of the order it suspends or ends")
    if target and kind not in SUSPENDING_KINDS:
        read.note("target", f"only a stay-of-order or vacatur has a target, not a {kind}")
    prior = raw.get("reaches_prior_disclosures", False)
    if not isinstance(prior, bool):
        read.note("reaches_prior_disclosures", "must be true or false")
    return Order(
        id=order_id,
        kind=kind,
        case=read.text("case"),
        court=read.text("court"),
        citation=read.text("citation"),
        judge=read.text("judge", required=False),
        issued=issued or date.min,
        effective=effective or date.min,
        expires=expires,
        disclosers=read.agencies("disclosers", known_agencies, required=bars),
        recipients=read.agencies("recipients", known_agencies, required=bars),
        data=read.names("data", frozenset(DATA_CATEGORIES), required=bars),
        purposes=read.names("purposes", frozenset(PURPOSES), required=bars),
        exceptions=read.names("except", EXCEPTIONS, required=False),
        reaches_prior_disclosures=prior is True,
        notice_deadline=deadline,
        target=target,
        path=path,
    )


def check_orders(
    directory: Path, agencies: AgencyFacts | None = None, extra: tuple[Path, ...] = ()
) -> tuple[list[Order], list[OrderProblem]]:
    """Every well-formed order in ``directory`` (plus ``extra`` files), and every problem."""
    agencies = agencies or AgencyFacts()
    problems: list[OrderProblem] = []
    if not directory.is_dir():
        return [], [OrderProblem(directory, None, "is not a directory of *.toml order files")]
    parsed: list[Order] = []
    for path in [*order_files(directory, problems), *extra]:
        order = parse_order(path, agencies, problems)
        if order is not None:
            parsed.append(order)
    # Cross-check even the malformed ones, so one run reports everything wrong with a file.
    problems.extend(_cross_check([o for o in parsed if o.id], directory))
    faulty = {problem.file for problem in problems}
    return [o for o in parsed if o.path not in faulty], problems


def order_files(directory: Path, problems: list[OrderProblem]) -> list[Path]:
    """Every ``*.toml`` under ``directory``, sub-folders included, hidden entries skipped.

    A folder that cannot be listed is a problem, not an empty folder: the orders in it would
    otherwise go unenforced without a word. Symlinked folders are followed once each.
    """
    found: list[Path] = []
    seen: set[Path] = set()
    pending = [directory]
    while pending:
        folder = pending.pop()
        real = folder.resolve()
        if real in seen:
            continue
        seen.add(real)
        try:
            entries = list(folder.iterdir())
        except OSError as exc:
            problems.append(OrderProblem(folder, None, f"cannot be read: {exc}"))
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_dir():
                pending.append(entry)
            elif entry.suffix.lower() == ".toml":
                found.append(entry)
    return sorted(found)


def _cross_check(orders: list[Order], directory: Path) -> list[OrderProblem]:
    problems: list[OrderProblem] = []
    by_id: dict[str, Order] = {}
    for order in orders:
        if order.id in by_id:
            first = _shown(by_id[order.id].path, directory)
            problems.append(OrderProblem(order.path, "id", f"{order.id!r} is also used in {first}"))
        else:
            by_id[order.id] = order
    for order in orders:
        if not order.suspends or not order.target:
            continue  # a missing target is reported where the file is read
        target = by_id.get(order.target)
        if target is None:
            problems.append(OrderProblem(order.path, "target", f"no order has id {order.target!r}"))
        elif target.id == order.id:
            problems.append(OrderProblem(order.path, "target", "an order cannot suspend itself"))
        elif target.kind == "denial":
            problems.append(
                OrderProblem(order.path, "target", f"{target.id!r} is a denial: it bars nothing")
            )
    for order_id in _cycle(by_id):
        order = by_id[order_id]
        problems.append(
            OrderProblem(order.path, "target", "stays and vacaturs form a cycle through this order")
        )
    return problems


def _shown(path: Path, directory: Path) -> str:
    """``path`` as a reader finds it: relative to the orders folder when inside it."""
    try:
        return str(path.relative_to(directory))
    except ValueError:
        return str(path)


def _cycle(by_id: dict[str, Order]) -> list[str]:
    """Ids on a cycle of target links (a stays b stays a): no date could resolve it."""
    on_cycle: set[str] = set()
    for start in by_id:
        seen: list[str] = []
        current: str | None = start
        while current is not None and current in by_id and by_id[current].suspends:
            if current in seen:
                on_cycle.update(seen[seen.index(current) :])
                break
            seen.append(current)
            current = by_id[current].target
    return sorted(on_cycle)


def load_orders(
    directory: Path | None = None,
    agencies: AgencyFacts | None = None,
    extra: tuple[Path, ...] = (),
) -> list[Order]:
    """The orders in ``directory`` (default: the built-in 2025–2026 timeline), all valid."""
    orders, problems = check_orders(directory or BUILTIN_ORDERS, agencies, extra)
    if problems:
        more = (
            f" (and {len(problems) - 1} more; run `taxgate orders check`)" if problems[1:] else ""
        )
        raise ConfigError(f"{problems[0]}{more}")
    return orders
