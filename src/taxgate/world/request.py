"""Synthetic requests against a world: a manifest, an item file and the truth behind each item.

``generate_request`` reads any world in the contracts.md §1 format through DuckDB, picks the
people each item names (filers, their relatives and neighbours, people who are not in the
world), dresses them the way the kind of request does (``RequestParams``) and writes:

- ``request.toml``: the manifest (contracts.md §2), naming ``items.csv`` or ``items.parquet``;
- the item file, every column of contracts.md §2 including the optional ones;
- ``truth.csv``: ``item_id``, ``true_tin`` (empty when the named person is not in the world),
  ``defect`` (the item's primary defect class, ``clean`` if none), ``variants`` (its other
  perturbations, ``;``-separated), ``expected_intake`` (the item-level intake reason codes the
  item should raise, sorted) and ``confuser_tin`` (for household confusers: the filer a
  careless match would pick instead).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from taxgate.duck import connect
from taxgate.errors import InputError, OptionError
from taxgate.files import SHARED, replaced_atomically, write_atomically
from taxgate.model import ITEM_COLUMNS, OPTIONAL_ITEM_COLUMNS
from taxgate.world.request_assemble import assemble, register_nicknames
from taxgate.world.request_confusers import confuser_segments
from taxgate.world.request_corrupt import corrupt
from taxgate.world.request_data import FALLBACK_NICKNAMES
from taxgate.world.request_params import (
    CONFUSERS,
    KINDS,
    RequestParams,
    default_params,
)
from taxgate.world.request_people import absent_segment, build_pools, in_world_segment, prepare

__all__ = [
    "KINDS",
    "TRUTH_COLUMNS",
    "RequestParams",
    "RequestSummary",
    "default_params",
    "generate_request",
]

TRUTH_COLUMNS: tuple[str, ...] = (
    "item_id",
    "true_tin",
    "defect",
    "variants",
    "expected_intake",
    "confuser_tin",
)
Format = Literal["csv", "parquet"]
Progress = Callable[[str], None]


@dataclass(frozen=True)
class RequestSummary:
    """What was written: counts per primary defect class and the three files."""

    kind: str
    size: int
    in_world: int
    defects: dict[str, int]
    manifest: Path
    items: Path
    truth: Path


def nicknames() -> dict[str, tuple[str, ...]]:
    """The world generator's nickname table when it is installed, else our own."""
    try:
        module = importlib.import_module("taxgate.world.names")
    except ImportError:
        return dict(FALLBACK_NICKNAMES)
    table = getattr(module, "NICKNAMES", None)
    if not isinstance(table, dict) or not table:
        return dict(FALLBACK_NICKNAMES)
    return {str(k): tuple(str(n) for n in v) for k, v in table.items() if v}


