"""Places and address vocabulary for the synthetic master file.

``data/places.csv`` lists about 250 US cities with their state, a relative weight, the
populations that cluster there (so Nguyens concentrate in Westminster and Houston, Haitian
families in Miami and Brooklyn — namesakes are local) and a few real-looking ZIPs each.
The street vocabulary below is rendered the way people write it on a return: "Street",
"St", "ST" and "St." are all the same street type.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Final

# "_" joins the words of a multi-word street name so the list can be split on spaces.
_STREET_WORDS: Final = """
    Main Oak Maple Washington Park Elm Lake Hill Cedar Pine Walnut Sunset Lincoln Jackson Church
    Highland Meadow Forest River Spring Ridge Jefferson Madison Franklin Center Chestnut
    Willow Adams Union Broadway Mill Dogwood Magnolia Cherry Lakeview Hillcrest Valley Sycamore
    Birch Poplar Lee Spruce Grant Johnson Wilson Harrison Railroad Green School Market Bridge
    Water Front High Locust Holly Laurel Hickory Woodland Orchard Prospect Liberty Roosevelt
    Kennedy King Colonial Academy Cypress Palm Mesa Vista Rosewood Evergreen Lafayette Clinton
    Monroe Pleasant Fairview Greenwood Belmont Summit Canyon Aspen Juniper Heritage Commerce
    Garfield Marshall Hamilton Pearl Bay Shore Harbor Alameda Bonita Buena_Vista El_Camino_Real
    Las_Palmas Del_Mar Santa_Fe San_Pedro Mission Martin_Luther_King_Jr Cesar_Chavez Bolsa
    Brookhurst Magnolia_Park Beechwood Pinecrest Sherwood Kingston Fulton Flatbush Nostrand
    Ocean Atlantic Pacific Cortez Figueroa Vermont Western Normandie Wilshire Olympic Beverly
    Telegraph Dearborn Warren Schaefer Michigan Ford Greenfield"""
STREET_NAMES: Final[tuple[str, ...]] = tuple(w.replace("_", " ") for w in _STREET_WORDS.split())

# Street type -> how it appears on returns, most common first, with relative weights.
STREET_TYPES: Final[tuple[tuple[str, tuple[str, ...], tuple[float, ...]], ...]] = (
    ("Street", ("St", "Street", "ST", "St."), (6, 2, 2, 1)),
    ("Avenue", ("Ave", "Avenue", "AVE", "Av", "Ave."), (6, 2, 2, 0.5, 1)),
    ("Road", ("Rd", "Road", "RD"), (6, 2, 2)),
    ("Drive", ("Dr", "Drive", "DR"), (6, 2, 2)),
    ("Lane", ("Ln", "Lane", "LN"), (6, 2, 2)),
    ("Court", ("Ct", "Court", "CT"), (6, 2, 2)),
    ("Boulevard", ("Blvd", "Boulevard", "BLVD", "Blvd."), (6, 2, 2, 1)),
    ("Place", ("Pl", "Place", "PL"), (6, 2, 2)),
    ("Way", ("Way", "WAY"), (8, 2)),
    ("Circle", ("Cir", "Circle", "CIR"), (6, 2, 2)),
    ("Terrace", ("Ter", "Terrace", "TER"), (6, 2, 2)),
    ("Parkway", ("Pkwy", "Parkway", "PKWY"), (6, 2, 2)),
    ("Highway", ("Hwy", "Highway", "HWY"), (6, 2, 2)),
)
STREET_TYPE_WEIGHTS: Final[tuple[float, ...]] = (
    30, 20, 12, 14, 6, 5, 4, 2, 3, 2, 1, 0.7, 0.3,
)  # fmt: skip

# Directional prefixes as written ("" = none); most addresses have none.
DIRECTIONALS: Final[tuple[str, ...]] = ("", "N ", "S ", "E ", "W ", "North ", "NE ", "SW ")
DIRECTIONAL_WEIGHTS: Final[tuple[float, ...]] = (80, 4.5, 4.5, 4, 4, 1, 1, 1)

# Unit designators as filed; "Ste" (suite) is rare on an individual return.
UNIT_PREFIXES: Final[tuple[str, ...]] = ("Apt ", "APT ", "# ", "#", "Unit ", "Apt. ", "Ste ")
UNIT_PREFIX_WEIGHTS: Final[tuple[float, ...]] = (40, 15, 12, 8, 15, 8, 2)
UNIT_LETTERS: Final[str] = "ABCDEFGHJKLM"

PO_BOX_FORMS: Final[tuple[str, ...]] = ("PO Box ", "P.O. Box ", "PO BOX ", "POB ")


@dataclass(frozen=True)
class Places:
    """The city table as parallel columns; ``zips`` flattened with per-city offsets."""

    city: tuple[str, ...]
    state: tuple[str, ...]
    weight: tuple[float, ...]
    tags: tuple[frozenset[str], ...]
    zips: tuple[str, ...]
    zip_start: tuple[int, ...]
    zip_count: tuple[int, ...]


@cache
def places() -> Places:
    """The city table from ``data/places.csv``."""
    text = resources.files("taxgate.world").joinpath("data/places.csv").read_text("utf-8")
    city: list[str] = []
    state: list[str] = []
    weight: list[float] = []
    tags: list[frozenset[str]] = []
    zips: list[str] = []
    zip_start: list[int] = []
    zip_count: list[int] = []
    for row in csv.DictReader(io.StringIO(text)):
        city.append(row["city"])
        state.append(row["state"])
        weight.append(float(row["weight"]))
        tags.append(frozenset(t for t in row["tags"].split(";") if t))
        codes = row["zips"].split(";")
        zip_start.append(len(zips))
        zip_count.append(len(codes))
        zips.extend(codes)
    return Places(
        tuple(city),
        tuple(state),
        tuple(weight),
        tuple(tags),
        tuple(zips),
        tuple(zip_start),
        tuple(zip_count),
    )


# Population name (names.toml) -> its tag in places.csv, and how much more likely a family
# of that population lives in a tagged city than its weight alone says.
POPULATION_TAGS: Final[dict[str, str]] = {
    "hispanic": "hisp",
    "vietnamese": "vn",
    "korean": "kr",
    "chinese": "cn",
    "haitian": "ht",
    "filipino": "ph",
    "arabic": "ar",
}
CLUSTER_BOOST: Final[float] = 12.0
