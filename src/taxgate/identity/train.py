"""Training on the world itself, saved beside the world (``saved.py``), reloaded without
retraining.

A master file has no duplicates, so EM needs pairs that contain matches. We draw a sample of
the world and an "echo" of part of that sample: the same taxpayers as a requester might
write them (a nickname or initial, a typo, one of two surnames, a dropped suffix, a missing
or transposed DOB, a missing TIN, any address from the history or a new one). Then:

- u by random sampling of record pairs (``u_max_pairs``), which are almost all non-matches;
- m by EM over the sample linked to the echo, blocked first on DOB (which trains the name
  and address levels) then on name (which trains DOB, TIN, suffix). EM does not see which
  pairs are true; the perturbation rates only seed the data it learns from.

The prior is set from the world size and ``expected_match_share``, not from the sample.
Perturbations are hash-based, so training is deterministic for a given world and seed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import duckdb
from splink import Linker, block_on

from taxgate.duck import connect
from taxgate.errors import InputError
from taxgate.identity.columns import splink_input_sql
from taxgate.identity.engine import Backend, Engine, check_engine
from taxgate.identity.model import for_engine
from taxgate.identity.model import settings as model_settings
from taxgate.identity.prepare import prepare_world_sample
from taxgate.identity.saved import save_model
from taxgate.settings import IdentitySettings, load_settings
from taxgate.world.io import open_world

# Smallest m any non-null comparison level may have (see floor_m_probabilities).
M_FLOOR = 0.001

Progress = Callable[[str], None]


def _chance(seed: int, key: str) -> str:
    """A deterministic uniform [0, 1) draw per record and purpose."""
    return f"((hash(uid || '{key}{seed}') % 100000) / 100000.0)"


def _build_echo(con: duckdb.DuckDBPyConnection, echo: int, seed: int) -> None:
    """``tg_echo`` from ``echo`` taxpayers of the training sample ``tg_train_world``."""

    def r(key: str) -> str:
        return _chance(seed, key)

    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE tg_nick_alt AS
            SELECT a.name, min_by(b.name, hash(a.name || b.name || '{seed}')) AS alt
            FROM tg_nickname_pairs a JOIN tg_nickname_pairs b
              ON a.grp = b.grp AND a.name <> b.name
            GROUP BY a.name"""
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE tg_echo_people AS
        WITH chosen AS (
            SELECT * FROM tg_train_world ORDER BY hash(uid || 'echo{seed}') LIMIT {echo}
        ), names AS (
            SELECT c.*,
                CASE
                    WHEN {r("gn")} < 0.12 AND n.alt IS NOT NULL THEN n.alt
                    WHEN {r("gn")} < 0.16 AND len(given) > 3 THEN given[1:1] || given[3:]
                    WHEN {r("gn")} < 0.19 THEN left(given, 1)
                    WHEN {r("gn")} < 0.20 THEN reverse(given) || 'Q'
                    -- Spelt by ear: every vowel after the first letter one vowel (KATHRYN
                    -- for CATHERINE sounds the same; trains the "sounds alike" level).
                    WHEN {r("gn")} < 0.23 AND len(given) > 4
                        THEN given[1:1] || regexp_replace(given[2:], '[AEIOUY]', 'A', 'g')
                    ELSE given END AS e_given,
                CASE
                    WHEN {r("sn")} < 0.04 AND len(surname) > 3 THEN surname[1:1] || surname[3:]
                    WHEN {r("sn")} < 0.08 AND len(surname_tokens) > 1 THEN surname_tokens[1]
                    WHEN {r("sn")} < 0.09 THEN reverse(surname) || 'Q'
                    WHEN {r("sn")} < 0.11 AND len(surname) > 4
                        THEN surname[1:1] || regexp_replace(surname[2:], '[AEIOUY]', 'E', 'g')
                    ELSE surname END AS e_surname
            FROM chosen c LEFT JOIN tg_nick_alt n ON n.name = c.given
        ), swapped AS (
            -- Given name and surname written in each other's field.
            SELECT * REPLACE (
                CASE WHEN {r("sw")} < 0.02 THEN e_surname ELSE e_given END AS e_given,
                CASE WHEN {r("sw")} < 0.02 THEN e_given ELSE e_surname END AS e_surname)
            FROM names
        )
        SELECT 'echo:' || uid AS uid,
            e_given AS given, tg_sound(e_given) AS given_sound, e_given AS given_whole,
            CASE WHEN {r("md")} < 0.40 THEN NULL
                 WHEN {r("md")} < 0.60 THEN left(middle, 1)
                 WHEN {r("md")} < 0.62 THEN 'Q'
                 ELSE middle END AS middle,
            e_surname AS surname,
            replace(e_surname, ' ', '') AS surname_key,
            list_filter(string_split(e_surname, ' '), lambda w: len(w) > 1) AS surname_tokens,
            tg_sound(replace(e_surname, ' ', '')) AS surname_sound,
            CASE WHEN {r("sx")} < 0.50 THEN NULL
                 WHEN {r("sx")} < 0.51 AND suffix = 'JR' THEN 'SR'
                 WHEN {r("sx")} < 0.51 AND suffix = 'SR' THEN 'JR'
                 ELSE suffix END AS suffix,
            CASE WHEN {r("db")} < 0.06 THEN NULL
                 WHEN {r("db")} < 0.09 THEN dob[1:8] || dob[10:10] || dob[9:9]
                 WHEN {r("db")} < 0.11 THEN dob[1:5] || dob[9:10] || '-' || dob[6:7]
                 WHEN {r("db")} < 0.12 THEN dob[1:8] || '28'
                 WHEN {r("db")} < 0.13 THEN (try_cast(left(dob, 4) AS INTEGER) + 1)::VARCHAR
                                            || dob[5:]
                 WHEN {r("db")} < 0.15 THEN dob[1:2] || dob[4:4] || dob[3:3] || dob[5:]
                 ELSE dob END AS dob,
            CASE WHEN {r("tn")} < 0.60 THEN NULL
                 WHEN {r("tn")} < 0.62 AND len(tin) > 1
                     THEN left(tin, -1) || ((right(tin, 1)::INTEGER + 1) % 10)::VARCHAR
                 WHEN {r("tn")} < 0.63 THEN reverse(tin) || '0'
                 ELSE tin END AS tin
        FROM swapped"""
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE tg_echo_address AS
        WITH pick AS (
            SELECT 'echo:' || h.uid AS uid, h.house, h.street, h.unit, h.city, h.zip,
                   row_number() OVER (PARTITION BY h.uid
                                      ORDER BY hash(h.uid || coalesce(h.street, '') || '{seed}'))
                       AS k
            FROM tg_history h JOIN tg_echo_people e ON e.uid = 'echo:' || h.uid
        )
        -- Keystrokes as requesters make them (issue 17): house number or ZIP digits
        -- transposed, street words run together.
        SELECT uid, CASE WHEN swap_house THEN swapped_house ELSE house END AS house,
            CASE WHEN {r("ad")} < 0.08 THEN house || ' NEWHOME RD'
                 WHEN {r("ad")} < 0.12 THEN house || ' OTHERSIDE AVE'
                 WHEN {r("ad")} < 0.15 AND len(street) > 6 THEN street[1:4] || street[6:]
                 WHEN swap_house THEN swapped_house || street[len(house) + 1:]
                 WHEN {r("ad")} < 0.19 AND regexp_matches(street, ' [A-Z]+ [A-Z]+$')
                     THEN regexp_replace(street, ' [A-Z]+$', '')
                          || tg_street_long(regexp_extract(street, ' ([A-Z]+)$', 1))
                 ELSE street END AS street,
            CASE WHEN {r("un")} < 0.15 THEN NULL
                 WHEN {r("un")} < 0.17 AND unit IS NOT NULL THEN unit || 'X'
                 ELSE unit END AS unit,
            city,
            CASE WHEN {r("ad")} < 0.08 THEN '99999'
                 WHEN {r("ad")} >= 0.19 AND {r("ad")} < 0.21 AND len(zip) = 5
                     THEN zip[1:3] || zip[5:5] || zip[4:4]
                 ELSE zip END AS zip,
            0 AS recency
        FROM (SELECT *, {r("ad")} >= 0.15 AND {r("ad")} < 0.17 AND len(house) > 1
                        AND house[1:1] <> house[2:2] AND starts_with(street, house)
                        AS swap_house,
                     house[2:2] || house[1:1] || house[3:] AS swapped_house
              FROM pick WHERE k = 1)"""
    )
    con.execute(
        "CREATE OR REPLACE TABLE tg_echo AS "
        + splink_input_sql(
            "tg_echo_people",
            # The echo's streets are retyped: their keys come from what was typed.
            "(SELECT *, tg_street_key(street, house) AS key FROM tg_echo_address)",
        )
    )


