"""One chunk of synthetic people: households, names as filed, dates of birth.

Everything is drawn with vectorised numpy choices over a whole chunk; Python-level loops
touch only the small subsets that file a nickname, a variant spelling or an accent-free
form. A household never spans chunks: the last household of a chunk is cut to fit.

Household groups (``HouseholdMix`` gives the shares of each kind drawn):
single; couple (spouses, shared surname or not); family (a couple and 1-3 adult children
at their address); junior/senior (father and son with the same given, middle and surname,
with or without the mother); twins (a couple and adult twins with the same date of birth);
tenants (2-4 unrelated single people with the same surname in one apartment building, each
their own household).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Final

import numpy as np
import numpy.typing as npt
from unidecode import unidecode

from taxgate.world.draws import Bools, Ints, Strs, pick, population_weights, vocabularies
from taxgate.world.names import TWIN_NAME_PAIRS, nicknames_for, populations, spelling_variants

# Group kinds and the role of each position in a group of that kind.
SINGLE, COUPLE, FAMILY, JUNIOR_SENIOR, TWINS, TENANTS = range(6)
HEAD, SPOUSE, CHILD, SENIOR, JUNIOR, TWIN, TENANT = range(7)
ROLE_NAMES: Final[tuple[str, ...]] = (
    "head",
    "spouse",
    "child",
    "senior",
    "junior",
    "twin",
    "tenant",
)
_LAYOUT: Final = np.array(
    [
        [HEAD, HEAD, HEAD, HEAD, HEAD],
        [HEAD, SPOUSE, SPOUSE, SPOUSE, SPOUSE],
        [HEAD, SPOUSE, CHILD, CHILD, CHILD],
        [SENIOR, JUNIOR, SPOUSE, SPOUSE, SPOUSE],
        [HEAD, SPOUSE, TWIN, TWIN, TWIN],
        [TENANT, TENANT, TENANT, TENANT, TENANT],
    ],
    dtype=np.int64,
)
REFERENCE_YEAR: Final = 2024


@dataclass(frozen=True)
class HouseholdMix:
    """Shares of household groups drawn, with documented defaults.

    With the defaults about 31% of people live in a multi-person household (couple,
    family, junior/senior, twins); tenants live alone but share a building and a surname.
    """

    single: float = 0.84
    couple: float = 0.075
    family: float = 0.05
    junior_senior: float = 0.012
    twins: float = 0.006
    tenants: float = 0.017
    child_moves_out: float = 0.2  # adult children (and juniors, twins) who moved out
    missing_dob: float = 0.03
    protected: float = 0.001
    nickname_filer: float = 0.02  # file under a nickname ("Bill Smith")
    given_variant_filer: float = 0.01  # file a variant spelling of the given name
    uppercase_filer: float = 0.04

    def kind_weights(self) -> npt.NDArray[np.float64]:
        shares = [self.single, self.couple, self.family, self.junior_senior, self.twins]
        weights = np.array([*shares, self.tenants], dtype=np.float64)
        normalised: npt.NDArray[np.float64] = weights / weights.sum()
        return normalised


@dataclass
class People:
    """A chunk of people, one entry per taxpayer, in output order."""

    group: Ints  # index of the household group within the chunk
    kind: Ints  # kind of that group
    role: Ints
    head: Ints  # index of the group's first person
    population: Ints
    birth_year: Ints
    dob_days: Ints  # days since 1970-01-01
    dob_missing: Bools
    given: Strs
    middle: Strs
    surname: Strs
    suffix: Strs
    protected: Bools


def draw_groups(rng: np.random.Generator, size: int, mix: HouseholdMix) -> tuple[Ints, Ints]:
    """Kinds and sizes of household groups holding exactly ``size`` people."""
    kinds = rng.choice(6, size=size, p=mix.kind_weights()).astype(np.int64)
    extra = rng.choice(3, size=size, p=[0.6, 0.3, 0.1]).astype(np.int64)
    sizes = np.ones(size, dtype=np.int64)
    sizes[kinds == COUPLE] = 2
    sizes[kinds == FAMILY] = 3 + extra[kinds == FAMILY]
    sizes[kinds == JUNIOR_SENIOR] = 2 + (extra[kinds == JUNIOR_SENIOR] > 0)
    sizes[kinds == TWINS] = 4
    sizes[kinds == TENANTS] = 2 + extra[kinds == TENANTS]
    ends = np.cumsum(sizes)
    count = int(np.searchsorted(ends, size)) + 1
    kinds, sizes = kinds[:count], sizes[:count]
    sizes[-1] -= int(ends[count - 1]) - size
    return kinds, sizes


def draw_people(rng: np.random.Generator, size: int, mix: HouseholdMix) -> People:
    kinds, sizes = draw_groups(rng, size, mix)
    group = np.repeat(np.arange(len(kinds)), sizes)
    starts = np.cumsum(sizes) - sizes
    head = starts[group]
    position = np.arange(size) - head
    kind = kinds[group]
    role = _LAYOUT[kind, np.minimum(position, 4)]
    # The spouse is the mother of the group's children; juniors' mothers sit at position 2.
    spouse_pos = np.where(kind == JUNIOR_SENIOR, 2, 1)
    has_spouse = spouse_pos < sizes[group]
    spouse = np.where(has_spouse, head + spouse_pos, -1)

    group_pop = rng.choice(len(populations()), size=len(kinds), p=population_weights())
    population = group_pop[group].astype(np.int64)
    mixed = (role == SPOUSE) & (rng.random(size) < 0.15)
    population[mixed] = rng.choice(
        len(populations()), size=int(mixed.sum()), p=population_weights()
    )

    male = _draw_sex(rng, role, kind, head)
    birth_year, dob_days = _draw_dates(rng, role, kind, head, position)
    given, middle = _draw_given(rng, population, male)
    surname = _draw_surnames(rng, population, role, kind, head, spouse, group)
    people = People(
        group=group,
        kind=kind,
        role=role,
        head=head,
        population=population,
        birth_year=birth_year,
        dob_days=dob_days,
        dob_missing=rng.random(size) < mix.missing_dob,
        given=given,
        middle=middle,
        surname=surname,
        suffix=np.full(size, None, dtype=object),
        protected=rng.random(size) < mix.protected,
    )
    _family_middle_names(people, spouse, male)
    _file_as_written(rng, people, mix)
    # Tenants of one building file the very same surname; that is what makes them confusers.
    tenants = np.flatnonzero(role == TENANT)
    people.surname[tenants] = people.surname[head[tenants]]
    _twins(rng, people, position)
    _juniors(rng, people)
    return people


def _draw_sex(rng: np.random.Generator, role: Ints, kind: Ints, head: Ints) -> Bools:
    male = rng.random(len(role)) < 0.5
    couple_head = (role == HEAD) & np.isin(kind, (COUPLE, FAMILY, TWINS))
    male[couple_head] = rng.random(int(couple_head.sum())) < 0.97
    male[(role == SENIOR) | (role == JUNIOR)] = True
    spouse = role == SPOUSE
    opposite = rng.random(int(spouse.sum())) < 0.97
    male[spouse] = np.where(opposite, ~male[head[spouse]], male[head[spouse]])
    return male


def _draw_dates(
    rng: np.random.Generator, role: Ints, kind: Ints, head: Ints, position: Ints
) -> tuple[Ints, Ints]:
    size = len(role)
    age = 18 + np.floor(72 * rng.beta(1.4, 2.0, size)).astype(np.int64)
    parent = np.isin(kind, (FAMILY, JUNIOR_SENIOR, TWINS)) & (position == 0)
    age[parent] = rng.integers(42, 86, int(parent.sum()))
    spouse = role == SPOUSE
    gap = np.rint(rng.normal(-2, 4, int(spouse.sum()))).astype(np.int64)
    age[spouse] = np.clip(age[head[spouse]] + gap, 18, 95)
    child = np.isin(role, (CHILD, JUNIOR, TWIN))
    age[child] = np.maximum(age[head[child]] - rng.integers(20, 36, int(child.sum())), 18)
    birth_year = REFERENCE_YEAR - age
    year_start = (birth_year - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    dob_days = year_start.astype(np.int64) + rng.integers(0, 365, size)
    second_twin = (role == TWIN) & (position == 3)
    dob_days[second_twin] = dob_days[np.flatnonzero(second_twin) - 1]
    return birth_year.astype(np.int64), dob_days


def _draw_given(rng: np.random.Generator, population: Ints, male: Bools) -> tuple[Strs, Strs]:
    size = len(population)
    given = np.empty(size, dtype=object)
    middle = np.full(size, None, dtype=object)
    english = vocabularies()[0]
    for index, vocab in enumerate(vocabularies()):
        pop = vocab.population
        for sex_male in (True, False):
            members = np.flatnonzero((population == index) & (male == sex_male))
            count = len(members)
            if not count:
                continue
            native_table = vocab.male if sex_male else vocab.female
            middle_table = vocab.middle_male if sex_male else vocab.middle_female
            native = rng.random(count) < pop.native_given_share
            names = pick(rng, native_table, count)
            anglo = pick(rng, english.male if sex_male else english.female, count)
            given[members] = np.where(native, names, anglo)
            if pop.middle_from_surnames:
                middles = pick(rng, vocab.surnames, count)
            elif pop.middle_from_fathers:
                middles = pick(rng, vocab.male, count)
            else:
                middles = pick(rng, middle_table, count)
            has_middle = rng.random(count) < pop.middle_share
            # An English given name usually keeps the native name as the middle name.
            has_middle |= ~native & (rng.random(count) < 0.6)
            middles = np.where(~native, names, middles)
            middle[members[has_middle]] = middles[has_middle]
            initial = has_middle & (rng.random(count) < pop.middle_initial_share)
            middle[members[initial]] = [m[:1] for m in middle[members[initial]]]
    return given, middle


def _draw_surnames(
    rng: np.random.Generator,
    population: Ints,
    role: Ints,
    kind: Ints,
    head: Ints,
    spouse: Ints,
    group: Ints,
) -> Strs:
    size = len(population)
    paternal = np.empty(size, dtype=object)
    maternal = np.empty(size, dtype=object)
    for index, vocab in enumerate(vocabularies()):
        members = np.flatnonzero(population == index)
        paternal[members] = pick(rng, vocab.surnames, len(members))
        maternal[members] = pick(rng, vocab.surnames, len(members))
    # Tenants of one building share the surname drawn for its first tenant.
    family = np.isin(role, (CHILD, JUNIOR, TWIN, TENANT))
    paternal[family] = paternal[head[family]]
    with_mother = family & (spouse >= 0) & (role != TENANT)
    maternal[with_mother] = paternal[spouse[with_mother]]

    filed = paternal.copy()
    compound = np.array([pop.compound_surnames for pop in populations()])[population]
    form = rng.choice(3, size=size, p=[0.5, 0.35, 0.15])
    form[kind == JUNIOR_SENIOR] = 0
    both = compound & (form == 1)
    filed[both] = paternal[both] + " " + maternal[both]
    hyphen = compound & (form == 2)
    filed[hyphen] = paternal[hyphen] + "-" + maternal[hyphen]

    spouses = np.flatnonzero(role == SPOUSE)
    keeps = np.array([pop.spouse_keeps_surname for pop in populations()])[population[spouses]]
    takes = spouses[rng.random(len(spouses)) >= keeps]
    husband = paternal[head[takes]]
    double = rng.random(len(takes)) < 0.08
    filed[takes] = np.where(double, paternal[takes] + "-" + husband, husband)
    return filed


def _family_middle_names(people: People, spouse: Ints, male: Bools) -> None:
    """Filipino children carry the mother's surname as middle name; Arabic children the
    father's given name — so siblings share a middle name, as in life."""
    kids = np.isin(people.role, (CHILD, TWIN)) & (people.middle != None)  # noqa: E711
    by_pop = {pop.name: i for i, pop in enumerate(populations())}
    filipino = kids & (people.population == by_pop["filipino"]) & (spouse >= 0)
    people.middle[filipino] = people.surname[spouse[filipino]]
    arabic = kids & (people.population == by_pop["arabic"]) & male[people.head]
    people.middle[arabic] = people.given[people.head[arabic]]


