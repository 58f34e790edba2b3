"""Bad files: one InputError naming the file, the row (1-based data row) and the field."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from taxgate.errors import InputError
from taxgate.intake import load_request
from taxgate.settings import load_settings

from .conftest import COLUMNS, MANIFEST, WriteRequest, good_item, manifest_text

REPO = Path(__file__).resolve().parents[2]


def error_of(path: Path, **kwargs: object) -> str:
    with pytest.raises(InputError) as caught:
        load_request(path, **kwargs)  # type: ignore[arg-type]
    message = str(caught.value)
    assert "\n" not in message
    return message


def rows(n: int) -> list[dict[str, str]]:
    return [good_item(i) for i in range(1, n + 1)]


# --- manifest -----------------------------------------------------------------------------


def test_missing_manifest(tmp_path: Path) -> None:
    assert "manifest not found" in error_of(tmp_path / "nope.toml")


def test_manifest_not_toml(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('id = "x"\nrequester = \n', encoding="utf-8")
    assert "not valid TOML" in error_of(path)


@pytest.mark.parametrize(
    "field", ["id", "requester", "received", "purpose", "basis", "data", "items"]
)
def test_manifest_missing_field(write_request: WriteRequest, field: str) -> None:
    message = error_of(write_request(rows(1), drop=(field,)))
    assert f"field {field!r}" in message and "missing" in message


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("purpose", "deportation", "unknown purpose"),
        ("data", ["address", "bank"], "unknown data category"),
        ("data", [], "no data category"),
        ("received", "13/01/2025", "not a date"),
        ("received", "yesterday", "not a date"),
        ("certification", "yes", "true or false"),
        ("statutory_authority", ["8 USC 1253"], "must be a string"),
        ("requester", "NSA", "not in the agency registry"),
    ],
)
def test_manifest_bad_values(
    write_request: WriteRequest, field: str, value: object, words: str
) -> None:
    message = error_of(write_request(rows(1), **{field: value}))
    assert f"field {field!r}" in message and words in message


def test_items_path_must_stay_beside_the_manifest(tmp_path: Path) -> None:
    folder = tmp_path / "request"
    folder.mkdir()
    outside = tmp_path / "x.csv"
    outside.write_text("item_id\n", encoding="utf-8")
    (folder / "link.csv").symlink_to(outside)
    for items in ("../x.csv", str(outside), "link.csv"):
        manifest = folder / "request.toml"
        manifest.write_text(manifest_text(items), encoding="utf-8")
        message = error_of(manifest)
        assert "field 'items'" in message, items


def test_items_file_missing(tmp_path: Path) -> None:
    manifest = tmp_path / "request.toml"
    manifest.write_text(manifest_text("items.csv"), encoding="utf-8")
    assert "item file not found" in error_of(manifest)


# --- item file ----------------------------------------------------------------------------


def write_csv(tmp_path: Path, text: str | bytes) -> Path:
    data = text.encode("utf-8") if isinstance(text, str) else text
    (tmp_path / "items.csv").write_bytes(data)
    manifest = tmp_path / "request.toml"
    manifest.write_text(manifest_text("items.csv"), encoding="utf-8")
    return manifest


def csv_line(values: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(values)
    return buffer.getvalue()


def csv_text(items: list[dict[str, str]]) -> str:
    lines = [csv_line(list(COLUMNS))] + [csv_line([item[c] for c in COLUMNS]) for item in items]
    return "\n".join(lines) + "\n"


def test_missing_required_column_is_named(write_request: WriteRequest) -> None:
    columns = tuple(c for c in COLUMNS if c != "taxable_periods")
    message = error_of(write_request(rows(2), columns=columns))
    assert "field 'taxable_periods'" in message and "missing required column" in message


def test_bad_date_names_row_and_field(write_request: WriteRequest) -> None:
    items = rows(20)
    items[16]["date_of_birth"] = "1985-02-30"
    message = error_of(write_request(items))
    assert "row 17" in message and "field 'date_of_birth'" in message


def test_bad_removal_date_names_row_and_field(write_request: WriteRequest) -> None:
    items = rows(5)
    items[3]["removal_order_date"] = "05/01/2019"
    message = error_of(write_request(items, fmt="parquet"))
    assert "row 4" in message and "field 'removal_order_date'" in message


def test_duplicate_item_ids_name_both_rows(write_request: WriteRequest) -> None:
    items = rows(10)
    items[7]["item_id"] = items[2]["item_id"]
    message = error_of(write_request(items))
    assert "row 8" in message and "first on row 3" in message and "field 'item_id'" in message


def test_empty_item_id(write_request: WriteRequest) -> None:
    items = rows(6)
    items[5]["item_id"] = "  "
    message = error_of(write_request(items))
    assert "row 6" in message and "field 'item_id'" in message


@pytest.mark.parametrize(
    "cell",
    ["=cmd|' /C calc'!A0", "+SUM(A1:A2)", "@SUM(A1)", "-2+3+cmd|' /C calc'!A0", " \t=x", "-x"],
)
def test_formula_item_ids_are_refused(write_request: WriteRequest, cell: str) -> None:
    """item_id is written back into decisions.csv and response.csv, opened in spreadsheets."""
    items = rows(4)
    items[2]["item_id"] = cell
    message = error_of(write_request(items))
    assert "row 3" in message and "field 'item_id'" in message and "formula" in message


@pytest.mark.parametrize("column", ["reason", "given_name", "surname", "street", "officer", "tin"])
@pytest.mark.parametrize("cell", ["- see attached affidavit of SA Smith", "+1 (555) 0100", "@x"])
def test_leading_dash_or_formula_character_in_read_only_text_is_accepted(
    write_request: WriteRequest, column: str, cell: str
) -> None:
    """Only item_id reaches an output file; other text is contract-valid whatever it starts
    with (a reason may begin with a dash)."""
    items = rows(3)
    items[1][column] = cell
    batch = load_request(write_request(items))
    assert batch.items[column][1].as_py() == cell


def test_whitespace_led_cells_are_trimmed(write_request: WriteRequest) -> None:
    items = rows(3)
    items[0]["given_name"] = "\tFrank"
    items[0]["item_id"] = "\t I-00001"
    items[2]["reason"] = "\r\n- see attached affidavit regarding wire transfers to account 7781"
    batch = load_request(write_request(items))
    assert batch.items["given_name"][0].as_py() == "Frank"
    assert batch.items["norm_given_name"][0].as_py() == "FRANK"
    assert batch.items["item_id"][0].as_py() == "I-00001"
    assert batch.items["reason"][2].as_py().startswith("- see attached")
    assert batch.items["reasons"].to_pylist() == [[], [], []]


def test_negative_numbers_are_not_formulas(write_request: WriteRequest) -> None:
    items = rows(2)
    items[1]["item_id"] = "-1"
    assert load_request(write_request(items)).size == 2


def test_non_utf8_bytes_name_row_and_field(tmp_path: Path) -> None:
    text = csv_text(rows(30)).encode("utf-8")
    lines = text.split(b"\n")
    lines[25] = lines[25].replace(b"Maria", b"Mar\xeda")  # Latin-1 i-acute, data row 25
    message = error_of(write_csv(tmp_path, b"\n".join(lines)))
    assert "row 25" in message and "field 'given_name'" in message and "UTF-8" in message


def test_ragged_row_is_named(tmp_path: Path) -> None:
    lines = csv_text(rows(12)).splitlines()
    lines[9] += ",extra"  # data row 9
    message = error_of(write_csv(tmp_path, "\n".join(lines) + "\n"))
    assert "row 9" in message and "fields" in message


def test_zip_stored_as_integer_in_parquet(tmp_path: Path) -> None:
    columns = {c: pa.array([good_item(1)[c]]) for c in COLUMNS}
    columns["zip"] = pa.array([2108], pa.int64())
    pq.write_table(pa.table(columns), tmp_path / "items.parquet")
    manifest = tmp_path / "request.toml"
    manifest.write_text(manifest_text("items.parquet"), encoding="utf-8")
    message = error_of(manifest)
    assert "field 'zip'" in message and "int64" in message and "leading zeros" in message


def test_file_above_the_size_limit_is_refused_before_parsing(tmp_path: Path) -> None:
    manifest = write_csv(tmp_path, b"\xff" * (2 * 1024 * 1024))  # not even CSV
    settings_file = tmp_path / "settings.toml"
    settings_file.write_text("[intake.files]\nmax_item_file_mb = 1\n", encoding="utf-8")
    message = error_of(manifest, settings=load_settings(settings_file))
    assert "limit" in message and "items.csv" in message


def test_bad_row_deep_in_a_big_file_is_found(tmp_path: Path) -> None:
    header = csv_line(list(COLUMNS))
    good = csv_line([good_item(1)[c] for c in COLUMNS])
    n = 200_000
    body = [good.replace("I-00001", f"I-{i}", 1) for i in range(1, n + 1)]
    body[n - 3] = body[n - 3].replace("1985-03-14", "1985-3-14")
    manifest = write_csv(tmp_path, header + "\n" + "\n".join(body) + "\n")
    message = error_of(manifest)
    assert f"row {n - 2}" in message and "field 'date_of_birth'" in message


# --- the command --------------------------------------------------------------------------


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    return subprocess.run(
        [sys.executable, "-m", "taxgate", "intake", "check", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_cli_bad_input_exits_2_with_one_line(write_request: WriteRequest) -> None:
    items = rows(3)
    items[1]["date_of_birth"] = "not-a-date"
    result = run_cli(str(write_request(items)))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "row 2" in lines[0] and "date_of_birth" in lines[0]


def test_cli_reports_reason_counts_as_json(write_request: WriteRequest) -> None:
    import json

    items = rows(3)
    items[0]["street"] = "Failed to Provide"
    result = run_cli(str(write_request(items)), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["items"] == 3 and data["by_reason"] == {"request.no-address": 1}
    assert data["request"] == MANIFEST["id"]
