"""Resolve request items to taxpayers, and refuse to guess.

Per item (contracts.md §4):
- ``matched``: the best candidate is above the release threshold; its evidence without the
  TIN is itself plausible (a TIN alone never identifies, it may be a typo or borrowed); and
  the best rival is both implausible and far behind (a margin in match weight).
- ``match.none``: no candidate is even plausible.
- ``match.ambiguous``: anything else (a person decides), including an item whose TIN is
  another taxpayer's than the one its other evidence points to: the request names two people,
  one by TIN and one by everything else (a borrowed number, a typo, two records merged).
Separately, for matched items, ``match.address`` when the supplied address agrees with no
address on file for that taxpayer, up to typos (``address.py``: one keystroke in the house
number or the ZIP, a street spelt differently; never a different house, street, ZIP area or
unit).

The result is an Arrow table, schema ``RESULT_SCHEMA``.
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import duckdb
import pyarrow as pa
from splink import Linker

from taxgate import reasons
from taxgate.duck import connect
from taxgate.identity.address import AddressParts, agrees_up_to_typos
from taxgate.identity.engine import DUCKDB_DIALECT, Backend, check_engine
from taxgate.identity.model import (
    ANOTHER_NAME_SAME_INITIAL,
    CONTRADICTING_LEVELS,
    IDENTIFYING_LEVELS,
    SOUNDS_ALIKE,
    WRITTEN_AS_SURNAME,
    WRITTEN_AS_TWO_WORDS,
    address_rules,
    for_engine,
)
from taxgate.identity.prepare import prepare_items, prepare_world_for_items
from taxgate.identity.saved import load_model
from taxgate.identity.train import register_term_frequencies
from taxgate.settings import IdentitySettings, load_settings
from taxgate.world.io import open_world

MATCHED: Final = "matched"
NONE: Final = reasons.MATCH_NONE
AMBIGUOUS: Final = reasons.MATCH_AMBIGUOUS

RESULT_SCHEMA: Final = pa.schema(
    [
        ("item_id", pa.string()),
        ("outcome", pa.string()),  # matched | match.none | match.ambiguous
        ("reasons", pa.list_(pa.string())),  # sorted reason codes; empty = identity is clear
        ("tin", pa.string()),  # the matched taxpayer; null unless matched
        ("match_probability", pa.float64()),  # best candidate; null when there is none
        ("runner_up_probability", pa.float64()),  # best rival; null when there is none
        ("best_tin", pa.string()),  # best candidate even when not matched, for reviewers
    ]
)

Progress = Callable[[str], None]


def build_linker(
    backend: Backend,
    world: Path,
    *,
    matching_columns: bool = True,
    identity: IdentitySettings | None = None,
) -> Linker:
    """A linker over the prepared ``tg_world`` and ``tg_items`` with the saved model.
    Without ``matching_columns`` its predictions carry weights but neither the compared
    values nor the levels (``gamma_*``): a third less work on millions of pairs."""
    left = backend.register("tg_world", "world")
    right = backend.register("tg_items", "items")
    model: Any = for_engine(load_model(world), backend.engine, identity)
    model["retain_matching_columns"] = matching_columns
    linker = Linker([left, right], model, log_level=logging.ERROR)
    register_term_frequencies(linker, backend)
    return linker


# The comparisons whose level the decision reads (the gate and the DOB contradiction).
DECIDING_COMPARISONS: Final = ("given", "middle", "surname", "suffix", "dob", "tin")
# Weights closer than this are one level to the reader; levels are told apart well above it.
_WEIGHT_TOLERANCE: Final = 1e-6
_WEIGHT_SEPARATION: Final = 1e-3


def gamma_readback_sql(model: dict[str, Any]) -> dict[str, str] | None:
    """Per deciding comparison, SQL that reads its level back from its match weight
    (``mw_<name>``), or None when some comparison has two levels of (nearly) equal weight
    or an untrained level: then only Splink's ``gamma_*`` column can tell them apart.

    Each level's weight is log2(m/u), one constant per level, so the weight names the level.
    A weight that matches no level reads as NULL, which the decision treats as no
    agreement: a misread can only hold a release back, never make one."""
    gammas = level_gammas(model)
    readback: dict[str, str] = {}
    for comparison in model["comparisons"]:
        name = comparison["output_column_name"]
        if name not in DECIDING_COMPARISONS:
            continue
        weights: list[tuple[int, float]] = []
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                weights.append((-1, 0.0))
                continue
            m, u = level.get("m_probability"), level.get("u_probability")
            if not m or not u:
                return None
            weights.append((gammas[name][str(level.get("label_for_charts"))], math.log2(m / u)))
        values = sorted(weight for _, weight in weights)
        if any(b - a < _WEIGHT_SEPARATION for a, b in itertools.pairwise(values)):
            return None
        whens = " ".join(
            f"WHEN abs(mw_{name} - ({weight!r})) < {_WEIGHT_TOLERANCE} THEN {gamma}"
            for gamma, weight in weights
        )
        readback[name] = f"CASE {whens} END"
    return readback


def score_candidates(
    backend: Backend,
    linker: Linker,
    items: int,
    identity: IdentitySettings,
    readback: dict[str, str] | None = None,
) -> int:
    """Score candidate pairs in chunks of items into ``tg_candidates``; returns the number of
    candidate pairs scored above the floor. ``readback`` (``gamma_readback_sql``) is for a
    linker built without matching columns."""
    chunks = max(1, math.ceil(items / max(1, identity.items_per_chunk)))
    predictions = linker.inference.predict(
        threshold_match_probability=identity.candidate_floor,
        num_chunks_left=1,
        num_chunks_right=chunks,
        warning_mode="never",
    )
    if readback is None:
        levels = [f"gamma_{name}" for name in DECIDING_COMPARISONS]
    else:
        levels = [f"mw_{name}" for name in DECIDING_COMPARISONS if name != "tin"]
    kept = ["source_dataset_l", "uid_l", "uid_r", "match_weight", "match_probability", "mw_tin"]
    backend.fetch(predictions, "tg_scored", columns=kept + levels)
    predictions.drop_table_from_database_and_remove_from_cache()
    gamma_columns = ", ".join(
        f"{(readback or {}).get(name, f'gamma_{name}')} AS gamma_{name}"
        for name in DECIDING_COMPARISONS
    )
    con = backend.con
    con.execute(
        f"""CREATE OR REPLACE TABLE tg_candidates AS
            SELECT CASE WHEN source_dataset_l = 'items' THEN uid_l ELSE uid_r END AS item_id,
                   CASE WHEN source_dataset_l = 'items' THEN uid_r ELSE uid_l END AS tin,
                   match_weight,
                   match_probability,
                   match_weight - coalesce(mw_tin, 0) AS weight_without_tin,
                   {gamma_columns}
            FROM tg_scored"""
    )
    con.execute("DROP TABLE tg_scored")
    return int(con.execute("SELECT count(*) FROM tg_candidates").fetchall()[0][0])


def level_gammas(model: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Per comparison, each level's label -> the gamma value Splink gives it."""
    gammas: dict[str, dict[str, int]] = {}
    for comparison in model["comparisons"]:
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        gammas[comparison["output_column_name"]] = {
            str(level.get("label_for_charts")): len(levels) - 1 - index
            for index, level in enumerate(levels)
        }
    return gammas


