"""Policy text → a checked Cedar policy set: the statute files plus one forbid per order.

A policy file that does not parse or validate is a startup error naming the file and line:
a broken file must never become a silent deny-all (or worse, a silent allow).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cedarpy

from taxgate.errors import ConfigError
from taxgate.law.facts import agency_code
from taxgate.law.orders import WILDCARD, Order

POLICY_DIR = Path(__file__).parent / "policies"
SCHEMA_PATH = Path(__file__).parent / "schema.cedarschema"
REQUIRED_ANNOTATIONS = ("id", "citation", "reason")

# contracts.md §3 "criminal-compliant": a non-tax criminal purpose and every statutory
# requirement verified — no intake or identity finding at all, and none of the statute's own
# refusals ((i)(6), (p)(4), the basis not reaching the data) applies.
CRIMINAL_COMPLIANT = """context.purpose == "criminal" &&
    context.findings.isEmpty() &&
    !context.taxpayer_protected &&
    !principal.safeguards_open &&
    ((context.basis == "6103(i)(2)" &&
      ["address", "identity", "filing"].containsAll(context.data)) ||
     (context.basis == "6103(i)(1)" && context.has_ex_parte_order))"""


@dataclass(frozen=True)
class PolicyInfo:
    id: str
    effect: str  # permit | forbid
    citation: str
    reason: str  # the reason code a matching forbid contributes ("" for permits)


@dataclass(frozen=True)
class Statute:
    text: str
    schema: cedarpy.Schema
    files: tuple[Path, ...]


@dataclass(frozen=True)
class CompiledPolicySet:
    text: str
    sha256: str
    handle: cedarpy.PolicySet
    policies: dict[str, PolicyInfo]  # Cedar's positional id (policy0, ...) → annotations
    order_ids: tuple[str, ...]


def cedar_string(value: str) -> str:
    """``value`` as a Cedar string literal.

    Cedar knows ``\\u{hex}`` but not JSON's ``\\u00XX``, so JSON quoting breaks on a control
    character in an order's id, case or citation. Printable text is left as it is, which keeps
    the policy text (and its hash) of existing orders unchanged.
    """
    quoted = (
        "\\" + char if char in '"\\' else char if char.isprintable() else f"\\u{{{ord(char):x}}}"
        for char in value
    )
    return '"' + "".join(quoted) + '"'


@dataclass(frozen=True)
class Statement:
    first_line: int  # line of the statement's first code character
    offset_line: int  # line on which ``text`` begins (it may begin with blank lines)
    text: str


def statements(text: str) -> list[Statement]:
    """Split policy text at each ``;`` outside strings and ``//`` comments."""
    found: list[Statement] = []
    line, offset_line, first_line = 1, 1, 0
    in_string = escaped = comment = False
    chunk: list[str] = []
    for char in text:
        chunk.append(char)
        if char == "\n":
            line += 1
            comment = False
        elif comment:
            pass
        elif in_string:
            escaped, in_string = (False, True) if escaped else (char == "\\", char != '"')
        elif char == "/" and chunk[-2:] == ["/", "/"]:
            comment = True
        else:
            if not first_line and not char.isspace() and char != "/":
                first_line = line
            if char == '"':
                in_string = True
            elif char == ";":
                found.append(Statement(first_line, offset_line, "".join(chunk)))
                chunk, first_line, offset_line = [], 0, line
    if first_line:
        found.append(Statement(first_line, offset_line, "".join(chunk)))
    return found


def _parse_error_line(text: str, message: str) -> int:
    """The line of the first statement Cedar cannot parse, refined to the token it names."""
    token = message.split("`")[1] if message.count("`") >= 2 else ""
    for statement in statements(text):
        try:
            cedarpy.PolicySet.from_str(statement.text)
        except ValueError:
            lines = statement.text.split("\n")
            for index in range(statement.first_line - statement.offset_line, len(lines)):
                if token and token in lines[index]:
                    return statement.offset_line + index
            return statement.first_line
    return 1


def _est(text: str) -> dict[str, dict[str, object]]:
    policies: dict[str, dict[str, object]] = json.loads(cedarpy.policies_to_json_str(text))[
        "staticPolicies"
    ]
    return policies


def _annotations(text: str) -> dict[str, PolicyInfo]:
    infos: dict[str, PolicyInfo] = {}
    for positional, policy in _est(text).items():
        notes = policy.get("annotations") or {}
        assert isinstance(notes, dict)
        infos[positional] = PolicyInfo(
            id=str(notes.get("id", positional)),
            effect=str(policy["effect"]),
            citation=str(notes.get("citation", "")),
            reason=str(notes.get("reason", "")),
        )
    return infos