@cache
def _fold(name: str) -> str:
    return unidecode(name)


def _file_as_written(rng: np.random.Generator, people: People, mix: HouseholdMix) -> None:
    """Nicknames, variant spellings, dropped accents and capitals, as people file them."""
    size = len(people.given)
    nick = np.flatnonzero(rng.random(size) < mix.nickname_filer)
    people.given[nick] = [_one_of(rng, nicknames_for(g), g) for g in people.given[nick]]
    variant = np.flatnonzero(rng.random(size) < mix.given_variant_filer)
    people.given[variant] = [_one_of(rng, spelling_variants(g), g) for g in people.given[variant]]
    share = np.array([pop.surname_variant_share for pop in populations()])[people.population]
    variant = np.flatnonzero(rng.random(size) < share)
    people.surname[variant] = [
        _one_of(rng, spelling_variants(s), s) for s in people.surname[variant]
    ]

    keep = np.array([pop.accent_keep for pop in populations()])[people.population]
    folded = np.flatnonzero(rng.random(size) >= keep)
    for column in (people.given, people.middle, people.surname):
        column[folded] = [None if v is None else _fold(v) for v in column[folded]]

    # Compound given names ("Marie Carmel", "José Luis") are split or hyphenated by some.
    spaced = np.flatnonzero([" " in g for g in people.given])
    how = rng.random(len(spaced))
    split = spaced[(how < 0.35) & (people.middle[spaced] == None)]  # noqa: E711
    parts = [g.split(" ", 1) for g in people.given[split]]
    people.given[split] = [p[0] for p in parts]
    people.middle[split] = [p[1] for p in parts]
    hyphen = spaced[how > 0.9]
    people.given[hyphen] = [g.replace(" ", "-") for g in people.given[hyphen]]

    upper = np.flatnonzero(rng.random(size) < mix.uppercase_filer)
    for column in (people.given, people.middle, people.surname):
        column[upper] = [None if v is None else v.upper() for v in column[upper]]


