"""Resolve request items to taxpayers, and refuse to guess.

Per item (contracts.md §4):
- ``matched``: the best candidate is above the release threshold; its evidence without the
  TIN is itself plausible (a TIN alone never identifies, it may be a typo or borrowed); and
  the best rival is both implausible and far behind (a margin in match weight).
- ``match.none``: no candidate is even plausible.
- ``match.ambiguous``: anything else (a person decides).
Separately, for matched items, ``match.address`` when the supplied address agrees with no
address on file for that taxpayer (after normalisation; tolerant of typos, never of a
different house number, ZIP or unit).

The result is an Arrow table, schema ``RESULT_SCHEMA``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from pathlib import Path
from typing import Final

import duckdb
import pyarrow as pa
from splink import DuckDBAPI, Linker

from taxgate import reasons
from taxgate.duck import connect
from taxgate.identity.prepare import prepare_items, prepare_world
from taxgate.identity.train import load_model, register_term_frequencies
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


def build_linker(con: duckdb.DuckDBPyConnection, world: Path) -> Linker:
    """A linker over the prepared ``tg_world`` and ``tg_items`` with the saved model."""
    db_api = DuckDBAPI(con)
    left = db_api.register("tg_world", table_name="world")
    right = db_api.register("tg_items", table_name="items")
    linker = Linker([left, right], load_model(world), log_level=logging.ERROR)
    register_term_frequencies(linker, db_api)
    return linker


def score_candidates(
    con: duckdb.DuckDBPyConnection, linker: Linker, items: int, identity: IdentitySettings
) -> str:
    """Score candidate pairs in chunks of items; returns the name of the predictions table."""
    chunks = max(1, math.ceil(items / max(1, identity.items_per_chunk)))
    predictions = linker.inference.predict(
        threshold_match_probability=identity.candidate_floor,
        num_chunks_left=1,
        num_chunks_right=chunks,
        warning_mode="never",
    )
    con.execute(
        f"""CREATE OR REPLACE TABLE tg_candidates AS
            SELECT CASE WHEN source_dataset_l = 'items' THEN uid_l ELSE uid_r END AS item_id,
                   CASE WHEN source_dataset_l = 'items' THEN uid_r ELSE uid_l END AS tin,
                   match_weight,
                   match_probability,
                   match_weight - coalesce(mw_tin, 0) AS weight_without_tin
            FROM {predictions.physical_name}"""
    )
    predictions.drop_table_from_database_and_remove_from_cache()
    return "tg_candidates"


def decide(con: duckdb.DuckDBPyConnection, identity: IdentitySettings) -> pa.Table:
    """Outcomes from ``tg_candidates``, ``tg_items``, ``tg_history`` and ``tg_item_address``."""
    release, plausible = identity.release_threshold, identity.candidate_threshold
    con.execute(
        """CREATE OR REPLACE TEMP TABLE tg_ranked AS
        WITH ranked AS (
            SELECT *, row_number() OVER (PARTITION BY item_id
                                         ORDER BY match_weight DESC, tin) AS k
            FROM tg_candidates
        )
        SELECT i.uid AS item_id, b.tin AS best_tin,
               b.match_probability AS p, b.match_weight AS w,
               1 / (1 + pow(2, -b.weight_without_tin)) AS p_without_tin,
               r.match_probability AS rival_p, r.match_weight AS rival_w
        FROM tg_items i
        LEFT JOIN ranked b ON b.item_id = i.uid AND b.k = 1
        LEFT JOIN ranked r ON r.item_id = i.uid AND r.k = 2"""
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE tg_outcomes AS
        SELECT *, CASE
            WHEN p IS NULL OR p < {plausible} THEN '{NONE}'
            WHEN p >= {release} AND p_without_tin >= {plausible}
                 AND (rival_p IS NULL OR (rival_p < {identity.rival_ceiling}
                                          AND w - rival_w >= {identity.rival_margin_bits}))
                THEN '{MATCHED}'
            ELSE '{AMBIGUOUS}' END AS outcome
        FROM tg_ranked"""
    )
    similarity = identity.address_similarity
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE tg_address_ok AS
        SELECT o.item_id, bool_or(
            (h.unit IS NULL OR a.unit IS NULL OR h.unit = a.unit)
            AND h.zip = a.zip AND h.house = a.house
            AND (h.street = a.street
                 OR jaro_winkler_similarity(h.street, a.street) >= {similarity}
                 OR levenshtein(h.street, a.street) <= 2)
        ) AS on_file
        FROM tg_outcomes o
        JOIN tg_item_address a ON a.uid = o.item_id
        JOIN tg_history h ON h.uid = o.best_tin
        WHERE o.outcome = '{MATCHED}'
        GROUP BY o.item_id"""
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
) -> pa.Table:
    """Resolve every item of ``items`` (raw contract columns) against ``world``.

    Needs the model trained by ``train_model(world)``; never retrains.
    """
    chosen = identity or load_settings().identity
    say = progress or (lambda _message: None)
    con = connect()
    try:
        open_world(con, world)
        load_model(world)  # fail fast, before the expensive preparation
        say("preparing the world")
        prepare_world(con)
        count = prepare_items(con, items, source=source)
        say(f"scoring {count} items")
        linker = build_linker(con, world)
        score_candidates(con, linker, count, chosen)
        say("deciding")
        return decide(con, chosen)
    finally:
        con.close()
