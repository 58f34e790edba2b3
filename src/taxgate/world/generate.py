"""``taxgate world generate``: a synthetic taxpayer master file (contracts.md §1).

The world is written in fixed chunks of ``CHUNK_SIZE`` taxpayers, each drawn from its own
``numpy.random.default_rng((seed, chunk))``, so memory stays bounded and the same seed
gives the same data whatever the machine. People come from ``households`` (names as
filed, households, dates of birth) and their address histories from ``histories``.

TINs are unique and only in never-issued ranges, assigned while streaming:

* SSN-like: the k-th SSN filer gets a number from a bijective scramble ``(k*a + b) mod C``
  (``a`` coprime with the capacity ``C``, ``b`` derived from the seed) of, in turn:
  area ``000`` (the first 1,000,000 SSN filers: every world under a million SSN filers
  uses ``000`` only), area ``666`` (the next 1,000,000), then areas ``900``-``999`` with
  group digits (4-5) ``00``-``49`` (never issued as an SSN nor as an ITIN; 50,000,000).
* ITIN-like: ``9`` + 2 digits, group ``70``-``88``, 4 serial digits (19,000,000), with the
  same kind of scramble over the ITIN filers.

Tables are written under temporary names and renamed only when complete, so a crash never
leaves a table that looks whole. ``world.json`` records the generator version, seed and
counts; ``households.parquet`` (or ``.csv``) records who lives with whom and in what role,
for evaluating matchers. Nothing may depend on either.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Final, Literal, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from taxgate.errors import InputError, OptionError
from taxgate.world.draws import Bools, Ints, itin_probability
from taxgate.world.histories import Histories, draw_histories
from taxgate.world.households import ROLE_NAMES, HouseholdMix, People, draw_people
from taxgate.world.io import WORLD_TABLES

GENERATOR_VERSION: Final = "1"
CHUNK_SIZE: Final = 200_000
SSN_BLOCK: Final = 1_000_000  # areas 000 and 666
SSN_HIGH: Final = 50_000_000  # areas 900-999, groups 00-49
ITIN_CAPACITY: Final = 19_000_000  # areas 900-999, groups 70-88
SSN_CAPACITY: Final = 2 * SSN_BLOCK + SSN_HIGH
MAX_TAXPAYERS: Final = 50_000_000
# Multipliers of the scrambles: each coprime with its capacity (checked in the tests).
SCRAMBLE: Final[dict[int, int]] = {
    SSN_BLOCK: 737_333,
    SSN_HIGH: 31_415_927,
    ITIN_CAPACITY: 7_777_777,
}

TAXPAYER_SCHEMA: Final = pa.schema(
    [
        ("tin", pa.string()),
        ("tin_type", pa.string()),
        ("given_name", pa.string()),
        ("middle_name", pa.string()),
        ("surname", pa.string()),
        ("suffix", pa.string()),
        ("date_of_birth", pa.string()),
        ("protected", pa.bool_()),
    ]
)
ADDRESS_SCHEMA: Final = pa.schema(
    [
        ("tin", pa.string()),
        ("street", pa.string()),
        ("unit", pa.string()),
        ("city", pa.string()),
        ("state", pa.string()),
        ("zip", pa.string()),
        ("first_year", pa.int32()),
        ("last_year", pa.int32()),
    ]
)
HOUSEHOLD_SCHEMA: Final = pa.schema(
    [("tin", pa.string()), ("household", pa.int64()), ("role", pa.string())]
)
# The identity model trained on a world is saved beside it (identity/saved.py); a world
# generated again in place makes it stale, so it goes with the old tables.
_STALE_MODEL: Final = "identity-model.json"
_OWN_FILES: Final = frozenset(
    f"{name}.{fmt}" for name in (*WORLD_TABLES, "households") for fmt in ("parquet", "csv")
) | {"world.json", _STALE_MODEL}

Format = Literal["parquet", "csv"]
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class WorldSummary:
    """What ``generate_world`` wrote."""

    out: Path
    format: str
    seed: int
    taxpayers: int
    addresses: int
    households: int
    ssn: int
    itin: int
    protected: int
    missing_dob: int
    in_multi_person_households: int


def generate_world(
    out: Path,
    *,
    taxpayers: int,
    seed: int,
    fmt: Format = "parquet",
    itin_share: float = 0.05,
    progress: Progress | None = None,
    mix: HouseholdMix | None = None,
) -> WorldSummary:
    """Write a synthetic world of ``taxpayers`` taxpayers to ``out`` (contracts.md §1).

    Example: ``generate_world(Path("world"), taxpayers=100_000, seed=7)``.
    """
    _check_arguments(out, taxpayers, seed, fmt, itin_share)
    mix = mix or HouseholdMix()
    out.mkdir(parents=True, exist_ok=True)
    itin_p = itin_probability(itin_share)
    counts = dict.fromkeys(
        ("addresses", "households", "ssn", "itin", "protected", "missing_dob", "multi"), 0
    )
    names = (*WORLD_TABLES, "households")
    schemas = (TAXPAYER_SCHEMA, ADDRESS_SCHEMA, HOUSEHOLD_SCHEMA)
    partial = {name: out / f".{name}.{fmt}.partial" for name in names}
    try:
        with ExitStack() as stack:
            writers = {
                name: stack.enter_context(_writer(partial[name], schema, fmt))
                for name, schema in zip(names, schemas, strict=True)
            }
            done = 0
            for index, size in enumerate(_chunk_sizes(taxpayers)):
                rng = np.random.default_rng([seed, index])
                people = draw_people(rng, size, mix)
                histories = draw_histories(rng, people, mix)
                is_itin = rng.random(size) < itin_p[people.population]
                tins = _tins(is_itin, counts["ssn"], counts["itin"], seed)
                writers["taxpayers"].write_table(_taxpayer_table(people, tins, is_itin))
                writers["addresses"].write_table(_address_table(histories, tins))
                writers["households"].write_table(
                    _household_table(people, histories, tins, counts["households"])
                )
                counts["addresses"] += len(histories.person)
                counts["households"] += histories.households
                counts["itin"] += int(is_itin.sum())
                counts["ssn"] += size - int(is_itin.sum())
                counts["protected"] += int(people.protected.sum())
                counts["missing_dob"] += int(people.dob_missing.sum())
                sizes = np.bincount(histories.household)
                counts["multi"] += int(sizes[sizes > 1].sum())
                done += size
                if progress is not None:
                    progress(done, taxpayers)
    except BaseException:
        for path in partial.values():
            path.unlink(missing_ok=True)
        raise
    for name in names:
        for stale in out.glob(f"{name}.*"):
            stale.unlink()  # a table in the other format would shadow the new one
        partial[name].replace(out / f"{name}.{fmt}")
    (out / _STALE_MODEL).unlink(missing_ok=True)
    summary = WorldSummary(
        out=out,
        format=fmt,
        seed=seed,
        taxpayers=taxpayers,
        addresses=counts["addresses"],
        households=counts["households"],
        ssn=counts["ssn"],
        itin=counts["itin"],
        protected=counts["protected"],
        missing_dob=counts["missing_dob"],
        in_multi_person_households=counts["multi"],
    )
    _write_manifest(out, summary, itin_share, mix)
    return summary


def _check_arguments(out: Path, taxpayers: int, seed: int, fmt: str, itin_share: float) -> None:
    if taxpayers <= 0 or taxpayers > MAX_TAXPAYERS:
        raise OptionError(f"--taxpayers must be between 1 and {MAX_TAXPAYERS:,}, got {taxpayers:,}")
    if seed < 0:
        raise OptionError(f"--seed must be zero or positive, got {seed}")
    if fmt not in ("parquet", "csv"):
        raise OptionError(f"--format must be parquet or csv, got {fmt!r}")
    if math.isnan(itin_share) or not 0.0 <= itin_share <= 1.0:
        raise OptionError(f"--itin-share must be between 0 and 1, got {itin_share}")
    # Leave a margin for chance: the ITIN count is drawn, not fixed.
    expected_itin = taxpayers * itin_share
    spread = 6 * math.sqrt(taxpayers * itin_share * (1 - itin_share)) + 1000
    if expected_itin + spread > ITIN_CAPACITY or taxpayers - expected_itin + spread > SSN_CAPACITY:
        raise OptionError(
            f"{taxpayers:,} taxpayers with --itin-share {itin_share} would exhaust the "
            f"synthetic TIN ranges ({ITIN_CAPACITY:,} ITINs, {SSN_CAPACITY:,} SSNs)"
        )
    if out.exists() and not out.is_dir():
        raise InputError(out, "exists and is not a directory", hint="choose another --out")
    if out.is_dir():
        foreign = sorted(
            p.name for p in out.iterdir() if p.name not in _OWN_FILES and ".partial" not in p.name
        )
        if foreign:
            raise InputError(
                out,
                f"is not empty and not a world directory (holds {foreign[0]!r})",
                hint="choose an empty or new --out directory",
            )


def _chunk_sizes(total: int) -> Iterator[int]:
    full, rest = divmod(total, CHUNK_SIZE)
    yield from (CHUNK_SIZE for _ in range(full))
    if rest:
        yield rest


class _Writer(Protocol):
    def write_table(self, table: pa.Table) -> None: ...
    def __enter__(self) -> _Writer: ...
    def __exit__(self, *args: object) -> None: ...


def _writer(path: Path, schema: pa.Schema, fmt: str) -> _Writer:
    if fmt == "parquet":
        writer: _Writer = pq.ParquetWriter(path, schema, compression="zstd")
        return writer
    csv_writer: _Writer = pacsv.CSVWriter(path, schema)
    return csv_writer


def _scramble(index: Ints, capacity: int, seed: int) -> Ints:
    offset = (seed * 2_654_435_761 + 12_345) % capacity
    result: Ints = (index * SCRAMBLE[capacity] + offset) % capacity
    return result


def _tins(is_itin: Bools, ssn_before: int, itin_before: int, seed: int) -> pa.Array:
    """Nine-digit TINs for one chunk, continuing the SSN and ITIN sequences."""
    size = len(is_itin)
    number = np.empty(size, dtype=np.int64)
    itin_k = itin_before + np.cumsum(is_itin)[is_itin] - 1
    ssn_k = ssn_before + np.cumsum(~is_itin)[~is_itin] - 1
    if (len(itin_k) and itin_k[-1] >= ITIN_CAPACITY) or (len(ssn_k) and ssn_k[-1] >= SSN_CAPACITY):
        raise OptionError("the synthetic TIN ranges are exhausted; lower --taxpayers")
    v = _scramble(itin_k, ITIN_CAPACITY, seed)
    number[is_itin] = (
        (900 + v // 190_000) * 1_000_000 + (70 + v // 10_000 % 19) * 10_000 + v % 10_000
    )
    ssn = np.empty(len(ssn_k), dtype=np.int64)
    low = ssn_k < SSN_BLOCK
    ssn[low] = _scramble(ssn_k[low], SSN_BLOCK, seed)
    mid = (ssn_k >= SSN_BLOCK) & (ssn_k < 2 * SSN_BLOCK)
    ssn[mid] = 666_000_000 + _scramble(ssn_k[mid] - SSN_BLOCK, SSN_BLOCK, seed)
    high = ssn_k >= 2 * SSN_BLOCK
    v = _scramble(ssn_k[high] - 2 * SSN_BLOCK, SSN_HIGH, seed)
    ssn[high] = (900 + v // 500_000) * 1_000_000 + (v // 10_000 % 50) * 10_000 + v % 10_000
    number[~is_itin] = ssn
    return pc.utf8_lpad(pa.array(number).cast(pa.string()), 9, "0")


def _taxpayer_table(people: People, tins: pa.Array, is_itin: Bools) -> pa.Table:
    dob = pa.array(people.dob_days.astype("datetime64[D]"), mask=people.dob_missing)
    tin_type = np.where(is_itin, "ITIN", "SSN")
    return pa.Table.from_arrays(
        [
            tins,
            pa.array(tin_type, type=pa.string()),
            pa.array(people.given, type=pa.string()),
            pa.array(people.middle, type=pa.string()),
            pa.array(people.surname, type=pa.string()),
            pa.array(people.suffix, type=pa.string()),
            dob.cast(pa.string()),
            pa.array(people.protected, type=pa.bool_()),
        ],
        schema=TAXPAYER_SCHEMA,
    )


def _address_table(histories: Histories, tins: pa.Array) -> pa.Table:
    return pa.Table.from_arrays(
        [
            tins.take(pa.array(histories.person)),
            pa.array(histories.street, type=pa.string()),
            pa.array(histories.unit, type=pa.string()),
            pa.array(histories.city, type=pa.string()),
            pa.array(histories.state, type=pa.string()),
            pa.array(histories.zip, type=pa.string()),
            pa.array(histories.first_year.astype(np.int32)),
            pa.array(histories.last_year.astype(np.int32)),
        ],
        schema=ADDRESS_SCHEMA,
    )


def _household_table(people: People, histories: Histories, tins: pa.Array, before: int) -> pa.Table:
    roles = np.array(ROLE_NAMES, dtype=object)[people.role]
    return pa.Table.from_arrays(
        [tins, pa.array(histories.household + before), pa.array(roles, type=pa.string())],
        schema=HOUSEHOLD_SCHEMA,
    )


def _write_manifest(out: Path, summary: WorldSummary, itin_share: float, mix: HouseholdMix) -> None:
    record = {
        "generator": "taxgate.world.generate",
        "version": GENERATOR_VERSION,
        "chunk_size": CHUNK_SIZE,
        "itin_share": itin_share,
        "household_mix": asdict(mix),
        **{k: v for k, v in asdict(summary).items() if k != "out"},
    }
    partial = out / ".world.json.partial"
    partial.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    partial.replace(out / "world.json")
