"""Texts a synthetic request is made of: placeholder addresses, facilities, boilerplate.

Kept as data so a reader can check each against the court record it comes from, and so the
intake tests can be written against the same strings.
"""

from __future__ import annotations

from typing import Final

# Unusable "addresses" that passed the IRS's 2025 check. D.D.C. (Kollar-Kotelly), indicative
# ruling of 2026-02-26, as quoted in the press: "Failed to Provide", "Unknown Address",
# "NA NA", entries missing street names or numbers; "Don't Care 12345" or "00000" would have
# passed. Each row is (street, city, state, zip); an empty city/state/zip is left blank, a
# None keeps the taxpayer's own value, as ICE's records sometimes carried a real ZIP beside a
# placeholder street (the only check was that the ZIP field held 5 or 9 digits).
PLACEHOLDER_ADDRESSES: Final[tuple[tuple[str, str | None, str | None, str | None], ...]] = (
    ("Failed to Provide", "", "", ""),
    ("Failed to Provide", None, None, None),
    ("Unknown Address", "", "", ""),
    ("Unknown Address", None, None, None),
    ("NA NA", "", "", ""),
    ("NA NA", None, None, None),
    ("", "", "", "00000"),
    ("Don't Care 12345", "", "", ""),
)

# Detention facilities given as the "street" with only city, state and ZIP: "jails or
# detention facilities with no building location" (D.D.C., 2026-02-26). Public facility
# names and their towns; no street number is ever given.
DETENTION_FACILITIES: Final[tuple[tuple[str, str, str, str], ...]] = (
    ("Otay Mesa Detention Center", "San Diego", "CA", "92154"),
    ("Krome Service Processing Center", "Miami", "FL", "33194"),
    ("Stewart Detention Center", "Lumpkin", "GA", "31815"),
    ("Adelanto ICE Processing Center", "Adelanto", "CA", "92301"),
    ("South Texas ICE Processing Center", "Pearsall", "TX", "78061"),
    ("Northwest ICE Processing Center", "Tacoma", "WA", "98421"),
    ("Port Isabel Detention Center", "Los Fresnos", "TX", "78566"),
    ("Eloy Detention Center", "Eloy", "AZ", "85131"),
)

# The one reason text on every item of the 2025 ICE file. The MOU (2025-04-07, press) asked
# each request to state a specific reason; the courts found the reasons were not tied to
# specific investigations (D. Mass., 2026-02-05). Synthetic wording.
ICE_BOILERPLATE_REASON: Final = (
    "The individual is subject to a final order of removal and has not departed the "
    "United States; the address is relevant to an investigation of a violation of "
    "8 U.S.C. 1253(a)(1)."
)
# One investigation number for the whole file, and one assistant director named on every
# item: D.D.C. (2025-11-21) found it implausible that one assistant director was personally
# engaged in over a million investigations. Synthetic values.
ICE_BATCH_INVESTIGATION: Final = "ICE-ERO-2025-0806-0001"
ICE_BATCH_OFFICER: Final = "Assistant Director Dana Whitcombe"

# Specific, individual reason texts for requests that are written properly. ``{inv}`` and
# ``{case}`` are filled per item, so no two items share a reason.
CRIMINAL_REASON_TEMPLATES: Final[tuple[str, ...]] = (
    "Subject is the named payee of wire transfers traced in investigation {inv}; the "
    "address is needed to serve a grand jury subpoena.",
    "Subject is believed to have opened accounts used in the scheme under investigation "
    "{inv}; the address will be compared with the account-opening records.",
    "Subject signed the shipping documents examined in investigation {inv}; the address is "
    "needed to identify the premises for a search warrant application.",
    "Subject's name appears on invoices seized in investigation {inv}; the address is "
    "needed to confirm the subject's identity before an interview.",
    "Subject is a cooperating witness's named associate in investigation {inv}; the address "
    "is needed to locate the subject for service of a trial subpoena.",
)
REMOVAL_REASON_TEMPLATES: Final[tuple[str, ...]] = (
    "Subject was ordered removed in case {case} and failed to depart within 90 days; the "
    "address is needed to locate the subject for prosecution in investigation {inv}.",
    "Subject remains in the United States after the final removal order in case {case}; "
    "investigation {inv} seeks the subject's residence for an arrest warrant.",
    "Final removal order {case} is unexecuted; investigation {inv} needs the subject's "
    "current address to present the case for prosecution under 8 U.S.C. 1253(a)(1).",
)

