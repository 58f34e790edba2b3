"""The 2025 IRS process for ICE's address requests, as the court record describes it.

This is a baseline, not a safeguard: it reproduces the weaknesses the courts found so the demo
can show, on the same items and world, what taxgate does differently. Every reading below is a
choice the record left open; the source of each is named (law.md holds the digest).

Record (D.D.C., Kollar-Kotelly, indicative ruling of 2026-02-26, press quoting the opinion):
two mutually exclusive scripts. Where ICE gave a TIN, name and TIN were matched against IRS
records ("TIN Matching") and the only address check was that the address held a 5- or 9-digit
number; otherwise the name and address were matched. "Failed to Provide", "Unknown Address",
"NA NA", entries missing street names or numbers and jails with no building location passed;
"Don't Care 12345" or "00000" would have passed. The IRS returned the last known address
(MOU of 2025-04-07; the 47,289 addresses of 2025-08-07).

Readings:

1. **Which script.** A ``tin`` field holding anything but blanks selects the TIN script,
   otherwise the name+address script. They are mutually exclusive (the ruling's word): an item
   with a TIN that fails TIN Matching is withheld, never retried by name and address.
2. **TIN Matching's name test.** The IRS TIN Matching program compares a TIN with the
   *name control* of the name on file, the first four characters of an individual's last name
   (IRS Publications 2108 and 2108-A; practitioner guides call it the "first four" rule). We
   compute it from the surname with accents stripped, upper-cased, keeping letters and hyphens,
   first four kept. The given name is not compared; so "Williams" matches "Williamson". The TIN
   is compared by its digits (dashes and spaces dropped).
3. **ZIP-shaped.** A run of exactly 5 or 9 digits, bounded by non-digits or the ends, anywhere
   in the item's street, unit, city, state and zip joined by spaces (ICE sent one address; we
   see it split). "00000", "Don't Care 12345", a 5-digit street number and "12345-6789" all
   pass. This is the TIN script's only address check (the ruling: "the only address check").
4. **Name+address matching.** The record says no more than "name and address". We compare the
   surname and the first word of the given name, exactly, after the same normalisation
   (accents stripped, upper-cased, anything but letters dropped), and the address as its street
   line and ZIP: the street upper-cased with punctuation dropped and spaces collapsed, and the
   first five digits of the zip, both equal to *one* address in the taxpayer's history, not only
   the last (ICE's addresses were often years old, which is why the IRS returned a newer one).
   Unit and city are not compared (the ZIP stands for the city; units are often missing). So a
   placeholder street never matches here: the placeholders the court listed passed through the
   TIN script. Nicknames, typos, dropped second surnames and "Street" for "St" miss (TIGTA,
   June 2026: non-uniform ICE data caused missed matches); middle name, suffix and date of
   birth are ignored, so relatives sharing a name and a home match (TIGTA: matches that should
   have been rejected). We tried the looser name-and-ZIP reading too: on a generated world of
   1,000,000 taxpayers (denser ZIPs than real ones) and 128,000 ``ice-2025`` items it released
   11,377 items by this script, 5,939 about the wrong person, mostly strangers sharing a common
   name and a ZIP; the literal reading released 7,720, 2,454 wrong, nearly all relatives or
   neighbours at the named address. The record's failure is the latter, so we kept it.
5. **Namesakes.** The process had no notion of an ambiguous match. Where several taxpayers
   pass (a father and son sharing a name and a home), we take the first in
   master-file order (lowest TIN), as a lookup that stops at its first hit would, and report
   the count in ``candidates``. This is the misidentification the D. Mass. court (2026-02-05)
   feared "where people share surnames and homes".
6. **What was returned.** The matched taxpayer's last known address: the address row with the
   greatest ``last_year`` (contracts.md §1), ties broken as taxgate's release breaks them
   (``release.response.last_known_order``). A matched taxpayer with no address on file has
   nothing to return and is withheld.
7. **Not checked**, because nothing in the record says the scripts checked it: the request's
   purpose, signer, statute and certification, court orders, §6103(i)(6) protection, and
   whether the supplied address was a real residence.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from taxgate.duck import connect
from taxgate.errors import InputError
from taxgate.model import RELEASE, WITHHOLD
from taxgate.release.response import ADDRESS_FIELDS, last_known_order
from taxgate.world.io import open_world

ITEM_INPUT_COLUMNS: Final = (
    "item_id",
    "given_name",
    "surname",
    "tin",
    "street",
    "unit",
    "city",
    "state",
    "zip",
)
BASELINE_COLUMNS: Final = (
    "item_id",
    "outcome",
    "tin",
    "script",
    *ADDRESS_FIELDS,
    "candidates",
)
# Reading 3: 5 or 9 digits with no digit on either side.
ZIP_SHAPED: Final = r"(^|[^0-9])([0-9]{5}|[0-9]{9})([^0-9]|$)"

_MACROS: Final = (
    # Regex replacement costs about a microsecond a row even where nothing matches, so each
    # key only rewrites the strings that need it.
    """CREATE OR REPLACE TEMP MACRO bl_keep(s, unwanted) AS
        CASE WHEN regexp_matches(s, unwanted) THEN regexp_replace(s, unwanted, '', 'g')
             ELSE s END""",
    # Reading 2: the IRS name control of an individual's last name.
    """CREATE OR REPLACE TEMP MACRO bl_name_control(s) AS
        left(bl_keep(upper(strip_accents(coalesce(s, ''))), '[^A-Z-]'), 4)""",
    # Reading 4: a name compared exactly, case, accents and punctuation aside.
    """CREATE OR REPLACE TEMP MACRO bl_name_key(s) AS
        bl_keep(upper(strip_accents(coalesce(s, ''))), '[^A-Z]')""",
    """CREATE OR REPLACE TEMP MACRO bl_first_word(s) AS
        split_part(trim(coalesce(s, '')), ' ', 1)""",
    # Reading 4: the street line, case, punctuation and spacing aside.
    """CREATE OR REPLACE TEMP MACRO bl_squeeze(s) AS
        trim(CASE WHEN contains(s, '  ') THEN regexp_replace(s, ' +', ' ', 'g') ELSE s END)""",
    """CREATE OR REPLACE TEMP MACRO bl_street_key(s) AS
        bl_squeeze(bl_keep(upper(strip_accents(coalesce(s, ''))), '[^A-Z0-9 ]'))""",
)


def _prepare_items(items: pa.Table) -> pa.Table:
    """The columns the scripts read, as strings, with the input position as ``bl_rn``."""
    missing = [name for name in ITEM_INPUT_COLUMNS if name not in items.column_names]
    if missing:
        raise InputError(
            "items",
            f"missing column {missing[0]!r}",
            field=missing[0],
            hint="an item table has every column of contracts.md §2",
        )
    columns = [pc.cast(items.column(name), pa.string()) for name in ITEM_INPUT_COLUMNS]
    position = pa.array(np.arange(items.num_rows, dtype=np.int64))
    return pa.table([*columns, position], names=[*ITEM_INPUT_COLUMNS, "bl_rn"])


def _stage_items(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE bl_items AS
        SELECT bl_rn, item_id,
            trim(coalesce(tin, '')) <> '' AS tin_given,
            regexp_replace(coalesce(tin, ''), '[^0-9]', '', 'g') AS tin_digits,
            regexp_matches(
                concat_ws(' ', street, unit, city, state, zip), '{ZIP_SHAPED}'
            ) AS zip_shaped,
            bl_name_control(surname) AS name_control,
            bl_name_key(surname) AS surname_key,
            bl_name_key(bl_first_word(given_name)) AS given_key,
            bl_street_key(street) AS street_key,
            regexp_extract(trim(coalesce(zip, '')), '^([0-9]{{5}})(-?[0-9]{{4}})?$', 1) AS zip5
        FROM bl_input"""
    )


