"""Name populations, nicknames and spelling variants for the synthetic master file.

The populations (US-English, Hispanic, Vietnamese, Korean, Chinese, Haitian, Filipino,
Arabic) live in ``data/names.toml`` with their weights and naming conventions; this module
loads them once into typed values. ``NICKNAMES`` and ``spelling_variants`` are shared with
the request generator, which writes a request the way the requester knows the person
(Bill for William, Paco for Francisco, Alhassan for Al-Hassan).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Final

from unidecode import unidecode

from taxgate.errors import ConfigError

# Formal given name -> the nicknames and diminutives people are known by.
_FORMAL_NICKNAMES: Final[dict[str, tuple[str, ...]]] = {
    # US-English
    "William": ("Bill", "Will", "Billy", "Willie", "Liam"),
    "Robert": ("Bob", "Rob", "Bobby", "Robbie", "Bert"),
    "Richard": ("Rick", "Rich", "Dick", "Ricky"),
    "James": ("Jim", "Jimmy", "Jamie"),
    "John": ("Jack", "Johnny"),
    "Michael": ("Mike", "Mikey", "Mick"),
    "David": ("Dave", "Davey"),
    "Joseph": ("Joe", "Joey"),
    "Thomas": ("Tom", "Tommy"),
    "Christopher": ("Chris", "Topher"),
    "Charles": ("Charlie", "Chuck", "Chaz"),
    "Daniel": ("Dan", "Danny"),
    "Matthew": ("Matt",),
    "Anthony": ("Tony",),
    "Donald": ("Don", "Donnie"),
    "Steven": ("Steve",),
    "Stephen": ("Steve",),
    "Andrew": ("Andy", "Drew"),
    "Joshua": ("Josh",),
    "Kenneth": ("Ken", "Kenny"),
    "Timothy": ("Tim", "Timmy"),
    "Ronald": ("Ron", "Ronnie"),
    "Edward": ("Ed", "Eddie", "Ted", "Ned"),
    "Jeffrey": ("Jeff",),
    "Nicholas": ("Nick", "Nicky"),
    "Gregory": ("Greg",),
    "Alexander": ("Alex", "Xander", "Sandy"),
    "Patrick": ("Pat", "Paddy"),
    "Raymond": ("Ray",),
    "Gerald": ("Jerry", "Gerry"),
    "Lawrence": ("Larry",),
    "Samuel": ("Sam", "Sammy"),
    "Benjamin": ("Ben", "Benny"),
    "Jonathan": ("Jon",),
    "Zachary": ("Zach", "Zack"),
    "Peter": ("Pete",),
    "Douglas": ("Doug",),
    "Frederick": ("Fred", "Freddie"),
    "Albert": ("Al", "Bert"),
    "Walter": ("Walt",),
    "Eugene": ("Gene",),
    "Philip": ("Phil",),
    "Phillip": ("Phil",),
    "Theodore": ("Ted", "Teddy", "Theo"),
    "Vincent": ("Vince", "Vinny"),
    "Henry": ("Hank", "Harry"),
    "Harold": ("Harry", "Hal"),
    "Arthur": ("Art",),
    "Bradley": ("Brad",),
    "Nathan": ("Nate",),
    "Jacob": ("Jake",),
    "Terrence": ("Terry",),
    "Russell": ("Russ",),
    "Randall": ("Randy",),
    "Elizabeth": ("Liz", "Beth", "Betty", "Lizzie", "Eliza"),
    "Margaret": ("Maggie", "Peggy", "Meg", "Marge"),
    "Patricia": ("Pat", "Patty", "Trish"),
    "Jennifer": ("Jen", "Jenny"),
    "Katherine": ("Kate", "Katie", "Kathy", "Kat"),
    "Kathleen": ("Kathy", "Kate"),
    "Catherine": ("Cathy", "Kate"),
    "Susan": ("Sue", "Susie"),
    "Deborah": ("Debbie", "Deb"),
    "Debra": ("Debbie", "Deb"),
    "Rebecca": ("Becky", "Becca"),
    "Jessica": ("Jess", "Jessie"),
    "Kimberly": ("Kim",),
    "Christine": ("Chris", "Chrissy"),
    "Christina": ("Tina", "Chris"),
    "Samantha": ("Sam",),
    "Victoria": ("Vicky", "Tori"),
    "Barbara": ("Barb", "Babs"),
    "Dorothy": ("Dot", "Dottie"),
    "Pamela": ("Pam",),
    "Cynthia": ("Cindy",),
    "Amanda": ("Mandy",),
    "Stephanie": ("Steph",),
    "Abigail": ("Abby",),
    "Alexandra": ("Alex", "Lexi"),
    "Judith": ("Judy",),
    "Theresa": ("Terry", "Tess"),
    "Teresa": ("Terry", "Tere"),
    "Frances": ("Fran", "Frannie"),
    "Jacqueline": ("Jackie",),
    "Sandra": ("Sandy",),
    "Virginia": ("Ginny",),
    "Natalie": ("Nat",),
    # Hispanic
    "José": ("Pepe", "Chepe", "Joe"),
    "Francisco": ("Paco", "Pancho", "Frank", "Cisco"),
    "Guadalupe": ("Lupe", "Lupita"),
    "Jesús": ("Chuy", "Chucho"),
    "Ignacio": ("Nacho",),
    "Alejandro": ("Alex", "Alejo"),
    "Manuel": ("Manny", "Manolo"),
    "Eduardo": ("Lalo", "Eddie"),
    "Roberto": ("Beto", "Bob"),
    "Alberto": ("Beto",),
    "Enrique": ("Quique", "Kike"),
    "Ramón": ("Moncho",),
    "Antonio": ("Toño", "Tony"),
    "Rafael": ("Rafa", "Ralph"),
    "Guillermo": ("Memo", "Willy"),
    "Alfredo": ("Freddy",),
    "Fernando": ("Nando",),
    "Concepción": ("Concha", "Conchita"),
    "Dolores": ("Lola",),
    "Graciela": ("Chela",),
    "Consuelo": ("Chelo",),
    "Rosario": ("Chayo", "Charo"),
    "Refugio": ("Cuca", "Cuco"),
    "Socorro": ("Coco",),
    "Mercedes": ("Meche",),
    "Margarita": ("Maggie",),
    "María": ("Mary",),
    "Gabriela": ("Gaby",),
    "Daniela": ("Dani",),
    # Filipino
    "Ma. Cristina": ("Tina", "Cristina"),
    "Ferdinand": ("Ferdie",),
    "Reynaldo": ("Rey", "Jun"),
    "Romeo": ("Romy",),
    "Teresita": ("Tess",),
    "Corazon": ("Cory",),
    "Emmanuel": ("Manny",),
    # Arabic
    "Mohammed": ("Mo", "Moe", "Hamoudi"),
    "Muhammad": ("Mo", "Moe"),
    "Ibrahim": ("Abe",),
    "Youssef": ("Joe",),
    "Abdullah": ("Abdul",),
    # Haitian
    "Jean Claude": ("JC",),
    "Marie Carmel": ("Carmel",),
    "Jean Robert": ("Robert",),
}

# Most filers drop accents, so "Jose" is listed beside "José".
NICKNAMES: Final[dict[str, tuple[str, ...]]] = {
    **_FORMAL_NICKNAMES,
    **{
        unidecode(k): v
        for k, v in _FORMAL_NICKNAMES.items()
        if unidecode(k) not in _FORMAL_NICKNAMES
    },
}

# Spellings that the same person, or two people with "the same" name, file under.
_EXPLICIT_VARIANTS: Final[dict[str, tuple[str, ...]]] = {
    "Mohammed": ("Muhammad", "Mohamed", "Mohammad", "Mohamad", "Muhammed"),
    "Muhammad": ("Mohammed", "Mohamed", "Mohammad"),
    "Mohamed": ("Mohammed", "Muhammad", "Mohamad"),
    "Mohammad": ("Mohammed", "Muhammad", "Mohamad"),
    "Ahmed": ("Ahmad",),
    "Ahmad": ("Ahmed",),
    "Youssef": ("Yousef", "Yusuf"),
    "Yousef": ("Youssef", "Yusuf"),
    "Hussein": ("Husain", "Hussain"),
    "Khalid": ("Khaled",),
    "El Sayed": ("El-Sayed", "Elsayed", "Sayed"),
    "Dela Cruz": ("De La Cruz", "Delacruz", "dela Cruz"),
    "de la Cruz": ("De La Cruz", "Dela Cruz", "Delacruz"),
    "Dela Rosa": ("De La Rosa", "Delarosa"),
    "Del Rosario": ("Delrosario", "del Rosario"),
    "Delos Reyes": ("De Los Reyes", "Delosreyes"),
    "Delos Santos": ("De Los Santos", "Delossantos"),
    "de los Santos": ("De Los Santos", "Delos Santos", "Delossantos"),
    "del Río": ("Del Rio", "Delrio"),
    "de León": ("De Leon", "DeLeon", "Deleon"),
    "De Leon": ("DeLeon", "Deleon", "de Leon"),
    "de Jesús": ("De Jesus", "Dejesus"),
    "Lee": ("Yi", "Rhee", "Li"),
    "Park": ("Pak", "Bak"),
    "Choi": ("Choe", "Chey"),
    "Jung": ("Chung", "Jeong"),
    "Kang": ("Gang",),
    "Cho": ("Jo",),
    "Yoon": ("Yun",),
    "Lim": ("Im", "Rim"),
    "Steven": ("Stephen",),
    "Stephen": ("Steven",),
    "Catherine": ("Katherine", "Kathryn"),
    "Katherine": ("Catherine", "Kathryn"),
    "Jeffrey": ("Geoffrey", "Jeffery"),
    "Sarah": ("Sara",),
    "Sara": ("Sarah",),
    "Ann": ("Anne",),
    "Bryan": ("Brian",),
    "Brian": ("Bryan",),
    "Leila": ("Layla", "Laila"),
    "Layla": ("Leila", "Laila"),
    "Mariam": ("Maryam", "Miriam"),
    "Maryam": ("Mariam",),
}


def _fold(name: str) -> str:
    return unidecode(name).casefold()


@cache
def _folded_nicknames() -> dict[str, tuple[str, ...]]:
    return {_fold(formal): nicks for formal, nicks in NICKNAMES.items()}


def nicknames_for(given_name: str) -> tuple[str, ...]:
    """Nicknames of ``given_name``, ignoring accents and case (``Jose`` finds ``José``'s)."""
    return NICKNAMES.get(given_name) or _folded_nicknames().get(_fold(given_name), ())


def spelling_variants(name: str) -> tuple[str, ...]:
    """Other ways the same name is filed: listed variants, accents dropped, hyphens and
    Arabic article forms (``Al-Hassan`` -> ``Alhassan``, ``Al Hassan``, ``Hassan``)."""
    found: list[str] = list(_EXPLICIT_VARIANTS.get(name, ()))
    ascii_form = unidecode(name)
    if ascii_form != name:
        found.append(ascii_form)
    for article in ("Al-", "El-"):
        if name.startswith(article) and len(name) > len(article):
            rest = name[len(article) :]
            found += [article[:2] + rest.lower(), f"{article[:2]} {rest}", rest]
    if "-" in name and not name.startswith(("Al-", "El-")):
        first, _, rest = name.partition("-")
        found += [f"{first} {rest}", first + rest.lower()]
    elif " " in name:
        first, _, rest = name.partition(" ")
        found.append(f"{first}-{rest}")
    unique = dict.fromkeys(v for v in found if v and v != name)
    return tuple(unique)


# Twins whose parents gave them near-identical names; the hardest namesakes of all.
TWIN_NAME_PAIRS: Final[tuple[tuple[str, str], ...]] = (
    ("Daniel", "Danielle"),
    ("Jose", "Josue"),
    ("Mario", "Maria"),
    ("Kevin", "Kelvin"),
    ("Jayden", "Jaylen"),
    ("Brian", "Bryan"),
    ("Christian", "Christina"),
    ("Adrian", "Adriana"),
    ("Eric", "Erica"),
    ("Juan Carlos", "Juan Pablo"),
    ("Marie Carmel", "Marie Claude"),
    ("Min-jun", "Min-ho"),
    ("Ryan", "Bryan"),
    ("Aaron", "Erin"),
)


@dataclass(frozen=True)
class Population:
    """One naming population: its share of filers, its name lists and its conventions.

    Lists are ordered by frequency; ``*_weights`` are their relative frequencies.
    """

    name: str
    weight: float
    accent_keep: float  # share of filers who keep the accents of their name
    surnames: tuple[str, ...]
    surname_weights: tuple[float, ...]
    male: tuple[str, ...]
    female: tuple[str, ...]
    male_weights: tuple[float, ...]
    female_weights: tuple[float, ...]
    middle_share: float
    middle_initial_share: float  # of those with a middle name, share filing the initial only
    middle_male: tuple[str, ...]  # empty: middle names are given names (or surnames)
    middle_male_weights: tuple[float, ...]
    middle_female: tuple[str, ...]
    middle_female_weights: tuple[float, ...]
    middle_from_surnames: bool  # Filipino: the middle name is the mother's maiden surname
    middle_from_fathers: bool  # Arabic: the middle name is the father's given name
    spouse_keeps_surname: float
    native_given_share: float  # the rest carry a US-English given name
    surname_variant_share: float
    itin_affinity: float  # in [-1, 1]: how much more often than average this group files an ITIN
    compound_surnames: bool  # Hispanic: paternal and maternal surname


def _words(text: str) -> tuple[str, ...]:
    # In the data file a name with a space is written with "_" so lists stay one per word.
    return tuple(word.replace("_", " ") for word in text.split())


def _zipf(count: int, exponent: float, offset: float) -> tuple[float, ...]:
    return tuple(1.0 / (rank + offset) ** exponent for rank in range(1, count + 1))


def _weights(
    raw: dict[str, Any], key: str, names: tuple[str, ...], zipf_key: str
) -> tuple[float, ...]:
    if f"{key}_weights" in raw:
        weights = tuple(float(w) for w in raw[f"{key}_weights"])
        if len(weights) != len(names):
            raise ConfigError(f"names.toml: {key}_weights has {len(weights)} of {len(names)}")
        return weights
    exponent, offset = raw.get(zipf_key, [1.0, 3.0])
    return _zipf(len(names), float(exponent), float(offset))


def _population(name: str, raw: dict[str, Any]) -> Population:
    surnames, male, female = _words(raw["surnames"]), _words(raw["male"]), _words(raw["female"])
    middle_male, middle_female = (
        _words(raw.get("middle_male", "")),
        _words(raw.get("middle_female", "")),
    )
    return Population(
        name=name,
        weight=float(raw["weight"]),
        accent_keep=float(raw["accent_keep"]),
        surnames=surnames,
        surname_weights=_weights(raw, "surname", surnames, "surname_zipf"),
        male=male,
        female=female,
        male_weights=_weights(raw, "male", male, "given_zipf"),
        female_weights=_weights(raw, "female", female, "given_zipf"),
        middle_share=float(raw["middle_share"]),
        middle_initial_share=float(raw["middle_initial_share"]),
        middle_male=middle_male,
        middle_male_weights=_weights(raw, "middle_male", middle_male, "given_zipf"),
        middle_female=middle_female,
        middle_female_weights=_weights(raw, "middle_female", middle_female, "given_zipf"),
        middle_from_surnames=bool(raw.get("middle_from_surnames", False)),
        middle_from_fathers=bool(raw.get("middle_from_fathers", False)),
        spouse_keeps_surname=float(raw["spouse_keeps_surname"]),
        native_given_share=float(raw["native_given_share"]),
        surname_variant_share=float(raw["surname_variant_share"]),
        itin_affinity=float(raw["itin_affinity"]),
        compound_surnames=bool(raw.get("compound_surnames", False)),
    )


@cache
def populations() -> tuple[Population, ...]:
    """Every population, in the order of ``data/names.toml`` (US-English first)."""
    text = resources.files("taxgate.world").joinpath("data/names.toml").read_text("utf-8")
    return tuple(_population(name, raw) for name, raw in tomllib.loads(text).items())