def _split(total: int, weights: tuple[float, ...]) -> list[int]:
    """``total`` split by ``weights`` with largest remainders, so the parts add up exactly."""
    scale = sum(weights)
    raw = [total * w / scale for w in weights]
    parts = [int(r) for r in raw]
    by_remainder = sorted(range(len(raw)), key=lambda i: (parts[i] - raw[i], i))
    for i in by_remainder[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _toml_text(value: str) -> str:
    # JSON string escapes are valid TOML basic-string escapes.
    return json.dumps(value, ensure_ascii=False)


def manifest_text(p: RequestParams, *, request_id: str, items_name: str, note: str) -> str:
    data = ", ".join(_toml_text(d) for d in p.data)
    return "\n".join(
        (
            f"# {note}",
            f"id = {_toml_text(request_id)}",
            f"requester = {_toml_text(p.requester)}",
            f"received = {p.received.isoformat()}",
            f"purpose = {_toml_text(p.purpose)}",
            f"basis = {_toml_text(p.basis)}",
            f"statutory_authority = {_toml_text(p.statutory_authority)}",
            f"data = [{data}]",
            f"items = {_toml_text(items_name)}",
            f"certification = {'true' if p.certification else 'false'}",
            f"ex_parte_order = {_toml_text(p.ex_parte_order)}",
            "",
            "[signer]",
            f"name = {_toml_text(p.signer_name)}",
            f"title = {_toml_text(p.signer_title)}",
            f"agency = {_toml_text(p.signer_agency)}",
            "",
        )
    )


def _write_table(table: pa.Table, path: Path) -> None:
    with replaced_atomically(path, mode=SHARED) as temp:
        if path.suffix == ".parquet":
            pq.write_table(table, temp)
        else:
            options = pacsv.WriteOptions(quoting_style="needed")
            pacsv.write_csv(table, temp, write_options=options)


# The largest request anyone has sent is ICE's 1.28 million; ten times that still fits this
# machine's disk while the generator spills, a trillion (a typo) fills it.
MAX_ITEMS: Final = 20_000_000
MAX_SEED: Final = 2**63 - 1  # DuckDB hashes the seed as a BIGINT


def _check_inputs(world: Path, out: Path, kind: str, size: int, seed: int, fmt: str) -> None:
    if kind not in KINDS:
        raise OptionError(f"unknown request kind {kind!r}: choose one of {', '.join(KINDS)}")
    if size <= 0 or size > MAX_ITEMS:
        raise OptionError(f"--size must be between 1 and {MAX_ITEMS:,} items, not {size:,}")
    if not 0 <= seed <= MAX_SEED:
        raise OptionError(f"--seed must be between 0 and {MAX_SEED}, not {seed}")
    if out.exists() and not out.is_dir():
        raise InputError(out, "exists and is not a directory", hint="choose another --out")
    if fmt not in ("csv", "parquet"):
        raise OptionError(f"unknown item file format {fmt!r}: choose csv or parquet")
    if not world.is_dir():
        raise InputError(
            world, "no such world directory", hint="make one with `taxgate world generate`"
        )


def generate_request(
    world: Path,
    out: Path,
    *,
    kind: str,
    size: int,
    seed: int,
    fmt: Format = "csv",
    params: RequestParams | None = None,
    progress: Progress | None = None,
) -> RequestSummary:
    """Write a ``kind`` request of ``size`` items against ``world`` into ``out``."""
    _check_inputs(world, out, kind, size, seed, fmt)
    p = params or default_params(kind)
    p.check()
    say = progress or (lambda _message: None)
    con = connect()
    try:
        world_size = prepare(con, world, seed)
        register_nicknames(con, nicknames())
        say(f"world: {world_size.taxpayers:,} taxpayers, {world_size.address_rows:,} addresses")
        build_pools(con, world_size, min(200_000, max(1_000, size)))

        wanted = dict(
            zip(CONFUSERS, _split(round(size * p.confuser_share), p.confuser_weights), strict=True)
        )
        say(f"household confusers: {sum(wanted.values()):,}")
        real, synthetic = confuser_segments(
            con, wanted, p.confuser_in_world_share, world_size, p.received
        )
        in_wanted = max(0, round(size * p.in_world_share) - sum(real.values()))
        say(f"filers named: {in_wanted:,}")
        in_got = in_world_segment(con, in_wanted, world_size)
        if in_got < in_wanted and p.in_world_share >= 1.0:
            raise InputError(
                world,
                f"has {in_got:,} taxpayers with an address left to name; "
                f"a {kind} request of {size:,} items names {in_wanted:,}",
                hint="use a smaller --size or a larger world",
            )
        absent = size - sum(real.values()) - sum(synthetic.values()) - in_got
        say(f"people not in the world: {absent:,}")
        absent_segment(con, absent, p.absent_world_surname_share)

        say("assembling items")
        assemble(con, p, seed=seed, prefix=p.requester, size=size)
        if p.corruption_share > 0:
            say("corrupting items")
            corrupt(con, p)
        columns = (*ITEM_COLUMNS, *OPTIONAL_ITEM_COLUMNS)
        items = con.sql(
            f"SELECT {', '.join(columns)} FROM request_items ORDER BY rn"
        ).to_arrow_table()
        truth = con.sql(
            f"SELECT {', '.join(TRUTH_COLUMNS)} FROM request_items ORDER BY rn"
        ).to_arrow_table()
        defects = dict(
            con.execute(
                "SELECT defect, count(*) FROM request_items GROUP BY 1 ORDER BY 1"
            ).fetchall()
        )
        in_world = int(con.execute("SELECT count(true_tin) FROM request_items").fetchall()[0][0])
    finally:
        con.close()

    out.mkdir(parents=True, exist_ok=True)
    items_path = out / f"items.{fmt}"
    truth_path = out / "truth.csv"
    manifest_path = out / "request.toml"
    say(f"writing {items_path}")
    _write_table(items, items_path)
    _write_table(truth, truth_path)
    request_id = p.request_id or f"{p.requester}-{p.received:%Y%m%d}-{kind}-{seed}"
    note = f"Synthetic request: taxgate world request --kind {kind} --size {size} --seed {seed}"
    text = manifest_text(p, request_id=request_id, items_name=items_path.name, note=note)
    # The manifest goes last: where it exists, the files it names are complete.
    write_atomically(manifest_path, text.encode("utf-8"), mode=SHARED)
    return RequestSummary(
        kind=kind,
        size=size,
        in_world=in_world,
        defects={str(k): int(v) for k, v in defects.items()},
        manifest=manifest_path,
        items=items_path,
        truth=truth_path,
    )
