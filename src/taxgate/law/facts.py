"""The law stage's inputs as plain typed values.

The stage depends on no other stage's internals: the pipeline hands it the request-level
facts (from the manifest), the agency facts (from the registry) and one Arrow row per item
carrying what intake and identity found. Everything here is data, not behaviour.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import pyarrow as pa

from taxgate import reasons
from taxgate.duck import connect
from taxgate.intake.agencies import AgencyRegistry, canonical_basis
from taxgate.model import Manifest
from taxgate.world.io import open_world, protected_sql

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

    @classmethod
    def of(cls, manifest: Manifest) -> RequestFacts:
        return cls(
            requester=manifest.requester,
            purpose=manifest.purpose,
            basis=canonical_basis(manifest.basis),
            data=tuple(manifest.data),
            ex_parte_order=manifest.ex_parte_order,
        )


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

    @classmethod
    def of(cls, registry: AgencyRegistry) -> AgencyFacts:
        """The registry as the law stage sees it: parents, blocked recipients, known codes."""
        parents = {
            code: agency.parent for code, agency in registry.agencies.items() if agency.parent
        }
        blocked = frozenset(code for code in registry.agencies if registry.safeguards_block(code))
        return cls(
            parents=parents,
            safeguards_blocked=blocked,
            known=frozenset(parents) | set(registry.agencies),
        )

    @classmethod
    def load(cls, registry: Path | None = None) -> AgencyFacts:
        """The registry file (default: the shipped one) exactly as ``decide`` reads it, so
        every command accepts the same orders and agencies."""
        return cls.of(AgencyRegistry.load(registry))


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


def law_items(world: Path, matches: pa.Table) -> pa.Table:
    """The law stage's items from identity's matches (``item_id``, ``intake``, ``identity``,
    ``tin``): every finding so far, and whether the matched taxpayer is protected."""
    con = connect()
    try:
        open_world(con, world)
        numbered = matches.append_column("idx", pa.array(range(matches.num_rows), pa.int64()))
        con.register("numbered", numbered)
        protected = protected_sql(con, "t")
        return con.sql(
            f"""
            SELECT m.item_id,
                   list_sort(list_distinct(list_concat(coalesce(m.intake, []),
                                                       coalesce(m.identity, [])))) AS reasons,
                   CASE WHEN m.tin IS NULL THEN false ELSE {protected} END AS protected
            FROM numbered m LEFT JOIN taxpayers t ON t.tin = m.tin
            ORDER BY m.idx
            """
        ).to_arrow_table()
    finally:
        con.close()
