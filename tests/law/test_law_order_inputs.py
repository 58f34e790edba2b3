"""Order files as people write them: any spelling of an agency code, registries of their own,
ids in their own style, a byte-order mark. `orders check` and `decide` must agree on each."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from taxgate.cli.orders import app
from taxgate.errors import ConfigError
from taxgate.intake.agencies import AgencyRegistry
from taxgate.law import (
    AgencyFacts,
    LawEngine,
    RequestFacts,
    check_orders,
    item_table,
    load_orders,
    load_statute,
)
from taxgate.law.orders import id_problem

RUNNER = CliRunner()
STATUTE = load_statute()
ICE_ASKS = RequestFacts("ICE", "criminal", "6103(i)(2)", ("address",))
TRO = """id = {id}
case = "A v. B"
court = "D.D.C."
kind = "tro"
issued = 2025-09-01
effective = 2025-09-01
disclosers = [{discloser}]
recipients = [{recipient}]
data = ["address"]
purposes = ["*"]
citation = {citation}
"""
REGISTRY_WITH_HHS = """
[agencies.IRS]
parent = "Treasury"
[agencies.Treasury]
[agencies.ICE]
i2_signers = ["Director"]
[agencies.HHS]
i2_signers = ["Secretary"]
"""


def write_tro(
    directory: Path,
    order_id: str = "tro-1",
    discloser: str = "IRS",
    recipient: str = "ICE",
    citation: str = '"No. 1"',  # TOML, as written in the file
    name: str = "tro.toml",
) -> Path:
    directory.mkdir(exist_ok=True)
    path = directory / name
    fields = {"id": order_id, "discloser": discloser, "recipient": recipient}
    quoted = {key: toml_string(value) for key, value in fields.items()}
    path.write_text(TRO.format(citation=citation, **quoted), encoding="utf-8")
    return path


def toml_string(value: str) -> str:
    escaped = (
        "\\" + c if c in '"\\' else f"\\u{ord(c):04x}" if ord(c) < 0x20 or ord(c) == 0x7F else c
        for c in value
    )
    return '"' + "".join(escaped) + '"'


def decided_reasons(orders_dir: Path, facts: AgencyFacts, request: RequestFacts) -> list[str]:
    """What `decide` does with an orders folder: load against the registry, then decide."""
    engine = LawEngine(load_orders(orders_dir, facts), facts, STATUTE)
    table = item_table([("clean", [], False)])
    row = engine.decide(request, table, date(2025, 10, 1)).items.to_pylist()[0]
    return list(row["reasons"])


@pytest.mark.parametrize("spelling", ["Treasury", "TREASURY", "treasury"])
def test_treasury_in_any_spelling_passes_check_and_bars_in_decide(
    tmp_path: Path, spelling: str
) -> None:
    write_tro(tmp_path, discloser=spelling)
    checked = RUNNER.invoke(app, ["check", str(tmp_path)])
    assert checked.exit_code == 0, checked.output
    registry = AgencyFacts.of(AgencyRegistry.load())
    # The IRS is a Treasury component, so an order binding Treasury binds the IRS.
    assert decided_reasons(tmp_path, registry, ICE_ASKS) == ["order.tro-1"]
    assert load_orders(tmp_path, registry)[0].disclosers == ("TREASURY",)


def test_default_agency_facts_are_the_shipped_registry() -> None:
    shipped, default = AgencyFacts.of(AgencyRegistry.load()), AgencyFacts()
    assert (dict(default.parents), default.all_agencies()) == (
        dict(shipped.parents),
        shipped.all_agencies(),
    )


def test_requester_and_blocked_agencies_match_in_any_case(tmp_path: Path) -> None:
    write_tro(tmp_path, recipient="Ice")
    facts = AgencyFacts(safeguards_blocked=frozenset({"ice"}))
    request = RequestFacts("Ice", "criminal", "6103(i)(2)", ("address",), discloser="irs")
    assert decided_reasons(tmp_path, facts, request) == ["order.tro-1", "recipient.safeguards"]


def test_agencies_option_validates_orders_against_a_custom_registry(tmp_path: Path) -> None:
    orders = tmp_path / "orders"
    write_tro(orders, recipient="HHS")
    registry = tmp_path / "agencies.toml"
    registry.write_text(REGISTRY_WITH_HHS)
    rejected = RUNNER.invoke(app, ["check", str(orders)])
    assert rejected.exit_code == 1 and "unknown agency 'HHS'" in rejected.output
    assert "--agencies" in rejected.output
    given_registry = ["--agencies", str(registry)]
    for args in (
        ["check", str(orders)],
        ["list", "--orders", str(orders)],
        ["timeline", "--orders", str(orders)],
    ):
        result = RUNNER.invoke(app, [*args, *given_registry])
        assert result.exit_code == 0, (args, result.output)
    batch = tmp_path / "batch.csv"
    batch.write_text("item_id,reasons,protected\nclean,,false\n")
    what_if = ["what-if", "--stay", "tro-1", "--as-of", "2025-10-01", "--batch", str(batch)]
    result = RUNNER.invoke(
        app, [*what_if, "--orders", str(orders), "--requester", "HHS", *given_registry]
    )
    assert result.exit_code == 0, result.output
    assert "clean: withhold ['order.tro-1'] → release []" in result.output


@pytest.mark.parametrize("order_id", ["ordA", "CTR_Stay_2025", "ctr.pi.2025", 'q"uo\\te', "é/1"])
def test_ids_in_any_style_reach_the_reason_code_unchanged(tmp_path: Path, order_id: str) -> None:
    write_tro(tmp_path, order_id=order_id)
    assert RUNNER.invoke(app, ["check", str(tmp_path)]).exit_code == 0
    assert decided_reasons(tmp_path, AgencyFacts(), ICE_ASKS) == [f"order.{order_id}"]


@pytest.mark.parametrize(
    ("order_id", "says"),
    [("ctr stay", "contains ' '"), ("a;b", "contains ';'"), ("tab\there", "'\\t'"),
     ("zero\u200bwidth", "'\\u200b'"), ("x" * 201, "201 characters")],
)  # fmt: skip
def test_unusable_ids_are_one_line_errors_naming_file_and_field(
    tmp_path: Path, order_id: str, says: str
) -> None:
    write_tro(tmp_path, order_id=order_id)
    problems = check_orders(tmp_path)[1]
    assert [(p.file.name, p.field) for p in problems] == [("tro.toml", "id")]
    assert says in problems[0].problem
    with pytest.raises(ConfigError) as raised:
        load_orders(tmp_path)
    assert "tro.toml, field 'id'" in str(raised.value) and "\n" not in str(raised.value)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(order_id=st.text(st.characters(codec="utf-8"), min_size=1, max_size=12))
def test_every_id_is_either_rejected_or_decided_verbatim(tmp_path: Path, order_id: str) -> None:
    directory = tmp_path / f"d{abs(hash(order_id))}"
    write_tro(directory, order_id=order_id)
    if id_problem(order_id) is None:
        assert decided_reasons(directory, AgencyFacts(), ICE_ASKS) == [f"order.{order_id}"]
    else:
        assert [p.field for p in check_orders(directory)[1]] == ["id"]


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = write_tro(tmp_path)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert check_orders(tmp_path)[1] == []
    assert RUNNER.invoke(app, ["check", str(tmp_path)]).exit_code == 0


def test_control_characters_in_a_citation_compile(tmp_path: Path) -> None:
    write_tro(tmp_path, citation='"No. 1\\u0007 (bell)"')
    assert decided_reasons(tmp_path, AgencyFacts(), ICE_ASKS) == ["order.tro-1"]


def test_a_stay_without_target_is_reported_once_and_correctly(tmp_path: Path) -> None:
    write_tro(tmp_path)
    (tmp_path / "stay.toml").write_text(
        'id = "s"\ncase = "A"\ncourt = "C"\nkind = "stay-of-order"\nissued = 2025-09-02\n'
        'effective = 2025-09-02\ncitation = "x"\n'
    )
    problems = [(p.file.name, p.field, p.problem) for p in check_orders(tmp_path)[1]]
    assert problems == [
        (
            "stay.toml",
            "target",
            "missing; a stay-of-order must name the id of the order it suspends or ends",
        )
    ]


def test_what_if_lists_stays_in_force_and_says_none(tmp_path: Path) -> None:
    orders = tmp_path / "orders"
    write_tro(orders)
    batch = tmp_path / "batch.csv"
    batch.write_text("item_id,reasons,protected\nclean,,false\n")
    base = ["what-if", "--stay", "tro-1", "--orders", str(orders), "--batch", str(batch)]
    result = RUNNER.invoke(app, [*base, "--as-of", "2025-10-01"])
    assert "as recorded: orders in force: tro-1\n" in result.output
    assert "what if: orders in force: what-if-stay-of-order-tro-1 (stays tro-1)\n" in result.output
    before = RUNNER.invoke(app, [*base, "--as-of", "2025-08-01"])
    assert "as recorded: orders in force: none\n" in before.output
