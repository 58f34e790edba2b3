"""``taxgate release ...`` as the two sides run it: keygen, seal, inspect, open."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pyarrow.compute as pc
import pytest
from typer.testing import CliRunner

from taxgate.cli.release import app
from taxgate.errors import TaxgateError
from taxgate.release import ExpiredError, TamperedSealError, build_response, write_response_csv
from taxgate.release.response import write_csv

from .conftest import address_book, decided_items

runner = CliRunner()
EXPIRES = date.today() + timedelta(days=30)  # seal refuses an expiry before today
LAST_DAY, DAY_AFTER = EXPIRES.isoformat(), (EXPIRES + timedelta(days=1)).isoformat()
SEAL_OPTIONS = {
    "--batch": "B-7",
    "--request": "ICE-2025-0806",
    "--recipient": "ICE",
    "--purpose": "criminal",
    "--basis": "6103(i)(2)",
    "--authority": "8 U.S.C. 1253(a)(1)",
    "--expires": LAST_DAY,
}
OFFICERS = ["--officer", "Special Agent A. Rivera", "--officer", "Special Agent B. Chen"]


def run(*args: str | Path) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.output


def refused(*args: str | Path) -> BaseException:
    result = runner.invoke(app, [str(a) for a in args])
    assert isinstance(result.exception, TaxgateError)
    assert "\n" not in str(result.exception)  # the CLI prints it as one line
    return result.exception


def open_args(sealed: Path, as_of: str) -> list[str | Path]:
    keys = sealed.parent / "keys"
    return [
        "open",
        sealed,
        *("--key", keys / "ice.key", "--discloser", keys / "irs.pub"),
        *("--out", sealed.parent / "opened.csv", "--as-of", as_of),
    ]


@pytest.fixture
def sealed(tmp_path: Path) -> Path:
    keys = tmp_path / "keys"
    code, out = run("keygen", "ice", "--out", keys)
    assert code == 0 and "ice.key (keep secret)" in out and "key id " in out
    assert run("keygen", "irs", "--out", keys, "--signing")[0] == 0
    response = build_response(decided_items(), address_book())
    write_response_csv(response, tmp_path / "response.csv")
    provided = response.filter(pc.equal(response["status"], "provided"))
    write_response_csv(provided, tmp_path / "provided.csv")
    write_csv(provided.drop_columns(["status"]), tmp_path / "expected.csv")
    target = tmp_path / "ICE-2025-0806.sealed"
    code, out = run(*seal_args(tmp_path / "provided.csv", target))
    assert code == 0 and out.startswith("sealed 1 rows to ")
    return target


def seal_args(rows: Path, target: Path, **changes: str) -> list[str | Path]:
    keys = target.parent / "keys"
    options = {**SEAL_OPTIONS, **changes}
    return [
        "seal",
        rows,
        *("--recipient-key", keys / "ice.pub", "--signing-key", keys / "irs.key"),
        *("--out", target),
        *[part for pair in options.items() for part in pair],
        *OFFICERS,
    ]


def test_open_gives_back_the_provided_rows_byte_for_byte(sealed: Path) -> None:
    code, text = run(*open_args(sealed, LAST_DAY))
    assert code == 0 and "1 rows" in text and f"until {LAST_DAY}" in text
    opened = sealed.parent / "opened.csv"
    assert opened.read_bytes() == (sealed.parent / "expected.csv").read_bytes()


def test_inspect_shows_the_header_without_the_recipient_key(sealed: Path) -> None:
    discloser = sealed.parent / "keys" / "irs.pub"
    code, text = run("inspect", sealed, "--discloser", discloser)
    assert code == 0
    assert "Special Agent A. Rivera; Special Agent B. Chen" in text
    assert "criminal, basis 6103(i)(2)" in text and "signature verified" in text
    assert "12 Elm St" not in text
    code, text = run("inspect", sealed, "--discloser", discloser, "--json")
    header = json.loads(text)
    assert header["expires"] == LAST_DAY
    assert header["fields"] == ["street", "unit", "city", "state", "zip"]


def test_open_an_expired_file_is_a_one_line_error(sealed: Path) -> None:
    error = refused(*open_args(sealed, DAY_AFTER))
    assert isinstance(error, ExpiredError)
    assert f"expired on {LAST_DAY} (today is {DAY_AFTER})" in str(error)
    assert not (sealed.parent / "opened.csv").exists()


def test_open_a_tampered_file_is_refused_and_writes_nothing(sealed: Path) -> None:
    data = bytearray(sealed.read_bytes())
    data[len(data) // 2] ^= 0x04
    sealed.write_bytes(bytes(data))
    assert isinstance(refused(*open_args(sealed, LAST_DAY)), TamperedSealError)
    assert not (sealed.parent / "opened.csv").exists()


def test_bad_dates_and_missing_keys_are_one_line_errors(sealed: Path) -> None:
    assert "not a date" in str(refused(*open_args(sealed, "31/01/2026")))
    missing = sealed.parent / "keys" / "nobody.pub"
    assert "cannot read the key" in str(refused("inspect", sealed, "--discloser", missing))


def test_seal_refuses_a_file_with_more_than_the_declared_fields(sealed: Path) -> None:
    """A copy of decisions.csv (TINs, reasons, rules) must never go out under a header that
    declares no such fields."""
    folder = sealed.parent
    decisions = folder / "decisions-copy.csv"
    decisions.write_text(
        "item_id,outcome,reasons,rules,tin,match_probability\n"
        "A-1,release,,i2-criminal,000110001,0.998\n",
        encoding="utf-8",
    )
    error = refused(*seal_args(decisions, folder / "d.sealed"))
    assert str(error).startswith(f"{decisions}, row 1, field 'outcome': not a declared field")
    assert not (folder / "d.sealed").exists()
    wider = refused(*seal_args(folder / "provided.csv", folder / "z.sealed"), "--field", "zip")
    assert "row 1, field 'street': not a declared field" in str(wider)


def test_seal_refuses_not_provided_rows(sealed: Path) -> None:
    folder = sealed.parent
    error = refused(*seal_args(folder / "response.csv", folder / "r.sealed"))
    assert str(error).startswith(f"{folder / 'response.csv'}, row 2, field 'status': item 'A-2'")
    assert not (folder / "r.sealed").exists()


@pytest.mark.parametrize(
    ("option", "value", "words"),
    [
        ("--recipient", "XYZ", "'XYZ' is not an agency in agencies.toml"),
        ("--basis", "6103-i-2", "'6103-i-2' is not a basis for release"),
        ("--purpose", "curiosity", "'curiosity' is not a purpose"),
    ],
)
def test_seal_refuses_unknown_recipients_bases_and_purposes(
    sealed: Path, option: str, value: str, words: str
) -> None:
    folder = sealed.parent
    error = refused(*seal_args(folder / "provided.csv", folder / "x.sealed", **{option: value}))
    assert str(error).startswith(f"{option}: {words}")
    assert not (folder / "x.sealed").exists()


def test_seal_refuses_a_field_no_release_carries(sealed: Path) -> None:
    folder = sealed.parent
    args = [*seal_args(folder / "provided.csv", folder / "x.sealed"), "--field", "income"]
    assert str(refused(*args)).startswith("--field: 'income' cannot be released")


def test_seal_names_recipient_and_basis_canonically_and_takes_a_registry(sealed: Path) -> None:
    folder = sealed.parent
    registry = folder / "agencies.toml"
    registry.write_text('[agencies.XYZ]\nname = "Test Agency"\n', encoding="utf-8")
    target = folder / "xyz.sealed"
    args = seal_args(folder / "provided.csv", target, **{"--recipient": "xyz", "--basis": "(i)(2)"})
    assert run(*args, "--agencies", registry)[0] == 0
    code, text = run("inspect", target, "--discloser", folder / "keys" / "irs.pub", "--json")
    assert code == 0
    assert (json.loads(text)["recipient"], json.loads(text)["basis"]) == ("XYZ", "6103(i)(2)")


def test_open_refuses_a_past_as_of_date(sealed: Path) -> None:
    """Backdating would open a file after it expired."""
    for past in ("2020-01-01", (date.today() - timedelta(days=1)).isoformat()):
        error = refused(*open_args(sealed, past))
        assert f"--as-of: {past} is before today" in str(error)
    assert not (sealed.parent / "opened.csv").exists()
    assert run(*open_args(sealed, date.today().isoformat()))[0] == 0