def floor_m_probabilities(model: dict[str, Any], floor: float) -> dict[str, Any]:
    """Give every non-null level at least ``floor`` of m, renormalised per comparison.

    EM learns m from data; a level it never saw among matches (a TIN typo, JR vs SR in the
    echo) would get m = 0 and an infinitely negative weight, so one disagreeing field could
    veto any amount of agreeing evidence. A floor keeps every disagreement finite.
    """
    for comparison in model["comparisons"]:
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        fixed = sum(float(lv["m_probability"]) for lv in levels if lv.get("fix_m_probability"))
        free = [lv for lv in levels if not lv.get("fix_m_probability")]
        raised = [max(float(lv.get("m_probability") or 0.0), floor) for lv in free]
        total = sum(raised) / (1.0 - fixed)
        for level, m in zip(free, raised, strict=True):
            level["m_probability"] = m / total
    return model


def floor_u_probabilities(model: dict[str, Any], floor: float) -> dict[str, Any]:
    """Give every non-null level that random sampling never met a u of ``floor``.

    A level no random pair reached (a split given name, a house number one keystroke off)
    is left untrained by Splink and weighs nothing, so the evidence it names would count for
    neither side. None of ``u_max_pairs`` random pairs reached it: its u is below about one
    in that many."""
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            if not level.get("is_null_level") and not level.get("u_probability"):
                level["u_probability"] = floor
    return model