def _one_of(rng: np.random.Generator, options: tuple[str, ...], default: str) -> str:
    return options[int(rng.integers(len(options)))] if options else default


def _twins(rng: np.random.Generator, people: People, position: Ints) -> None:
    """Twins have different given names, sometimes near-identical ones."""
    second = np.flatnonzero((people.role == TWIN) & (position == 3))
    first = second - 1
    same = np.array(
        [
            a.casefold() == b.casefold()
            for a, b in zip(people.given[first], people.given[second], strict=True)
        ],
        dtype=bool,
    )
    paired = same | (rng.random(len(second)) < 0.3)
    pairs = rng.integers(len(TWIN_NAME_PAIRS), size=len(second))
    for a, b, pair in zip(first[paired], second[paired], pairs[paired], strict=True):
        people.given[a], people.given[b] = TWIN_NAME_PAIRS[pair]
    people.surname[second] = people.surname[first]


def _juniors(rng: np.random.Generator, people: People) -> None:
    """A junior files his father's given, middle and surname; the suffix is written many
    ways and the father often files none. A few others are a Jr or III of someone absent."""
    junior = np.flatnonzero(people.role == JUNIOR)
    father = people.head[junior]
    for column in (people.given, people.middle, people.surname):
        column[junior] = column[father]
    people.suffix[junior] = rng.choice(
        np.array(["Jr", "Jr.", "JR", "II", None], dtype=object),
        size=len(junior),
        p=[0.4, 0.3, 0.18, 0.06, 0.06],
    )
    senior = np.flatnonzero(people.role == SENIOR)
    people.suffix[senior] = rng.choice(
        np.array(["Sr", "Sr.", "SR", None], dtype=object),
        size=len(senior),
        p=[0.25, 0.15, 0.1, 0.5],
    )
    other = np.flatnonzero(
        ~np.isin(people.role, (JUNIOR, SENIOR)) & (rng.random(len(people.role)) < 0.006)
    )
    people.suffix[other] = rng.choice(
        np.array(["Jr", "Jr.", "III", "II"], dtype=object), size=len(other)
    )
