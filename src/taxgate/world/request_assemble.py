"""Turning the named people into request items: address forms, name and date-of-birth
perturbations, removal-order data, reasons, officers, then the truth of each item.

One SQL pass over the segments; every random choice is ``rnd(idx, salt)`` so the result
depends only on the world, the parameters and the seed.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from taxgate import reasons
from taxgate.world.request_data import (
    CRIMINAL_REASON_TEMPLATES,
    DETENTION_FACILITIES,
    ICE_BOILERPLATE_REASON,
    OFFICER_GIVEN,
    OFFICER_SURNAMES,
    OFFICER_TITLES,
    PLACEHOLDER_ADDRESSES,
    REMOVAL_REASON_TEMPLATES,
)
from taxgate.world.request_params import CONFUSERS, UNUSABLE_FORMS, RequestParams
from taxgate.world.request_people import HOUSE_NUMBER, received_sql, sql_list, sql_text

SEGMENTS: tuple[str, ...] = ("seg_real", "seg_syn", "seg_in", "seg_absent")

# A primary defect is the first of these an item has; everything else it has is a variant.
PRIMARY_DEFECTS: tuple[str, ...] = (
    *CONFUSERS,
    "not-in-world",
    *UNUSABLE_FORMS,
    "removal-order-missing",
    "removal-order-recent",
    "no-period",
    "no-reason",
)
VARIANTS: tuple[str, ...] = (
    "moved-old-address",
    "moved-unknown-address",
    "tin-supplied",
    "nickname",
    "typo",
    "one-surname",
    "transposed-dob",
    "transposed-dob-digits",
    "no-dob",
    "zip-plus-4",
)


def _nullable_list(values: list[str | None]) -> str:
    return "([" + ", ".join("NULL" if v is None else sql_text(v) for v in values) + "]::VARCHAR[])"


def register_nicknames(con: duckdb.DuckDBPyConnection, table: dict[str, tuple[str, ...]]) -> None:
    formal = sorted(table)
    con.register(
        "nick_src",
        pa.table({"formal": formal, "nicks": [list(table[f]) for f in formal]}),
    )
    # Keys are folded (no accents, lower case) so "Jose" finds "José"'s nicknames.
    con.execute("""
        CREATE OR REPLACE TEMP TABLE nick AS
        SELECT strip_accents(lower(formal)) AS formal, first(nicks ORDER BY formal) AS nicks
        FROM nick_src GROUP BY 1""")
    con.unregister("nick_src")
    con.execute("""
        CREATE OR REPLACE MACRO typo(s, p) AS CASE
            WHEN substr(s, p, 1) <> substr(s, p + 1, 1)
            THEN substr(s, 1, p - 1) || substr(s, p + 1, 1) || substr(s, p, 1) || substr(s, p + 2)
            ELSE substr(s, 1, p - 1) || substr(s, p + 1) END""")


def _address_sql(p: RequestParams) -> str:
    weights = [w / sum(p.unusable_weights) for w in p.unusable_weights]
    cuts = [sum(weights[: i + 1]) for i in range(len(weights))]
    s_un, s_old, s_unk = p.unusable_address_share, p.moved_old_share, p.moved_unknown_share
    ph = PLACEHOLDER_ADDRESSES
    fac = DETENTION_FACILITIES
    i_ph = f"(1 + rint(idx, 'ph') % {len(ph)})"
    i_fac = f"(1 + rint(idx, 'fac') % {len(fac)})"
    zip4 = "lpad(CAST(rint(idx, 'zip4') % 10000 AS VARCHAR), 4, '0')"
    return f"""
    formed AS (
        SELECT *, CASE
            WHEN NOT addr_free THEN 'base'
            WHEN ua < {s_un} THEN CASE
                WHEN uf < {cuts[0]} THEN 'placeholder-address'
                WHEN uf < {cuts[1]} AND zip <> '' THEN 'zip-only'
                WHEN uf < {cuts[1]} THEN 'placeholder-address'
                WHEN uf < {cuts[2]} THEN 'facility-address'
                WHEN uf < {cuts[3]} AND regexp_matches(street, '^\\s*\\d+[A-Za-z]?\\s+\\S')
                    THEN 'no-street-number'
                WHEN uf < {cuts[3]} THEN 'placeholder-address'
                ELSE 'po-box' END
            WHEN ua < {s_un + s_old} AND old_street IS NOT NULL THEN 'old'
            WHEN ua >= {s_un + s_old} AND ua < {s_un + s_old + s_unk}
                AND new_street IS NOT NULL THEN 'unknown'
            ELSE 'base' END AS form,
            rnd(idx, 'zip4') < {p.zip_plus_4_share} AS zip4
        FROM drawn
    ),
    addressed AS (
        SELECT *,
            CASE form WHEN 'base' THEN street WHEN 'old' THEN old_street
                WHEN 'unknown' THEN new_street
                WHEN 'placeholder-address' THEN {sql_list([r[0] for r in ph])}[{i_ph}]
                WHEN 'facility-address' THEN {sql_list([r[0] for r in fac])}[{i_fac}]
                WHEN 'no-street-number' THEN regexp_replace(street, {HOUSE_NUMBER}, '')
                WHEN 'po-box' THEN 'PO Box ' || CAST(100 + rint(idx, 'box') % 9900 AS VARCHAR)
                ELSE '' END AS o_street,
            CASE form WHEN 'base' THEN unit WHEN 'old' THEN old_unit WHEN 'unknown' THEN new_unit
                WHEN 'no-street-number' THEN unit ELSE '' END AS o_unit,
            CASE form WHEN 'old' THEN old_city WHEN 'unknown' THEN new_city
                WHEN 'placeholder-address'
                    THEN coalesce({_nullable_list([r[1] for r in ph])}[{i_ph}], city)
                WHEN 'facility-address' THEN {sql_list([r[1] for r in fac])}[{i_fac}]
                WHEN 'zip-only' THEN '' ELSE city END AS o_city,
            CASE form WHEN 'old' THEN old_state WHEN 'unknown' THEN new_state
                WHEN 'placeholder-address'
                    THEN coalesce({_nullable_list([r[2] for r in ph])}[{i_ph}], state)
                WHEN 'facility-address' THEN {sql_list([r[2] for r in fac])}[{i_fac}]
                WHEN 'zip-only' THEN '' ELSE state END AS o_state,
            CASE form WHEN 'old' THEN old_zip WHEN 'unknown' THEN new_zip
                WHEN 'placeholder-address'
                    THEN coalesce({_nullable_list([r[3] for r in ph])}[{i_ph}], zip)
                WHEN 'facility-address' THEN {sql_list([r[3] for r in fac])}[{i_fac}]
                WHEN 'zip-only' THEN CASE WHEN zip4 THEN zip || '-' || {zip4} ELSE zip END
                ELSE zip END AS o_zip
        FROM formed
    )"""


def _name_sql(p: RequestParams) -> str:
    s_nick, s_typo = p.nickname_share, p.typo_share
    y2 = "((year(dob) // 100) * 100 + (year(dob) % 10) * 10 + (year(dob) // 10) % 10)"
    return f"""
    named AS (
        SELECT a.*,
            name_free AND regexp_matches(surname, '\\S[ -]\\S')
                AND rnd(idx, 'one') < {p.one_surname_share} AS t_one,
            name_free AND nk.nicks IS NOT NULL AND un < {s_nick} AS t_nick,
            name_free AND un >= {s_nick} AND un < {s_nick + s_typo}
                AND (length(given) >= 4 OR length(surname) >= 4) AS t_typo_any,
            length(surname) >= 4 AND (rnd(idx, 'tt') < 0.5 OR length(given) < 4) AS typo_surname,
            nk.nicks[1 + rint(idx, 'nk') % len(nk.nicks)] AS nick,
            und < {p.no_dob_share} AS dob_drop,
            dob IS NOT NULL AND day(dob) <= 12 AND day(dob) <> month(dob) AS swap_ok,
            dob IS NOT NULL AND year(dob) % 10 <> (year(dob) // 10) % 10
                AND {y2} < year({received_sql(p.received)})
                AND try(make_date({y2}, month(dob), day(dob))) IS NOT NULL AS digits_ok,
            try(make_date({y2}, month(dob), day(dob))) AS dob_digits
        FROM addressed a LEFT JOIN nick nk ON nk.formal = strip_accents(lower(a.given))
    ),
    renamed AS (
        SELECT *,
            t_typo_any AND NOT t_one AS t_typo,
            name_free AND NOT dob_drop AND ud < {p.transposed_dob_share} AS t_dob
        FROM named
    ),
    perturbed AS (
        SELECT *,
            CASE WHEN t_nick THEN CASE WHEN given = upper(given) THEN upper(nick) ELSE nick END
                 WHEN t_typo AND NOT typo_surname
                    THEN typo(given, 2 + CAST(rint(idx, 'tp') % (length(given) - 2) AS INTEGER))
                 ELSE given END AS o_given,
            CASE WHEN t_one THEN split_part(regexp_replace(trim(surname), '-', ' '), ' ', 1)
                 WHEN t_typo AND typo_surname
                    THEN typo(surname, 2 + CAST(rint(idx, 'tp') % (length(surname) - 2) AS INTEGER))
                 ELSE surname END AS o_surname,
            CASE WHEN dob_drop THEN NULL
                 WHEN t_dob AND swap_ok THEN make_date(year(dob), day(dob), month(dob))
                 WHEN t_dob AND digits_ok THEN dob_digits
                 ELSE dob END AS o_dob,
            CASE WHEN tin_on_file IS NOT NULL AND ut < {p.tin_share} THEN tin_on_file END AS o_tin
        FROM renamed
    )"""


def _statute_sql(p: RequestParams) -> str:
    today = received_sql(p.received)
    if not p.removal_orders:
        return """
    stated AS (
        SELECT *, NULL::VARCHAR AS rm, NULL::DATE AS o_rm_date, NULL::VARCHAR AS o_rm_case
        FROM perturbed
    )"""
    s_miss, s_recent = p.removal_missing_share, p.removal_recent_share
    case_no = "'RO-' || lpad(CAST(rint(idx, 'case') % 100000000 AS VARCHAR), 8, '0')"
    return f"""
    removal AS (
        SELECT *, CASE WHEN ur < {s_miss} THEN 'missing'
                       WHEN ur < {s_miss + s_recent} THEN 'recent' ELSE 'ok' END AS rm,
            rint(idx, 'rmw') % 3 AS rm_what
        FROM perturbed
    ),
    stated AS (
        SELECT *,
            CASE WHEN rm = 'recent' THEN {today} - CAST(1 + rint(idx, 'rmd') % 89 AS INTEGER)
                 WHEN rm = 'missing' AND rm_what IN (0, 2) THEN NULL
                 ELSE {today} - CAST(91 + rint(idx, 'rmd') % 4300 AS INTEGER) END AS o_rm_date,
            CASE WHEN rm = 'missing' AND rm_what IN (1, 2) THEN NULL ELSE {case_no} END
                AS o_rm_case
        FROM removal
    )"""


def _batch_sql(p: RequestParams, prefix: str, width: int, seed: int) -> str:
    year = p.received.year
    inv = (
        sql_text(p.batch_investigation)
        if p.one_investigation
        else f"'{p.investigation_prefix}-{year}-' || lpad(CAST(rn AS VARCHAR), 7, '0')"
    )
    o = f"((rn - 1) // {int(p.items_per_officer)})"
    officer = (
        sql_text(p.batch_officer)
        if p.one_officer
        else (
            f"{sql_list(OFFICER_TITLES)}[1 + {o} % {len(OFFICER_TITLES)}] || ' ' || "
            f"{sql_list(OFFICER_GIVEN)}[1 + {o} % {len(OFFICER_GIVEN)}] || ' ' || "
            f"{sql_list(OFFICER_SURNAMES)}[1 + ({o} // {len(OFFICER_GIVEN)}) "
            f"% {len(OFFICER_SURNAMES)}] || ' #' || lpad(CAST(1000 + {o} AS VARCHAR), 6, '0')"
        )
    )
    templates = {"criminal": CRIMINAL_REASON_TEMPLATES, "removal": REMOVAL_REASON_TEMPLATES}
    if p.reason_style == "boilerplate":
        reason = sql_text(p.batch_reason or ICE_BOILERPLATE_REASON)
    else:
        chosen = templates[p.reason_style]
        template = f"{sql_list(chosen)}[1 + rint(idx, 'rt') % {len(chosen)}]"
        reason = (
            f"replace(replace({template}, '{{inv}}', investigation_id), "
            f"'{{case}}', coalesce(o_rm_case, 'unknown'))"
        )
    return f"""
    shuffled AS (
        SELECT *, row_number() OVER (ORDER BY hash(idx, {int(seed)}::BIGINT), idx) AS rn
        FROM stated
    ),
    batched AS (
        SELECT *, '{prefix}-' || lpad(CAST(rn AS VARCHAR), {width}, '0') AS item_id,
            {inv} AS investigation_id, {officer} AS officer,
            CASE WHEN up < {p.no_period_share} THEN NULL
                 ELSE {sql_text(p.taxable_periods)} END AS o_periods
        FROM shuffled
    ),
    reasoned AS (
        SELECT *, CASE WHEN urs < {p.no_reason_share} THEN NULL ELSE {reason} END AS o_reason
        FROM batched
    )"""


def _truth_sql() -> str:
    unusable = ", ".join(sql_text(f) for f in UNUSABLE_FORMS)
    primary = ", ".join(
        (
            "identity",
            f"CASE WHEN form IN ({unusable}) THEN form END",
            "CASE WHEN rm = 'missing' THEN 'removal-order-missing' END",
            "CASE WHEN rm = 'recent' THEN 'removal-order-recent' END",
            "CASE WHEN o_periods IS NULL THEN 'no-period' END",
            "CASE WHEN o_reason IS NULL THEN 'no-reason' END",
        )
    )
    variants = ", ".join(
        (
            "CASE WHEN form = 'old' THEN 'moved-old-address' END",
            "CASE WHEN form = 'unknown' THEN 'moved-unknown-address' END",
            "CASE WHEN o_tin IS NOT NULL THEN 'tin-supplied' END",
            "CASE WHEN t_nick THEN 'nickname' END",
            "CASE WHEN t_typo THEN 'typo' END",
            "CASE WHEN t_one THEN 'one-surname' END",
            "CASE WHEN t_dob AND swap_ok THEN 'transposed-dob' END",
            "CASE WHEN t_dob AND NOT swap_ok AND digits_ok THEN 'transposed-dob-digits' END",
            "CASE WHEN o_dob IS NULL THEN 'no-dob' END",
            "CASE WHEN form = 'zip-only' AND zip4 THEN 'zip-plus-4' END",
        )
    )
    expected = ", ".join(
        (
            f"CASE WHEN form IN ({unusable}) THEN '{reasons.NO_ADDRESS}' END",
            f"CASE WHEN rm IN ('missing', 'recent') THEN '{reasons.STATUTE}' END",
            f"CASE WHEN o_periods IS NULL THEN '{reasons.NO_PERIOD}' END",
            f"CASE WHEN o_reason IS NULL THEN '{reasons.NO_REASON}' END",
        )
    )
    not_null = "lambda x: x IS NOT NULL"
    return f"""
    tagged AS (
        SELECT *, list_filter([{primary}], {not_null}) AS primary_tags,
            list_filter([{variants}], {not_null}) AS variant_tags,
            list_filter([{expected}], {not_null}) AS expected_codes
        FROM reasoned
    )"""


def assemble(
    con: duckdb.DuckDBPyConnection, p: RequestParams, *, seed: int, prefix: str, size: int
) -> None:
    """Create ``request_items``: one row per item, item columns then truth columns, by rn."""
    present = {row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    union = " UNION ALL BY NAME ".join(f"SELECT * FROM {t}" for t in SEGMENTS if t in present)
    width = max(6, len(str(size)))
    draws = ", ".join(
        f"rnd(idx, '{salt}') AS {name}"
        for name, salt in (
            ("ua", "addr"),
            ("uf", "form"),
            ("un", "name"),
            ("ud", "dob"),
            ("und", "nodob"),
            ("ut", "tin"),
            ("ur", "rem"),
            ("up", "period"),
            ("urs", "reason"),
        )
    )
    blank = "NULLIF({}, '')"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE request_items AS
        WITH base AS (
            SELECT row_number() OVER (ORDER BY seg, k) - 1 AS idx, * FROM ({union}) AS u
        ),
        drawn AS (SELECT *, {draws} FROM base),
        {_address_sql(p)},
        {_name_sql(p)},
        {_statute_sql(p)},
        {_batch_sql(p, prefix, width, seed)},
        {_truth_sql()}
        SELECT rn, item_id,
            {blank.format("o_given")} AS given_name, {blank.format("middle")} AS middle_name,
            {blank.format("o_surname")} AS surname, strftime(o_dob, '%Y-%m-%d') AS date_of_birth,
            o_tin AS tin, {blank.format("o_street")} AS street, {blank.format("o_unit")} AS unit,
            {blank.format("o_city")} AS city, {blank.format("o_state")} AS state,
            {blank.format("o_zip")} AS zip, o_periods AS taxable_periods, investigation_id,
            o_reason AS reason, officer, strftime(o_rm_date, '%Y-%m-%d') AS removal_order_date,
            o_rm_case AS removal_order_case,
            true_tin, coalesce(primary_tags[1], 'clean') AS defect,
            array_to_string(list_sort(primary_tags[2:] || variant_tags), ';') AS variants,
            array_to_string(list_sort(list_distinct(expected_codes)), ';') AS expected_intake,
            confuser_tin
        FROM tagged""")
