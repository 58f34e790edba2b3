"""The agency registry (``agencies.toml``): parents, who may sign, safeguard status.

Who may sign for whom: a signer's agency must be the requesting agency or one of its parents
(the DHS Secretary may sign for ICE), and the signer's title must be one the signer's agency
lists for the basis. The FBI Director and the DEA Administrator sign either for their own
bureau (agency ``FBI``, title ``Director``) or as DOJ officials (agency ``DOJ``, title
``FBI Director``), which covers any DOJ component; a bureau head cannot sign for the
department or a sibling bureau.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from taxgate.errors import ConfigError

I1 = "6103(i)(1)"
I2 = "6103(i)(2)"


def canonical_basis(text: str) -> str:
    """``"26 U.S.C. § 6103(i)(2)"``, ``"6103 (i)(2)"``, ``"(i)(2)"`` -> ``"6103(i)(2)"``.

    A subparagraph (``"6103(i)(2)(A)"``, the paragraph's own "in general") invokes the same
    exception, so it is read as its paragraph."""
    compact = re.sub(r"[\s.§]|26USC|SECTION|SEC", "", text.upper()).lower()
    paragraph = re.sub(r"(\(i\)\([12]\))(\([a-z]\))+$", r"\1", compact)
    for basis in (I1, I2):
        if paragraph in (basis, basis[4:]) or paragraph.endswith(basis):
            return basis
    return compact


def canonical_title(title: str) -> str:
    return " ".join(re.sub(r"[^A-Z0-9 ]", "", title.upper().replace("-", " ")).split())


@dataclass(frozen=True)
class Agency:
    code: str
    name: str
    parent: str
    i2_signers: frozenset[str]
    i1_authorisers: frozenset[str]
    open_findings: bool
    corrective_plan: bool


@dataclass(frozen=True)
class AgencyRegistry:
    agencies: dict[str, Agency]
    source: str

    @classmethod
    def load(cls, path: Path | None = None) -> AgencyRegistry:
        """The shipped registry, or ``path`` instead of it (not merged)."""
        if path is None:
            text = resources.files("taxgate.intake").joinpath("agencies.toml").read_text("utf-8")
            return cls.parse(text, "agencies.toml")
        try:
            return cls.parse(path.read_text("utf-8"), str(path))
        except FileNotFoundError as exc:
            raise ConfigError(f"{path}: agency registry not found") from exc
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{path}: not valid UTF-8") from exc

    @classmethod
    def parse(cls, text: str, source: str) -> AgencyRegistry:
        try:
            raw = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{source}: not valid TOML: {exc}") from exc
        table = raw.get("agencies")
        if not isinstance(table, dict) or not table:
            raise ConfigError(f"{source}: needs [agencies.CODE] tables")
        agencies = {
            code.upper(): _agency(source, code.upper(), entry) for code, entry in table.items()
        }
        registry = cls(agencies, source)
        for code, agency in agencies.items():
            if agency.parent and agency.parent not in agencies:
                raise ConfigError(
                    f"{source}: agencies.{code}.parent: unknown agency {agency.parent!r}"
                )
            registry.parent_chain(code)  # raises on a cycle
        return registry

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and code.upper() in self.agencies

    def parent_chain(self, code: str) -> tuple[str, ...]:
        """``code`` and its parents, nearest first: ``ICE`` -> ``("ICE", "DHS")``."""
        chain: list[str] = []
        current = code.upper()
        while current:
            if current in chain:
                raise ConfigError(f"{self.source}: agencies.{code}.parent: parent cycle {chain}")
            if current not in self.agencies:
                break
            chain.append(current)
            current = self.agencies[current].parent
        return tuple(chain)

    def may_sign(self, agency: str, title: str, basis: str) -> bool:
        """May an official of ``agency`` with ``title`` sign a request under ``basis``?"""
        entry = self.agencies.get(agency.upper())
        if entry is None:
            return False
        wanted = canonical_title(title)
        kind = canonical_basis(basis)
        if kind == I2:
            return wanted in entry.i2_signers
        if kind == I1:
            return wanted in entry.i1_authorisers
        return False

    def may_sign_for(self, requester: str, agency: str, title: str, basis: str) -> bool:
        """``may_sign``, and the signer's agency is the requester or one of its parents."""
        return agency.upper() in self.parent_chain(requester) and self.may_sign(
            agency, title, basis
        )

    def safeguards_block(self, code: str) -> bool:
        """Open findings without an approved plan, at the agency or a parent department."""
        return any(
            self.agencies[c].open_findings and not self.agencies[c].corrective_plan
            for c in self.parent_chain(code)
        )


def _agency(source: str, code: str, entry: Any) -> Agency:
    where = f"{source}: agencies.{code}"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: must be a table")

    def titles(key: str) -> frozenset[str]:
        value = entry.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where}.{key}: must be a list of titles (strings)")
        return frozenset(canonical_title(v) for v in value)

    def flag(key: str) -> bool:
        value = entry.get(key, False)
        if not isinstance(value, bool):
            raise ConfigError(f"{where}.{key}: must be true or false, not {value!r}")
        return value

    for key in ("name", "parent"):
        if not isinstance(entry.get(key, ""), str):
            raise ConfigError(f"{where}.{key}: must be a string")
    known = {"name", "parent", "i2_signers", "i1_authorisers", "open_findings", "corrective_plan"}
    unknown = sorted(set(entry) - known)
    if unknown:
        raise ConfigError(
            f"{where}.{unknown[0]}: unknown field (known: {', '.join(sorted(known))})"
        )
    return Agency(
        code=code,
        name=str(entry.get("name", code)),
        parent=str(entry.get("parent", "")).upper(),
        i2_signers=titles("i2_signers"),
        i1_authorisers=titles("i1_authorisers"),
        open_findings=flag("open_findings"),
        corrective_plan=flag("corrective_plan"),
    )
