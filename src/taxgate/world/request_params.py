"""What a synthetic request looks like: one frozen ``RequestParams`` per kind.

Shares are fractions of the whole request unless the field says otherwise. A share that needs
something the person lacks (a transposed date of birth needs a date of birth, an older address
needs an address history) applies only where it can, so the realised share may be lower.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from taxgate.errors import InputError, OptionError
from taxgate.world.request_data import ICE_BATCH_INVESTIGATION, ICE_BATCH_OFFICER

ReasonStyle = Literal["boilerplate", "criminal", "removal"]
KINDS: tuple[str, ...] = ("ice-2025", "clean-criminal", "mixed")

# Order of the unusable-address forms in ``RequestParams.unusable_weights``.
UNUSABLE_FORMS: tuple[str, ...] = (
    "placeholder-address",
    "zip-only",
    "facility-address",
    "no-street-number",
    "po-box",
)
# Order of the corruption kinds in ``RequestParams.corruption_weights`` (request_corrupt.py).
CORRUPTIONS: tuple[str, ...] = (
    "keystroke",
    "ocr",
    "phonetic",
    "swapped-names",
    "dob-day-month",
    "dob-digit",
    "merged-street",
    "split-street",
    "missing-value",
)
# Order of the household confusers in ``RequestParams.confuser_weights``.
CONFUSERS: tuple[str, ...] = (
    "confuser-father",
    "confuser-son",
    "confuser-neighbour",
    "confuser-twin",
)


@dataclass(frozen=True)
class RequestParams:
    """How to build one request. Defaults reproduce the 2025 ICE file (law.md, 2025-08-06 and
    the 2026-02-26 ruling); ``default_params(kind)`` gives each kind's values."""

    # --- the manifest (contracts.md §2) ---
    requester: str = "ICE"
    received: date = date(2025, 8, 6)
    purpose: str = "criminal"
    basis: str = "6103(i)(2)"
    statutory_authority: str = "8 U.S.C. 1253(a)(1)"
    data: tuple[str, ...] = ("address",)
    certification: bool = True
    ex_parte_order: str = ""
    signer_name: str = "Rowan Ellery"
    signer_title: str = "Acting Director"
    signer_agency: str = "ICE"
    request_id: str = ""  # empty: "<requester>-<received>-<kind>-<seed>"
    taxable_periods: str = "2022;2023;2024"

    # --- who the items name ---
    in_world_share: float = 0.10  # items naming a filer (ICE: ~47k answered of 1.28M asked)
    confuser_share: float = 0.04  # items naming a relative or neighbour of a filer
    confuser_in_world_share: float = 0.3  # of confusers: the named person files too
    confuser_weights: tuple[float, ...] = (0.3, 0.3, 0.25, 0.15)  # see CONFUSERS
    absent_world_surname_share: float = 0.8  # absent people with a surname some filer has

    # --- what the items carry ---
    tin_share: float = 0.4  # of items naming a filer: the TIN is given (ICE: "where known")
    unusable_address_share: float = 0.12  # of items free to vary their address
    unusable_weights: tuple[float, ...] = (0.35, 0.25, 0.15, 0.15, 0.10)  # see UNUSABLE_FORMS
    zip_plus_4_share: float = 0.4  # of ZIP-only items: ZIP+4 rather than 5 digits
    moved_old_share: float = 0.08  # of filers: an older address from their history
    moved_unknown_share: float = 0.08  # of filers: a new address not on file
    nickname_share: float = 0.08  # of filers, where the given name has a nickname
    typo_share: float = 0.08  # of filers: one letter swapped or dropped
    one_surname_share: float = 0.5  # of filers with a two-part surname: only the first part
    transposed_dob_share: float = 0.05  # of filers with a date of birth
    no_dob_share: float = 0.25  # of all items: no date of birth given

    # --- corruption as real files have it (FEBRL's kinds; request_corrupt.py), off by default
    corruption_share: float = 0.0  # of all items: corrupted once or more
    corruption_max_per_item: int = 2  # a corrupted item gets 1..this many corruptions
    # See CORRUPTIONS: keystrokes most often, as in FEBRL's defaults.
    corruption_weights: tuple[float, ...] = (0.35, 0.1, 0.1, 0.05, 0.08, 0.08, 0.08, 0.06, 0.1)

    # --- statute elements (8 U.S.C. 1253(a)(1): a final removal order >= 90 days old) ---
    removal_orders: bool = True  # removal-order columns are filled (False: left empty)
    removal_missing_share: float = 0.08  # date or case (or both) missing
    removal_recent_share: float = 0.04  # order less than 90 days before ``received``
    no_period_share: float = 0.0
    no_reason_share: float = 0.0

    # --- specificity ---
    reason_style: ReasonStyle = "boilerplate"  # one text for all, or individual texts
    batch_reason: str = ""  # empty: request_data.ICE_BOILERPLATE_REASON
    batch_investigation: str = ICE_BATCH_INVESTIGATION  # used when one_investigation
    batch_officer: str = ICE_BATCH_OFFICER  # used when one_officer
    one_investigation: bool = True
    one_officer: bool = True
    items_per_officer: int = 3  # when officers are individual
    investigation_prefix: str = "ICE-ERO"

    def check(self) -> None:
        """Refuse values that cannot describe a request, naming the parameter."""
        for item in dataclasses.fields(self):
            value = getattr(self, item.name)
            if item.name.endswith("_share") and not 0.0 <= float(value) <= 1.0:
                raise OptionError(f"request parameter {item.name}={value}: must be in [0, 1]")
        for name, weights, width in (
            ("unusable_weights", self.unusable_weights, len(UNUSABLE_FORMS)),
            ("confuser_weights", self.confuser_weights, len(CONFUSERS)),
            ("corruption_weights", self.corruption_weights, len(CORRUPTIONS)),
        ):
            if len(weights) != width or min(weights) < 0 or sum(weights) <= 0:
                raise OptionError(
                    f"request parameter {name}: needs {width} non-negative weights, not all 0"
                )
        if self.in_world_share + self.confuser_share > 1.0 + 1e-9:
            raise OptionError("request parameters in_world_share + confuser_share exceed 1")
        if self.reason_style not in ("boilerplate", "criminal", "removal"):
            raise OptionError(
                f"request parameter reason_style={self.reason_style!r}: "
                "choose boilerplate, criminal or removal"
            )
        if not 1 <= self.corruption_max_per_item <= 5:
            raise OptionError("request parameter corruption_max_per_item: must be 1 to 5")
        if self.items_per_officer < 1:
            raise OptionError("request parameter items_per_officer: must be at least 1")


