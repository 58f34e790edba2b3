"""The engine agrees with the independent oracle on random timelines and item facts."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracle import Case, decide

from taxgate.law import AgencyFacts, LawEngine, Order, RequestFacts, item_table, load_statute
from taxgate.law.facts import DEFAULT_PARENTS
from taxgate.law.orders import id_problem

STATUTE = load_statute()
BASE = date(2025, 11, 1)
KINDS_BARRING = ["tro", "preliminary-injunction", "permanent-injunction", "stay-of-agency-action"]
FINDINGS = [
    "request.no-address",
    "request.no-name",
    "request.officers",
    "request.basis",
    "match.ambiguous",
    "match.none",
    "match.address",
]
AGENCIES = ["ICE", "USCIS", "DHS", "FBI", "DEA", "SSA", "XYZ"]


# Order ids: anything an order file may use (printable, no whitespace, no ';'), quotes and
# backslashes included, since ids go into Cedar string literals and reason codes.
ID_CHARS = st.characters(blacklist_categories=("Z", "C"), blacklist_characters=";")
order_ids = st.text(ID_CHARS, min_size=1, max_size=8).filter(lambda text: id_problem(text) is None)


def spelled(code: str) -> st.SearchStrategy[str]:
    """An agency code as someone might write it: agency codes are case-insensitive."""
    return st.sampled_from([code, code.lower(), code.title()])


def scope(choices: list[str]) -> st.SearchStrategy[tuple[str, ...]]:
    some = st.lists(st.sampled_from(choices), min_size=1, max_size=3, unique=True).map(tuple)
    return st.one_of(st.just(("*",)), some)


def agency_scope(choices: list[str]) -> st.SearchStrategy[tuple[str, ...]]:
    codes = st.lists(st.sampled_from(choices), min_size=1, max_size=3, unique=True)
    some = codes.flatmap(lambda picked: st.tuples(*(spelled(code) for code in picked)))
    return st.one_of(st.just(("*",)), some)


@st.composite
def timelines(draw: st.DrawFn) -> list[Order]:
    orders: list[Order] = []
    for number in range(draw(st.integers(0, 6))):
        order_id = f"{draw(order_ids)}{number}"  # the suffix keeps ids unique
        suspendable = [o.id for o in orders if o.kind != "denial"]
        kinds = [*KINDS_BARRING, "denial"] + (["stay-of-order", "vacatur"] if suspendable else [])
        kind = draw(st.sampled_from(kinds))
        effective = BASE + timedelta(days=draw(st.integers(0, 30)))
        lasts = draw(st.one_of(st.none(), st.integers(1, 20)))
        orders.append(
            Order(
                id=order_id,
                kind=kind,
                case="Test v. Case",
                court="D.D.C.",
                citation=f"No. {number}",
                issued=effective,
                effective=effective,
                expires=None if lasts is None else effective + timedelta(days=lasts),
                path=Path(f"o{number}.toml"),
                disclosers=draw(agency_scope(["IRS", "TREASURY", "SSA"])),
                recipients=draw(agency_scope(["ICE", "DHS", "USCIS", "FBI", "DOJ", "CBP"])),
                data=draw(scope(["address", "income", "identity", "filing"])),
                purposes=draw(scope(["criminal", "civil", "tax", "other"])),
                exceptions=draw(st.sampled_from([(), ("criminal-compliant",)])),
                target=draw(st.sampled_from(suspendable))
                if kind in ("stay-of-order", "vacatur")
                else "",
            )
        )
    return orders


requests = st.builds(
    RequestFacts,
    requester=st.sampled_from(["ICE", "ICE", *AGENCIES]).flatmap(spelled),
    purpose=st.sampled_from(["criminal", "criminal", "civil", "tax", "other"]),
    basis=st.sampled_from(["6103(i)(2)", "6103(i)(2)", "6103(i)(1)", "6103(h)"]),
    data=st.one_of(
        st.just(("address",)),
        st.lists(
            st.sampled_from(["address", "income", "identity", "filing"]), min_size=1, max_size=3
        ).map(tuple),
    ),
    ex_parte_order=st.sampled_from(["", "", "No. 26-mj-1 (D. Md.)"]),
    discloser=st.sampled_from(["IRS", "IRS", "TIGTA", "SSA"]).flatmap(spelled),
)
items = st.lists(
    st.tuples(
        st.one_of(st.just(frozenset()), st.frozensets(st.sampled_from(FINDINGS), max_size=3)),
        st.booleans(),
    ),
    min_size=1,
    max_size=6,
)


def boundary_days(orders: list[Order]) -> list[date]:
    """Dates where an order starts or ends, and the day before: where off-by-ones hide."""
    days = {o.effective for o in orders} | {o.expires for o in orders if o.expires}
    return sorted(days | {d - timedelta(days=1) for d in days}) or [BASE]


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    orders=timelines(),
    request=requests,
    facts=items,
    data=st.data(),
    blocked=st.frozensets(st.sampled_from(["ICE", "DHS", "FBI"]).flatmap(spelled), max_size=2),
)
def test_engine_agrees_with_oracle(
    orders: list[Order],
    request: RequestFacts,
    facts: list[tuple[frozenset[str], bool]],
    data: st.DataObject,
    blocked: frozenset[str],
) -> None:
    day = data.draw(
        st.one_of(
            st.sampled_from(boundary_days(orders)),
            st.integers(-2, 60).map(lambda n: BASE + timedelta(days=n)),
        )
    )
    parents = data.draw(
        st.tuples(*(st.tuples(spelled(c), spelled(p)) for c, p in DEFAULT_PARENTS.items()))
    )
    agencies = AgencyFacts(parents=dict(parents), safeguards_blocked=blocked)
    engine = LawEngine(orders, agencies, STATUTE)
    # Clean items, protected or not, in every batch: they are what exceptions turn on.
    facts = [(frozenset(), False), (frozenset(), True), *facts]
    table = item_table((f"i{n}", found, prot) for n, (found, prot) in enumerate(facts))
    decided = engine.decide(request, table, day).items.to_pylist()
    for (found, prot), row in zip(facts, decided, strict=True):
        case = Case(
            requester=request.requester,
            discloser=request.discloser,
            purpose=request.purpose,
            basis=request.basis,
            data=frozenset(request.data),
            ex_parte_order=bool(request.ex_parte_order),
            findings=found,
            protected=prot,
        )
        expected = decide(case, orders, day, dict(parents), blocked)
        assert (row["outcome"], tuple(row["reasons"])) == expected
        assert "default-deny" not in row["rules"]
        assert set(found) <= set(row["reasons"])
