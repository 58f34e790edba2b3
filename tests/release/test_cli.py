"""``taxgate release ...`` as the two sides run it: keygen, seal, inspect, open."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from taxgate.cli.release import app
from taxgate.errors import TaxgateError
from taxgate.release import ExpiredError, TamperedError, build_response, write_response_csv

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
    write_response_csv(build_response(decided_items(), address_book()), tmp_path / "response.csv")
    target = tmp_path / "ICE-2025-0806.sealed"
    code, out = run(
        "seal",
        tmp_path / "response.csv",
        *("--recipient-key", keys / "ice.pub", "--signing-key", keys / "irs.key"),
        *("--out", target),
        *[part for pair in SEAL_OPTIONS.items() for part in pair],
        *OFFICERS,
    )
    assert code == 0 and out.startswith("sealed 3 rows to ")
    return target


def test_open_gives_back_the_response_byte_for_byte(sealed: Path) -> None:
    code, text = run(*open_args(sealed, LAST_DAY))
    assert code == 0 and "3 rows" in text and f"until {LAST_DAY}" in text
    opened = sealed.parent / "opened.csv"
    assert opened.read_bytes() == (sealed.parent / "response.csv").read_bytes()


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
    assert isinstance(refused(*open_args(sealed, LAST_DAY)), TamperedError)
    assert not (sealed.parent / "opened.csv").exists()


def test_bad_dates_and_missing_keys_are_one_line_errors(sealed: Path) -> None:
    assert "not a date" in str(refused(*open_args(sealed, "31/01/2026")))
    missing = sealed.parent / "keys" / "nobody.pub"
    assert "cannot read the key" in str(refused("inspect", sealed, "--discloser", missing))
