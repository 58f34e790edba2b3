"""The error hierarchy and the reason-code vocabulary other programs rely on."""

from __future__ import annotations

from taxgate import reasons
from taxgate.errors import InputError, TaxgateError


def test_input_error_names_file_row_and_field_on_one_line() -> None:
    error = InputError("items.csv", "not a date:\n'2025-13-01'", row=17, field="date_of_birth")
    message = str(error)
    assert isinstance(error, TaxgateError)
    assert "\n" not in message
    assert message.startswith("items.csv, row 17, field 'date_of_birth': not a date:")


def test_input_error_hint_is_appended() -> None:
    message = str(InputError("m.toml", "missing field 'id'", hint="see contracts.md §2"))
    assert message == "m.toml: missing field 'id' (see contracts.md §2)"


def test_contract_reason_codes_are_all_present_and_stable() -> None:
    # contracts.md §4: stable codes, add never rename. A rename breaks this list.
    expected = {
        "request.no-name",
        "request.no-address",
        "request.no-period",
        "request.no-authority",
        "request.no-reason",
        "request.not-specific",
        "request.signer",
        "request.certification",
        "request.statute",
        "request.officers",
        "request.basis",
        "purpose.not-criminal",
        "match.none",
        "match.ambiguous",
        "match.address",
        "taxpayer.protected",
        "recipient.safeguards",
    }
    assert set(reasons.ALL) == expected
    assert reasons.order("ctr-pi-2025-11-21") == "order.ctr-pi-2025-11-21"
    assert reasons.is_known("order.ctr-pi-2025-11-21")
    assert not reasons.is_known("order.")
    assert not reasons.is_known("request.no-adress")