_ICE = RequestParams()

_CLEAN = RequestParams(
    requester="FBI",
    statutory_authority="18 U.S.C. 1343",
    signer_name="Avery Colebrook",
    signer_title="Director",
    signer_agency="FBI",
    taxable_periods="2023;2024",
    in_world_share=1.0,
    confuser_share=0.0,
    tin_share=0.0,
    unusable_address_share=0.0,
    moved_old_share=0.0,
    moved_unknown_share=0.0,
    nickname_share=0.0,
    typo_share=0.0,
    one_surname_share=0.0,
    transposed_dob_share=0.0,
    no_dob_share=0.0,
    removal_orders=False,
    removal_missing_share=0.0,
    removal_recent_share=0.0,
    reason_style="criminal",
    one_investigation=False,
    one_officer=False,
    investigation_prefix="FBI-WF",
)

# ICE-like defects at moderate shares inside individualised requests: about half the items
# are clean, so intake and matching are both exercised without a batch screen firing.
_MIXED = RequestParams(
    signer_title="Director",
    in_world_share=0.55,
    confuser_share=0.08,
    confuser_in_world_share=0.4,
    tin_share=0.3,
    unusable_address_share=0.10,
    moved_old_share=0.08,
    moved_unknown_share=0.05,
    no_dob_share=0.1,
    removal_missing_share=0.05,
    removal_recent_share=0.05,
    no_period_share=0.03,
    no_reason_share=0.03,
    reason_style="removal",
    one_investigation=False,
    one_officer=False,
)

_DEFAULTS: dict[str, RequestParams] = {"ice-2025": _ICE, "clean-criminal": _CLEAN, "mixed": _MIXED}


def default_params(kind: str) -> RequestParams:
    """The documented defaults for ``kind``."""
    try:
        return _DEFAULTS[kind]
    except KeyError:
        raise OptionError(
            f"unknown request kind {kind!r}: choose one of {', '.join(KINDS)}"
        ) from None


def _coerce(name: str, default: Any, text: str) -> Any:
    if isinstance(default, bool):
        if text.lower() in ("true", "yes", "1"):
            return True
        if text.lower() in ("false", "no", "0"):
            return False
        raise OptionError("expected true or false")
    if isinstance(default, int):
        return int(text)
    if isinstance(default, float):
        return float(text)
    if isinstance(default, date):
        return date.fromisoformat(text)
    if isinstance(default, tuple):
        parts = [part.strip() for part in text.split(",") if part.strip()]
        if default and isinstance(default[0], float):
            return tuple(float(part) for part in parts)
        return tuple(parts)
    return text


def with_overrides(params: RequestParams, pairs: list[str], *, source: str) -> RequestParams:
    """``params`` with ``key=value`` overrides applied (tuples are comma-separated)."""
    known = {item.name for item in dataclasses.fields(params)}
    changes: dict[str, Any] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or key not in known:
            raise InputError(
                source,
                f"unknown request parameter {pair!r}",
                hint=f"use key=value with a key among: {', '.join(sorted(known))}",
            )
        try:
            changes[key] = _coerce(key, getattr(params, key), text.strip())
        except (ValueError, OptionError) as exc:
            raise InputError(source, f"bad value for {key}: {exc}", field=key) from None
    updated = dataclasses.replace(params, **changes)
    updated.check()
    return updated
