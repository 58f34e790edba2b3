"""Address histories for one chunk of people, as filed on their returns.

Each household lives at 1-4 addresses over tax years 2012-2024; its spells are contiguous
(the next first_year is the previous last_year + 1) and its members move together. A person
files only in the years from their first return (18 or later; some arrive later, some stop
filing) and some adult children move out to an address of their own. Tenants of one
building each have their own history whose last spell is the shared building, every tenant
in a different unit. Most moves stay in the same city.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Final

import numpy as np
import numpy.typing as npt

from taxgate.world.draws import Ints, Strs, WeightedTable, pick, weighted_table
from taxgate.world.households import (
    CHILD,
    JUNIOR,
    SINGLE,
    TENANT,
    TENANTS,
    TWIN,
    HouseholdMix,
    People,
)
from taxgate.world.names import populations
from taxgate.world.places import (
    CLUSTER_BOOST,
    DIRECTIONAL_WEIGHTS,
    DIRECTIONALS,
    PO_BOX_FORMS,
    POPULATION_TAGS,
    STREET_NAMES,
    STREET_TYPE_WEIGHTS,
    STREET_TYPES,
    UNIT_LETTERS,
    UNIT_PREFIX_WEIGHTS,
    UNIT_PREFIXES,
    places,
)

FIRST_YEAR: Final = 2012
LAST_YEAR: Final = 2024
SPELL_COUNT_WEIGHTS: Final = (0.42, 0.30, 0.18, 0.10)  # 1, 2, 3 or 4 addresses
STAY_IN_CITY: Final = 0.65
PO_BOX_SHARE: Final = 0.008
UNIT_SHARE: Final = 0.3


@dataclass
class Histories:
    """Address rows for a chunk: ``person`` indexes the chunk's people, rows sorted by
    person then first_year."""

    person: Ints
    street: Strs
    unit: Strs
    city: Strs
    state: Strs
    zip: Strs
    first_year: Ints
    last_year: Ints
    household: Ints  # per person: household index within the chunk
    households: int


@dataclass(frozen=True)
class _Street:
    names: WeightedTable
    types: WeightedTable  # street types as written, weighted by type and by rendering


@cache
def _streets() -> _Street:
    ordinals = [f"{n}{_ordinal_suffix(n)}" for n in range(1, 80)]
    names = (*STREET_NAMES, *ordinals)
    weights = (*(1.0 for _ in STREET_NAMES), *(0.5 / n**0.5 for n in range(1, 80)))
    renderings: list[str] = []
    type_weights: list[float] = []
    for (_, forms, form_weights), weight in zip(STREET_TYPES, STREET_TYPE_WEIGHTS, strict=True):
        total = sum(form_weights)
        renderings.extend(forms)
        type_weights.extend(weight * w / total for w in form_weights)
    return _Street(
        weighted_table(names, weights), weighted_table(tuple(renderings), tuple(type_weights))
    )


def _ordinal_suffix(n: int) -> str:
    if 10 <= n % 100 <= 20:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


@cache
def _city_cdfs() -> tuple[npt.NDArray[np.float64], ...]:
    table = places()
    base = np.array(table.weight, dtype=np.float64)
    cdfs = []
    for pop in populations():
        tag = POPULATION_TAGS.get(pop.name)
        boost = np.array([CLUSTER_BOOST if tag in tags else 1.0 for tags in table.tags])
        cdf = np.cumsum(base * boost)
        cdfs.append(cdf / cdf[-1])
    return tuple(cdfs)


def _cities(rng: np.random.Generator, population: Ints) -> Ints:
    city = np.empty(len(population), dtype=np.int64)
    for index, cdf in enumerate(_city_cdfs()):
        members = np.flatnonzero(population == index)
        drawn = np.searchsorted(cdf, rng.random(len(members)), side="right")
        city[members] = np.minimum(drawn, len(cdf) - 1)
    return city


@dataclass
class _Addresses:
    street: Strs
    unit: Strs
    city: Ints
    zip: Strs


def _addresses(rng: np.random.Generator, city: Ints, no_po_box: int) -> _Addresses:
    """Street, unit and ZIP for each entry of ``city``, rendered as filed; the last
    ``no_po_box`` entries (apartment buildings) are always street addresses."""
    size = len(city)
    table = places()
    start = np.array(table.zip_start)[city]
    count = np.array(table.zip_count)[city]
    zips = np.array(table.zips, dtype=object)[start + (rng.random(size) * count).astype(np.int64)]
    number = np.exp(rng.uniform(0, np.log(20000), size)).astype(np.int64)
    number_text = _number_text()[number]
    direction = rng.choice(
        np.array(DIRECTIONALS, dtype=object), size=size, p=_norm(DIRECTIONAL_WEIGHTS)
    )
    streets = _streets()
    street = (
        number_text + " " + direction + pick(rng, streets.names, size) + " "
        + pick(rng, streets.types, size)
    )  # fmt: skip
    unit = np.full(size, None, dtype=object)
    has_unit = np.flatnonzero(rng.random(size) < UNIT_SHARE)
    unit[has_unit] = _units(rng, len(has_unit))
    po_box = np.flatnonzero(rng.random(size - no_po_box) < PO_BOX_SHARE)
    forms = rng.choice(np.array(PO_BOX_FORMS, dtype=object), size=len(po_box))
    street[po_box] = forms + _number_text()[rng.integers(1, 9999, len(po_box))]
    unit[po_box] = None
    return _Addresses(street, unit, city, zips)


def _units(rng: np.random.Generator, size: int, ident: Strs | None = None) -> Strs:
    prefix = rng.choice(
        np.array(UNIT_PREFIXES, dtype=object), size=size, p=_norm(UNIT_PREFIX_WEIGHTS)
    )
    if ident is None:
        floor = rng.integers(1, 21, size)
        letter = np.array(list(UNIT_LETTERS), dtype=object)[rng.integers(0, 8, size)]
        style = rng.random(size)
        ident = np.where(
            style < 0.4,
            _number_text()[floor] + letter,
            np.where(
                style < 0.7,
                _number_text()[rng.integers(1, 41, size)],
                _number_text()[floor * 100 + rng.integers(1, 21, size)],
            ),
        )
    result: Strs = prefix + ident
    return result


@cache
def _number_text() -> Strs:
    # Converting ints to text through a lookup beats numpy's astype(str) several times over.
    return np.array([str(n) for n in range(20000)], dtype=object)


def _norm(weights: tuple[float, ...]) -> npt.NDArray[np.float64]:
    array = np.asarray(weights, dtype=np.float64)
    normalised: npt.NDArray[np.float64] = array / array.sum()
    return normalised


def draw_histories(rng: np.random.Generator, people: People, mix: HouseholdMix) -> Histories:
    size = len(people.role)
    # A household is a group, except that each tenant is a household of their own.
    tenant = people.kind == TENANTS
    first_of_group = np.arange(size) == people.head
    household = np.cumsum(first_of_group | tenant) - 1
    count = int(household[-1]) + 1
    founder = np.flatnonzero(first_of_group | tenant)
    founder_pop = people.population[founder]

    spells = rng.choice(4, size=count, p=_norm(SPELL_COUNT_WEIGHTS)) + 1
    keys = rng.random((count, LAST_YEAR - FIRST_YEAR))
    order = np.argsort(keys, axis=1)[:, :3]
    cuts = np.where(np.arange(3) < (spells - 1)[:, None], FIRST_YEAR + 1 + order, 9999)
    cuts.sort(axis=1)
    starts = np.column_stack([np.full(count, FIRST_YEAR), cuts])
    ends = np.minimum(np.column_stack([cuts - 1, np.full(count, 9999)]), LAST_YEAR)
    used = np.arange(4) < spells[:, None]
    spell_first, spell_last = starts[used], ends[used]
    spell_rank = np.broadcast_to(np.arange(4), used.shape)[used]
    spell_offset = np.cumsum(spells) - spells

    # People's own filing years.
    begin = np.clip(people.birth_year + 18 + rng.integers(0, 4, size), FIRST_YEAR, LAST_YEAR)
    # Late arrivals and people who stop filing live alone, so that every household's
    # members overlap in time at a shared address.
    alone = people.kind == SINGLE
    late = (rng.random(size) < 0.08) & (alone | tenant)
    begin[late] = np.maximum(begin[late], rng.integers(FIRST_YEAR + 1, LAST_YEAR + 1, late.sum()))
    # Twins start filing together, so they overlap at home even if both later move out.
    second_twin = np.flatnonzero((people.role == TWIN) & (np.arange(size) - people.head == 3))
    begin[second_twin] = begin[second_twin - 1]
    end = np.full(size, LAST_YEAR, dtype=np.int64)
    stops = (rng.random(size) < 0.04) & alone
    end[stops] = rng.integers(begin[stops], LAST_YEAR + 1)
    movers = np.flatnonzero(
        np.isin(people.role, (CHILD, JUNIOR, TWIN))
        & (rng.random(size) < mix.child_moves_out)
        & (begin < end)
    )
    move_year = rng.integers(begin[movers] + 1, end[movers] + 1)
    home_end = end.copy()
    home_end[movers] = move_year - 1

    # One address entry per household spell, then per mover, then per building.
    buildings = np.flatnonzero(first_of_group & tenant)
    city = np.concatenate(
        [
            _cities(rng, np.repeat(founder_pop, spells)),
            _cities(rng, people.population[movers]),
            _cities(rng, people.population[buildings]),
        ]
    )
    later = np.flatnonzero(spell_rank > 0)
    stay = later[rng.random(len(later)) < STAY_IN_CITY]
    for rank in (1, 2, 3):  # in rank order, so a stay copies an already final city
        moving = stay[spell_rank[stay] == rank]
        city[moving] = city[moving - 1]
    entries = _addresses(rng, city, len(buildings))
    mover_entry = len(spell_first) + np.arange(len(movers))
    building_entry = len(spell_first) + len(movers) + np.arange(len(buildings))
    _move_into_buildings(rng, people, household, spell_offset, spells, building_entry, entries)

    # Rows: each person's household spells clipped to their years, plus the mover's own.
    per_person = spells[household]
    person = np.repeat(np.arange(size), per_person)
    rank = np.arange(len(person)) - np.repeat(np.cumsum(per_person) - per_person, per_person)
    entry = spell_offset[household[person]] + rank
    first = np.maximum(spell_first[entry], begin[person])
    last = np.minimum(spell_last[entry], home_end[person])
    kept = first <= last
    person = np.concatenate([person[kept], movers])
    entry = np.concatenate([entry[kept], mover_entry])
    first = np.concatenate([first[kept], move_year])
    last = np.concatenate([last[kept], end[movers]])
    order = np.lexsort((first, person))
    person, entry, first, last = person[order], entry[order], first[order], last[order]
    city_index = entries.city[entry]
    return Histories(
        person=person,
        street=entries.street[entry],
        unit=entries.unit[entry],
        city=np.array(places().city, dtype=object)[city_index],
        state=np.array(places().state, dtype=object)[city_index],
        zip=entries.zip[entry],
        first_year=first,
        last_year=last,
        household=household,
        households=count,
    )


def _move_into_buildings(
    rng: np.random.Generator,
    people: People,
    household: Ints,
    spell_offset: Ints,
    spells: Ints,
    building_entry: Ints,
    entries: _Addresses,
) -> None:
    """Each tenant's last spell becomes their building, each in a different unit."""
    tenants = np.flatnonzero(people.role == TENANT)
    last_spell = spell_offset[household[tenants]] + spells[household[tenants]] - 1
    building_of_group = np.full(people.group.max() + 1, -1, dtype=np.int64)
    first_tenants = tenants[tenants == people.head[tenants]]
    building_of_group[people.group[first_tenants]] = building_entry
    source = building_of_group[people.group[tenants]]
    entries.street[last_spell] = entries.street[source]
    entries.city[last_spell] = entries.city[source]
    entries.zip[last_spell] = entries.zip[source]
    # Distinct units: tenant k of a building gets digit range [3k+1, 3k+3] on some floor.
    position = tenants - people.head[tenants]
    floor = rng.integers(1, 16, len(tenants))
    door = 3 * position + 1 + rng.integers(0, 3, len(tenants))
    letter = np.array(list(UNIT_LETTERS), dtype=object)[door - 1]
    ident = np.where(
        rng.random(len(tenants)) < 0.5,
        _number_text()[floor] + letter,
        _number_text()[floor * 100 + door],
    )
    entries.unit[last_spell] = _units(rng, len(tenants), ident)