# Officer titles for properly written requests, each followed by a synthetic name and a
# badge number so that no two officers share a name.
OFFICER_TITLES: Final[tuple[str, ...]] = ("Special Agent", "Senior Special Agent", "Agent")

# Formal given name -> nicknames, used when ``taxgate.world.names`` is not available.
FALLBACK_NICKNAMES: Final[dict[str, tuple[str, ...]]] = {
    "jose": ("Pepe", "Chepe"),
    "francisco": ("Paco", "Pancho", "Frank"),
    "guadalupe": ("Lupe", "Lupita"),
    "maria": ("Mari", "Mary"),
    "jesus": ("Chuy", "Chucho"),
    "ignacio": ("Nacho",),
    "alejandro": ("Alex", "Alejo"),
    "roberto": ("Beto", "Robert"),
    "eduardo": ("Lalo", "Eddie"),
    "enrique": ("Kike", "Henry"),
    "william": ("Bill", "Will", "Billy"),
    "robert": ("Bob", "Rob", "Bobby"),
    "richard": ("Rick", "Dick", "Rich"),
    "elizabeth": ("Liz", "Beth", "Betty"),
    "margaret": ("Peggy", "Maggie", "Meg"),
    "michael": ("Mike", "Mickey"),
    "james": ("Jim", "Jimmy"),
    "john": ("Jack", "Johnny"),
    "katherine": ("Kate", "Kathy", "Katie"),
    "thomas": ("Tom", "Tommy"),
    "joseph": ("Joe", "Joey"),
    "patricia": ("Pat", "Patty", "Trish"),
    "christopher": ("Chris",),
    "jennifer": ("Jen", "Jenny"),
    "daniel": ("Dan", "Danny"),
    "anthony": ("Tony",),
    "rebecca": ("Becky",),
    "samuel": ("Sam",),
    "rafael": ("Rafa",),
}

# Extra surnames for people who are not in the master file, so that some requested names
# have no namesake at all. Invented forms, not taken from any list of real people.
ABSENT_SURNAMES: Final[tuple[str, ...]] = (
    "Valdorra",
    "Quintanez",
    "Marchenko-Ruiz",
    "Oyelaran",
    "Tavoletti",
    "Brezhnova",
    "Hallowick",
    "Ixtlapan",
    "Duvranne",
    "Okonkwe",
    "Salcedano",
    "Pereyrosa",
    "Nakashimo",
    "Castellvi",
    "Ferrandiz",
    "Yeboahn",
)

# Synthetic officer name parts (combined with a badge number).
OFFICER_GIVEN: Final[tuple[str, ...]] = (
    "Avery",
    "Blake",
    "Casey",
    "Devon",
    "Emery",
    "Finley",
    "Harper",
    "Jordan",
    "Kendall",
    "Logan",
    "Morgan",
    "Parker",
    "Quinn",
    "Reese",
    "Rowan",
    "Sawyer",
)
OFFICER_SURNAMES: Final[tuple[str, ...]] = (
    "Ashdown",
    "Brightwell",
    "Colebrook",
    "Dunmore",
    "Ellery",
    "Fairholm",
    "Garrow",
    "Hollins",
    "Ivesdale",
    "Kettering",
    "Lockwood",
    "Merriman",
    "Northcott",
    "Oakhurst",
    "Penhale",
    "Rutherby",
)