def _gate_sql(gammas: dict[str, dict[str, int]]) -> str:
    """The evidence a release needs beyond probability: no JR/SR conflict, and either both
    names agree (at some level) with a date of birth or TIN that agrees, or the date of birth
    AND the TIN both agree with one name (a twin shares the DOB, never the TIN).

    A date of birth vouches for a given name that agrees only loosely (nickname, typo,
    initial, sound) only when the item's name is not itself common (``common_given``): a twin
    shares the birthday, the surname and the home, and "Erica" is Eric's sister more often
    than his misspelling. Nor does it vouch when both sides give a second name and the two
    differ outright: "Min-jun" and "Min-ji", "Jean-Claude" and "Jean-Robert" are twins'
    names that share their first word. A name that agrees only by how it sounds needs the
    date of birth exact (or the TIN): a sound is weaker than a spelling slip, and two slips
    together are two differences."""

    def agrees(name: str) -> str:
        codes = ", ".join(str(gammas[name][label]) for label in IDENTIFYING_LEVELS[name])
        return f"b.gamma_{name} IN ({codes})"

    suffix_conflict = gammas["suffix"]["different (JR vs SR)"]
    # Names agree at any level above their last; for the given name also above "another
    # name, same initial", which is no agreement.
    given_agrees = f"b.gamma_given > {gammas['given'][ANOTHER_NAME_SAME_INITIAL]}"
    names, either = (
        f"{given_agrees} AND b.gamma_surname > 0",
        f"({given_agrees} OR b.gamma_surname > 0)",
    )
    by_sound = (
        f"(b.gamma_given = {gammas['given'][SOUNDS_ALIKE]}"
        f" OR b.gamma_surname = {gammas['surname'][SOUNDS_ALIKE]})"
    )
    # A name written whole, in two words or in the other field: its commonness says nothing.
    given_as_written = ", ".join(
        str(gammas["given"][label]) for label in ("exact", WRITTEN_AS_TWO_WORDS, WRITTEN_AS_SURNAME)
    )
    dob_vouches = (
        f"{agrees('dob')} AND (b.gamma_given IN ({given_as_written}) OR NOT common_given)"
        f" AND b.gamma_middle <> {gammas['middle']['all other']}"
        f" AND (NOT {by_sound} OR b.gamma_dob = {gammas['dob']['exact']})"
    )
    return (
        f"b.gamma_suffix <> {suffix_conflict} AND ("
        f"({names} AND (({dob_vouches}) OR {agrees('tin')}))"
        f" OR ({either} AND {agrees('dob')} AND {agrees('tin')}))"
    )