def _policy_index(positional: str) -> int:
    return int(positional.removeprefix("policy") or 0)


def check_policy_file(path: Path, text: str, schema: cedarpy.Schema) -> dict[str, PolicyInfo]:
    """Parse and validate one file; ConfigError naming file and line on any problem."""
    try:
        cedarpy.PolicySet.from_str(text)
    except ValueError as exc:
        line = _parse_error_line(text, str(exc))
        raise ConfigError(f"{path}, line {line}: Cedar cannot parse this policy: {exc}") from exc
    starts = [statement.first_line for statement in statements(text)]
    result = cedarpy.validate_policies(text, schema)
    if not result.validation_passed:
        error = result.errors[0]
        index = _policy_index(error.policy_id)
        line = starts[index] if index < len(starts) else 1
        raise ConfigError(f"{path}, line {line}: policy fails the schema: {error.error}")
    for positional, policy in _est(text).items():
        notes = policy.get("annotations") or {}
        assert isinstance(notes, dict)
        missing = [name for name in REQUIRED_ANNOTATIONS if name not in notes]
        if missing:
            line = starts[_policy_index(positional)]
            raise ConfigError(f"{path}, line {line}: policy lacks @{missing[0]}(...) annotation")
    return _annotations(text)


def load_statute(policy_dir: Path = POLICY_DIR, schema_path: Path = SCHEMA_PATH) -> Statute:
    """Read, parse and validate the schema and every ``*.cedar`` file in ``policy_dir``."""
    try:
        schema = cedarpy.Schema.from_str(schema_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{schema_path}: the Cedar schema cannot be read: {exc}") from exc
    files = tuple(sorted(policy_dir.glob("*.cedar")))
    if not files:
        raise ConfigError(f"{policy_dir}: no *.cedar policy files")
    parts: list[str] = []
    seen: dict[str, Path] = {}
    for path in files:
        text = path.read_text(encoding="utf-8")
        for info in check_policy_file(path, text, schema).values():
            if info.id in seen:
                raise ConfigError(f"{path}: policy id {info.id!r} is also used in {seen[info.id]}")
            seen[info.id] = path
        parts.append(f"// ---- {path.name}\n{text.rstrip()}\n")
    return Statute(text="\n".join(parts), schema=schema, files=files)


def _members(values: Sequence[str], render: str) -> str:
    return "[" + ", ".join(render.format(cedar_string(v)) for v in values) + "]"


def _agencies(values: Sequence[str]) -> str:
    # The engine names principal and resource by agency_code; an order must spell them alike.
    return _members([agency_code(v) for v in values], "Agency::{}")


def order_policy(order: Order) -> str:
    """One barring order as a forbid: its scope in ``when``, its exceptions in ``unless``."""
    conditions = []
    if WILDCARD not in order.disclosers:
        conditions.append(f"resource in {_agencies(order.disclosers)}")
    if WILDCARD not in order.recipients:
        conditions.append(f"principal in {_agencies(order.recipients)}")
    if WILDCARD not in order.data:
        conditions.append(f"{_members(order.data, '{}')}.containsAny(context.data)")
    if WILDCARD not in order.purposes:
        conditions.append(f"{_members(order.purposes, '{}')}.contains(context.purpose)")
    when = " &&\n  ".join(conditions) or "true"
    unless = f"\nunless {{\n  {CRIMINAL_COMPLIANT}\n}}" if order.exceptions else ""
    code = "order." + order.id
    return (
        f"@id({cedar_string(code)})\n"
        f"@citation({cedar_string(order.case + ', ' + order.citation)})\n"
        f"@reason({cedar_string(code)})\n"
        f'forbid (principal, action == Action::"disclose", resource)\n'
        f"when {{\n  {when}\n}}{unless};\n"
    )


def compile_policy_set(statute: Statute, orders: Sequence[Order]) -> CompiledPolicySet:
    """The statute plus a forbid for each barring order given (the caller picks the date)."""
    barring = sorted((o for o in orders if o.bars), key=lambda o: o.id)
    text = statute.text + "".join(
        f"\n// ---- order {o.path.name}\n{order_policy(o)}" for o in barring
    )
    for order in barring:
        result = cedarpy.validate_policies(order_policy(order), statute.schema)
        if not result.validation_passed:
            raise ConfigError(
                f"{order.path}: order compiles to an invalid policy: {result.errors[0]}"
            )
    return CompiledPolicySet(
        text=text,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        handle=cedarpy.PolicySet.from_str(text),
        policies=_annotations(text),
        order_ids=tuple(o.id for o in barring),
    )
