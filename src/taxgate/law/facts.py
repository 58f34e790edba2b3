"""The law stage's inputs as plain typed values.

The stage depends on no other stage's internals: the pipeline hands it the request-level
facts (from the manifest), the agency facts (from the registry) and one Arrow row per item
carrying what intake and identity found. Everything here is data, not behaviour.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import pyarrow as pa

from taxgate import reasons

BASIS_I2 = "6103(i)(2)"
BASIS_I1 = "6103(i)(1)"
PURPOSES: tuple[str, ...] = ("criminal", "civil", "tax", "other")
DATA_CATEGORIES: tuple[str, ...] = ("address", "income", "identity", "filing")
# For (i)(2), taxpayer identity (name, address, TIN) is not taxpayer return information
# ((i)(2)(C)), and whether someone filed reveals no more than identity does.
I2_CATEGORIES: frozenset[str] = frozenset({"address", "identity", "filing"})

# Findings the upstream stages may report; each has its own forbid in policies/findings.cedar.
FINDING_CODES: frozenset[str] = frozenset(reasons.ALL)

# Item table columns (one row per item): the engine's bulk input.
ITEM_ID = "item_id"
FINDINGS = "reasons"  # list<string>: intake and identity reason codes found so far
PROTECTED = "protected"  # bool: §6103(i)(6) bars disclosure about the matched taxpayer
ITEM_SCHEMA = pa.schema(
    [
        pa.field(ITEM_ID, pa.string()),
        pa.field(FINDINGS, pa.list_(pa.string())),
        pa.field(PROTECTED, pa.bool_()),
    ]
)

# Fallback when no registry is given: contracts.md §2's agencies, all compliant, spelled as
# the shipped agencies.toml spells them once loaded (upper case; a test keeps the two equal).
DEFAULT_PARENTS: Mapping[str, str] = MappingProxyType(
    {
        "IRS": "TREASURY",
        "TIGTA": "TREASURY",
        "ICE": "DHS",
        "USCIS": "DHS",
        "CBP": "DHS",
        "FBI": "DOJ",
        "DEA": "DOJ",
    }
)
DEFAULT_AGENCIES: frozenset[str] = frozenset(
    {"TREASURY", "IRS", "TIGTA", "DHS", "ICE", "USCIS", "CBP", "DOJ", "FBI", "DEA", "SSA"}
)


def agency_code(name: str) -> str:
    """The one spelling of an agency code the law stage compares: ``Treasury`` → ``TREASURY``.

    The registry upper-cases its codes and intake upper-cases the requester; orders, what-if
    options and hand-built facts are matched the same way, so no spelling works in one
    command and fails in another.
    """
    return name.strip().upper()


@dataclass(frozen=True)
class RequestFacts:
    """What the manifest says, as far as the law stage cares."""

    requester: str
    purpose: str
    basis: str
    data: tuple[str, ...]
    ex_parte_order: str = ""
    discloser: str = "IRS"

    @property
    def has_ex_parte_order(self) -> bool:
        return bool(self.ex_parte_order.strip())


@dataclass(frozen=True)
class AgencyFacts:
    """Agency → parent, and the agencies whose open safeguard findings block disclosure."""

    parents: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_PARENTS))
    safeguards_blocked: frozenset[str] = frozenset()
    known: frozenset[str] = DEFAULT_AGENCIES

    def __post_init__(self) -> None:
        parents = {agency_code(a): agency_code(p) for a, p in self.parents.items()}
        object.__setattr__(self, "parents", MappingProxyType(parents))
        blocked = frozenset(agency_code(a) for a in self.safeguards_blocked)
        object.__setattr__(self, "safeguards_blocked", blocked)
        object.__setattr__(self, "known", frozenset(agency_code(a) for a in self.known))

    def all_agencies(self) -> frozenset[str]:
        return self.known | set(self.parents) | set(self.parents.values())

    def ancestors(self, agency: str) -> tuple[str, ...]:
        """The agency itself, then its parent, grandparent, ... (stops on a cycle)."""
        chain = [agency_code(agency)]
        while (parent := self.parents.get(chain[-1])) is not None and parent not in chain:
            chain.append(parent)
        return tuple(chain)


@dataclass(frozen=True)
class ItemContext:
    """One distinct legal context at item level: many items share each one."""

    findings: frozenset[str]
    protected: bool


def item_table(rows: Iterable[tuple[str, Iterable[str], bool]]) -> pa.Table:
    """Build the engine's item table from ``(item_id, findings, protected)`` tuples."""
    ids, findings, protected = [], [], []
    for item_id, found, is_protected in rows:
        ids.append(item_id)
        findings.append(sorted(set(found)))
        protected.append(is_protected)
    return pa.table([ids, findings, protected], schema=ITEM_SCHEMA)