def _contradiction_sql(gammas: dict[str, dict[str, int]]) -> str:
    """Both sides give a date of birth that disagrees beyond a typo, or the item gives a
    common given name that disagrees outright, and no TIN agrees: the item names someone else
    (often a parent or child of the same name, or a twin)."""

    def level_in(rule: str) -> str:
        name = rule.removesuffix("_if_common")
        codes = ", ".join(str(gammas[name][label]) for label in CONTRADICTING_LEVELS[rule])
        return f"b.gamma_{name} IN ({codes})"

    tin = ", ".join(str(gammas["tin"][label]) for label in IDENTIFYING_LEVELS["tin"])
    # A given name with the filer's initial contradicts only when it is another person's
    # name: common in the world (``common_given``).
    contradicting = (
        f"{level_in('dob')} OR {level_in('given')}"
        f" OR ({level_in('given_if_common')} AND common_given)"
    )
    return f"({contradicting}) AND b.gamma_tin NOT IN ({tin})"


def _row_parts(alias: str, *, keyed: bool) -> AddressParts:
    """The parts of an address row (``tg_history`` or ``tg_item_address``) for ``address.py``;
    ``keyed``: the row carries its street key as ``key`` (computed once, not at every
    mention in the rule)."""

    def text(column: str) -> str:
        return f"coalesce({column}, '')"

    key = f"{alias}.key" if keyed else f"tg_street_key({alias}.street, {alias}.house)"
    return AddressParts(
        house=text(f"{alias}.house"),
        key=text(key),
        unit=text(f"{alias}.unit"),
        zip=text(f"{alias}.zip"),
        street=text(f"{alias}.street"),
    )


def address_agrees_sql(identity: IdentitySettings, *, keyed: bool = False) -> str:
    """The match.address rule: item address ``a`` (``tg_item_address``) agrees with address
    ``h`` on file (``tg_history``) up to typos (``address.py``, the rule the model's address
    levels use). ``keyed``: both rows carry their street key as ``key``."""
    return agrees_up_to_typos(
        DUCKDB_DIALECT,
        _row_parts("a", keyed=keyed),
        _row_parts("h", keyed=keyed),
        address_rules(identity),
    )