def register_term_frequencies(linker: Linker, backend: Backend) -> None:
    """Term frequencies always come from the whole world, never from a sample or a request."""
    for column in ("given", "surname_key"):
        lookup = backend.register(f"tg_tf_{column}", f"tg_tf_lookup_{column}")
        linker.table_management.register_term_frequency_lookup(lookup, column)


# Each EM pass trains every comparison but the ones it blocks on: the first trains names and
# address on pairs that share a date of birth (or, in a world that records none, a TIN); the
# second trains DOB, TIN and suffix on pairs that share a name. A pass with fewer pairs than
# this is skipped, and its comparisons keep what the other pass learnt.
EM_PASSES: Final = ((("dob",), ("tin",)), (("given", "surname_key"),))
MIN_EM_PAIRS: Final = 10


def _training_pairs(con: duckdb.DuckDBPyConnection, columns: tuple[str, ...]) -> int:
    on = " AND ".join(f"w.{column} = e.{column}" for column in columns)
    query = f"SELECT count(*) FROM tg_train_world w JOIN tg_echo e ON {on}"
    return int(con.execute(query).fetchall()[0][0])


def _estimate_m(con: duckdb.DuckDBPyConnection, linker: Linker, world: Path, say: Progress) -> None:
    trained = 0
    for alternatives in EM_PASSES:
        counts = {columns: _training_pairs(con, columns) for columns in alternatives}
        usable = [columns for columns in alternatives if counts[columns] >= MIN_EM_PAIRS]
        if not usable:
            say(f"skipping EM blocked on {' or '.join(map('+'.join, alternatives))}: too few pairs")
            continue
        columns = usable[0]
        say(f"estimating m by EM (blocked on {'+'.join(columns)}, {counts[columns]:,} pairs)")
        linker.training.estimate_parameters_using_expectation_maximisation(
            block_on(*columns), record_sample_proportion=1.0
        )
        trained += 1
    if not trained:
        raise InputError(
            world,
            "too few taxpayers share a date of birth, TIN or name with their own echo to train "
            "the identity model",
            hint="generate a larger world",
        )


def train_model(
    world: Path,
    *,
    identity: IdentitySettings | None = None,
    progress: Progress | None = None,
    engine: str = "duckdb",
) -> Path:
    """Train on ``world`` and write ``identity-model.json`` beside it; returns that path."""
    chosen = identity or load_settings().identity
    say = progress or (lambda _message: None)
    chosen_engine: Engine = check_engine(engine)
    con = connect()
    con.execute("SET enable_progress_bar = false")
    try:
        open_world(con, world)
        say("preparing the world")
        total = prepare_world_sample(con, chosen.train_sample, chosen.seed)
        if total < 10:
            raise InputError(
                world,
                f"only {total} taxpayers; training needs at least 10",
                hint="generate a larger world",
            )
        sample = min(total, chosen.train_sample)
        echo = max(1, min(sample // 2, chosen.echo_size))
        con.execute("ALTER TABLE tg_world RENAME TO tg_train_world")
        _build_echo(con, echo, chosen.seed)
        backend = Backend(con, chosen_engine)
        left = backend.register("tg_train_world", "world")
        right = backend.register("tg_echo", "items")
        linker = Linker(
            [left, right],
            model_settings(1.0 / sample, chosen_engine, chosen),
            log_level=logging.ERROR,
        )
        register_term_frequencies(linker, backend)
        say("estimating u by random sampling")
        linker.training.estimate_u_using_random_sampling(
            max_pairs=chosen.u_max_pairs, seed=chosen.seed
        )
        _estimate_m(con, linker, world, say)
        # The saved model is always spelt for DuckDB; for_engine re-spells it on loading.
        trained = floor_u_probabilities(
            floor_m_probabilities(linker.misc.save_model_to_json(), M_FLOOR),
            1.0 / chosen.u_max_pairs,
        )
        model = for_engine(trained, "duckdb", chosen)
        model["probability_two_random_records_match"] = min(
            0.5, chosen.expected_match_share / total
        )
        target = save_model(world, model)
        say(f"model written to {target}")
        return target
    finally:
        con.close()