def _tin_script(con: duckdb.DuckDBPyConnection) -> None:
    """Readings 1-3: TIN plus name control; the address only has to look like it holds a ZIP."""
    con.execute(
        """CREATE OR REPLACE TEMP TABLE bl_tin_hits AS
        SELECT i.bl_rn, min(t.tin) AS tin, count(DISTINCT t.tin) AS candidates
        FROM bl_items i
        JOIN taxpayers t ON t.tin = i.tin_digits
        WHERE i.tin_given AND i.name_control <> ''
            AND bl_name_control(t.surname) = i.name_control
        GROUP BY i.bl_rn"""
    )


def _address_script(con: duckdb.DuckDBPyConnection) -> None:
    """Readings 4-5: exact name, a street and ZIP on file, first match wins."""
    # Name and ZIP are joined at once: on the name alone each item would pair with every
    # namesake in the country. The street key comes last, on the few candidates left, because
    # computing it for every address of every common name costs more than all the joins.
    con.execute(
        """CREATE OR REPLACE TEMP TABLE bl_zip_hits AS
        WITH wanted AS (
            SELECT DISTINCT surname_key, given_key, zip5 FROM bl_items
            WHERE NOT tin_given AND zip5 <> '' AND street_key <> ''
                AND surname_key <> '' AND given_key <> ''
        ),
        -- Names repeat: normalise each distinct spelling once, not each of millions of rows.
        surnames AS (
            SELECT surname, bl_name_key(surname) AS surname_key
            FROM (SELECT DISTINCT surname FROM taxpayers)
            WHERE surname_key IN (SELECT surname_key FROM wanted)
        ),
        given_names AS (
            SELECT given_name, bl_name_key(bl_first_word(given_name)) AS given_key
            FROM (SELECT DISTINCT given_name FROM taxpayers)
            WHERE given_key IN (SELECT given_key FROM wanted)
        ),
        on_file AS (
            SELECT t.tin, s.surname_key, g.given_key, left(trim(a.zip), 5) AS zip5, a.street
            FROM taxpayers t
            JOIN surnames s ON s.surname = t.surname
            JOIN given_names g ON g.given_name = t.given_name
            JOIN addresses a ON a.tin = t.tin
        )
        SELECT i.bl_rn, i.street_key, f.tin, f.street
        FROM bl_items i
        JOIN on_file f USING (surname_key, given_key, zip5)
        WHERE NOT i.tin_given AND i.zip5 <> '' AND i.street_key <> ''"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE bl_address_hits AS
        SELECT bl_rn, min(tin) AS tin, count(DISTINCT tin) AS candidates
        FROM bl_zip_hits
        WHERE bl_street_key(street) = street_key
        GROUP BY bl_rn"""
    )