def decide(
    con: duckdb.DuckDBPyConnection, identity: IdentitySettings, model: dict[str, Any]
) -> pa.Table:
    """Outcomes from ``tg_candidates``, ``tg_items``, ``tg_history``, ``tg_item_address`` and
    the world's ``tg_people`` and ``tg_tf_given``."""
    release, plausible = identity.release_threshold, identity.candidate_threshold
    gammas = level_gammas(model)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE tg_ranked AS
        WITH ranked AS (
            SELECT *, row_number() OVER (PARTITION BY item_id
                                         ORDER BY match_weight DESC, tin) AS k
            FROM tg_candidates
        ), common AS (
            SELECT greatest({identity.common_given_share},
                            {identity.common_given_min_taxpayers} / count(*)) AS share
            FROM tg_people
        ), owners AS (
            -- Whose TIN each item gives ('' when the world holds it twice: no one's for sure).
            SELECT tin, CASE WHEN count(DISTINCT uid) = 1 THEN min(uid) ELSE '' END AS uid
            FROM tg_people WHERE tin IN (SELECT tin FROM tg_items) GROUP BY tin
        ), items AS (
            SELECT i.uid, coalesce(f.tf_given, 0) >= c.share AS common_given, o.uid AS tin_owner
            FROM tg_items i CROSS JOIN common c LEFT JOIN tg_tf_given f ON f.given = i.given
            LEFT JOIN owners o ON o.tin = i.tin
        )
        SELECT i.uid AS item_id, b.tin AS best_tin, i.tin_owner,
               b.match_probability AS p, b.match_weight AS w,
               1 / (1 + pow(2, -b.weight_without_tin)) AS p_without_tin,
               coalesce({_gate_sql(gammas)}, false) AS identified,
               coalesce({_contradiction_sql(gammas)}, false) AS contradicted,
               r.match_probability AS rival_p, r.match_weight AS rival_w
        FROM items i
        LEFT JOIN ranked b ON b.item_id = i.uid AND b.k = 1
        LEFT JOIN ranked r ON r.item_id = i.uid AND r.k = 2"""
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE tg_outcomes AS
        SELECT *, CASE
            WHEN p IS NULL OR p < {plausible} THEN '{NONE}'
            WHEN contradicted AND coalesce(rival_p, 0) < {plausible} THEN '{NONE}'
            WHEN p >= {release} AND p_without_tin >= {identity.tinless_threshold} AND identified
                 AND (tin_owner IS NULL OR tin_owner = best_tin)
                 AND (rival_p IS NULL OR (rival_p < {identity.rival_ceiling}
                                          AND w - rival_w >= {identity.rival_margin_bits}))
                THEN '{MATCHED}'
            ELSE '{AMBIGUOUS}' END AS outcome
        FROM tg_ranked"""
    )
    # The addresses the rule compares (their street keys computed once, by ``address_sql``).
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE tg_matched_address AS
        SELECT o.item_id, o.best_tin, a.*
        FROM tg_outcomes o JOIN tg_item_address a ON a.uid = o.item_id
        WHERE o.outcome = '{MATCHED}'"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE tg_matched_history AS
        SELECT h.* FROM tg_history h
        WHERE h.uid IN (SELECT best_tin FROM tg_matched_address)"""
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE tg_address_ok AS
        SELECT a.item_id, bool_or({address_agrees_sql(identity, keyed=True)}) AS on_file
        FROM tg_matched_address a JOIN tg_matched_history h ON h.uid = a.best_tin
        GROUP BY a.item_id"""
    )
    table = con.sql(
        f"""SELECT o.item_id, o.outcome,
               CASE WHEN o.outcome <> '{MATCHED}' THEN [o.outcome]
                    WHEN coalesce(a.on_file, false) THEN []::VARCHAR[]
                    ELSE ['{reasons.MATCH_ADDRESS}'] END AS reasons,
               CASE WHEN o.outcome = '{MATCHED}' THEN o.best_tin END AS tin,
               o.p AS match_probability,
               o.rival_p AS runner_up_probability,
               o.best_tin
        FROM tg_outcomes o LEFT JOIN tg_address_ok a USING (item_id)
        ORDER BY o.item_id"""
    ).to_arrow_table()
    return table.cast(RESULT_SCHEMA)


def resolve_items(
    world: Path,
    items: pa.Table,
    *,
    identity: IdentitySettings | None = None,
    progress: Progress | None = None,
    source: str = "items",
    engine: str = "duckdb",
    stats: dict[str, Any] | None = None,
) -> pa.Table:
    """Resolve every item of ``items`` (raw contract columns) against ``world``.

    Needs the model trained by ``train_model(world)``; never retrains. ``engine`` is
    ``duckdb`` or ``spark``; ``stats``, when given, receives ``candidate_pairs``.
    """
    chosen = identity or load_settings().identity
    chosen_engine = check_engine(engine)
    say = progress or (lambda _message: None)
    con = connect()
    con.execute("SET enable_progress_bar = false")
    try:
        open_world(con, world)
        model = load_model(world)  # fail fast, before the expensive preparation
        count = prepare_items(con, items, source=source)
        say("preparing the world")
        prepare_world_for_items(con)
        say(f"scoring {count} items")
        backend = Backend(con, chosen_engine)
        readback = gamma_readback_sql(model)
        linker = build_linker(backend, world, matching_columns=readback is None, identity=chosen)
        pairs = score_candidates(backend, linker, count, chosen, readback)
        if stats is not None:
            stats["candidate_pairs"] = pairs
        say("deciding")
        return decide(con, chosen, model)
    finally:
        con.close()