def _last_known(con: duckdb.DuckDBPyConnection) -> None:
    """Reading 6: the address with the greatest last_year for every matched taxpayer."""
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE bl_last_known AS
        WITH matched AS (
            SELECT tin FROM bl_tin_hits UNION SELECT tin FROM bl_address_hits
        )
        SELECT a.tin, a.street, a.unit, a.city, a.state, a.zip
        FROM addresses a SEMI JOIN matched m USING (tin)
        QUALIFY row_number() OVER (PARTITION BY a.tin ORDER BY {last_known_order("a")}) = 1"""
    )


def _decisions(con: duckdb.DuckDBPyConnection) -> pa.Table:
    released = "CASE WHEN released THEN coalesce(known_{0}, '') ELSE '' END AS {0}"
    fields = ",\n            ".join(released.format(name) for name in ADDRESS_FIELDS)
    known = ", ".join(f"l.{name} AS known_{name}" for name in ADDRESS_FIELDS)
    return con.sql(
        f"""WITH hits AS (
            SELECT i.bl_rn, i.item_id,
                CASE WHEN i.tin_given THEN 'tin' ELSE 'address' END AS script,
                coalesce(t.tin, a.tin) AS tin,
                coalesce(t.candidates, a.candidates, 0) AS candidates,
                coalesce(t.tin, a.tin) IS NOT NULL
                    AND (NOT i.tin_given OR i.zip_shaped) AS passed
            FROM bl_items i
            LEFT JOIN bl_tin_hits t ON t.bl_rn = i.bl_rn AND i.tin_given
            LEFT JOIN bl_address_hits a ON a.bl_rn = i.bl_rn AND NOT i.tin_given
        ),
        judged AS (
            SELECT h.*, h.passed AND l.tin IS NOT NULL AS released, {known}
            FROM hits h LEFT JOIN bl_last_known l ON l.tin = h.tin
        )
        SELECT item_id,
            CASE WHEN released THEN '{RELEASE}' ELSE '{WITHHOLD}' END AS outcome,
            coalesce(tin, '') AS tin,
            script,
            {fields},
            CAST(candidates AS INTEGER) AS candidates
        FROM judged
        ORDER BY bl_rn"""
    ).to_arrow_table()


def run_baseline(world: Path, items: pa.Table) -> pa.Table:
    """Decide ``items`` against ``world`` the way the 2025 process did.

    Returns one row per item, in input order: ``item_id``, ``outcome`` (``release`` or
    ``withhold``), ``tin`` (the taxpayer the script matched, empty if none; filled even when
    the ZIP filter then withheld the item), ``script`` (``tin`` or ``address``), the released
    last known address (``street``, ``unit``, ``city``, ``state``, ``zip``; empty unless
    released) and ``candidates`` (how many taxpayers the script matched; above 1 the first was
    taken regardless).

    Example: ``run_baseline(Path("world"), load_items(Path("items.csv"), max_mb=2048))``.
    """
    staged = _prepare_items(items)
    con = connect()
    try:
        open_world(con, world)
        for macro in _MACROS:
            con.execute(macro)
        con.register("bl_input", staged)
        _stage_items(con)
        _tin_script(con)
        _address_script(con)
        _last_known(con)
        return _decisions(con)
    finally:
        con.close()
