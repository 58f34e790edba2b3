"""Who may do what: the service's Cedar policies (``policies/*.cedar``), default deny.

Every route asks ``Authorizer.require`` before it reads or records anything; a refusal is a
``ForbiddenError`` (403) naming the rule, or the role, that refused. The policy files are
checked like the law's (each policy with ``@id``, ``@citation`` and ``@reason``), so a broken
file stops the server at start rather than becoming a silent deny-all or allow-all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import cedarpy

from taxgate.errors import ConfigError, ForbiddenError
from taxgate.law.compile import PolicyInfo, check_policy_file
from taxgate.service.accounts import User

POLICY_DIR: Final = Path(__file__).parent / "policies"
SCHEMA_PATH: Final = POLICY_DIR / "schema.cedarschema"
SERVICE: Final = {"type": "Service", "id": "taxgate"}

# What a person reads in a refusal: the action in words.
ACTIONS: Final = {
    "session.read": "see who is signed in",
    "decide": "decide a request",
    "jobs.read": "follow background jobs",
    "batches.read": "read decided batches",
    "review.list": "read the review queue",
    "review.show": "see a review case",
    "review.verdict": "give a verdict",
    "orders.read": "read the court orders",
    "orders.check": "check an orders folder",
    "orders.whatif": "ask a what-if",
    "ledger.read": "read the ledger and its proofs",
    "ledger.verify": "verify the ledger",
    "ledger.accounting": "read a taxpayer's accounting of disclosures",
    "ledger.key": "read the ledger's public key",
    "ledger.checkproof": "check a proof",
    "identity.explain": "see why an item matched",
    "reports.read": "read reports",
    "reports.public": "read the public report",
    "reports.publish": "publish the public report (it spends the period's privacy budget)",
    "reports.order": "report on compliance with a court order",
    "notices.list": "list notices",
    "notices.read": "read notices",
    "remedies.scan": "scan releases for the orders that reach them",
    "remedies.audit": "audit another system's disclosures",
    "notices.ack": "acknowledge notices",
}


@dataclass(frozen=True)
class Resource:
    """What an action is done to: the service, one batch, or one agency."""

    type: str = "Service"
    id: str = "taxgate"
    attrs: tuple[tuple[str, str], ...] = ()

    @classmethod
    def batch(cls, batch: str, actor: str) -> Resource:
        return cls("Batch", batch, (("actor", actor),))

    @classmethod
    def agency(cls, code: str) -> Resource:
        return cls("Agency", code, (("code", code),))


class Authorizer:
    """The parsed policy set and schema, loaded once."""

    def __init__(self, policy_dir: Path = POLICY_DIR, schema_path: Path = SCHEMA_PATH) -> None:
        try:
            self.schema = cedarpy.Schema.from_str(schema_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{schema_path}: the Cedar schema cannot be read: {exc}") from exc
        texts: list[str] = []
        self.policies: dict[str, PolicyInfo] = {}
        for path in sorted(policy_dir.glob("*.cedar")):
            text = path.read_text(encoding="utf-8")
            found = check_policy_file(path, text, self.schema)
            offset = len(self.policies)
            # Positional ids restart in each file; renumber them as in the joined text.
            for positional, info in found.items():
                index = int(positional.removeprefix("policy") or 0) + offset
                self.policies[f"policy{index}"] = info
            texts.append(text)
        if not texts:
            raise ConfigError(f"{policy_dir}: no *.cedar policy files")
        self.text = "\n".join(texts)
        self.handle = cedarpy.PolicySet.from_str(self.text)

    def decide(self, user: User, action: str, resource: Resource) -> tuple[bool, list[PolicyInfo]]:
        """(allowed, the determining policies)."""
        principal = {"type": "User", "id": user.name}
        entities: list[dict[str, Any]] = [
            {
                "uid": principal,
                "attrs": {"name": user.name, "role": user.role, "agency": user.agency},
                "parents": [],
            },
            {
                "uid": {"type": resource.type, "id": resource.id},
                "attrs": dict(resource.attrs),
                "parents": [],
            },
        ]
        request = {
            "principal": principal,
            "action": {"type": "Action", "id": action},
            "resource": {"type": resource.type, "id": resource.id},
            "context": {},
        }
        result = cedarpy.is_authorized(request, self.handle, json.dumps(entities), self.schema)
        if result.diagnostics.errors:
            # A policy that fails to evaluate is skipped by Cedar; for a forbid that would be
            # a silent allow, so it is a configuration error here.
            raise ConfigError(f"service policy evaluation failed: {result.diagnostics.errors[0]}")
        return result.allowed, [self.policies[p] for p in result.diagnostics.reasons]

    def allows(self, user: User, action: str, resource: Resource = Resource()) -> bool:
        return self.decide(user, action, resource)[0]

    def require(self, user: User, action: str, resource: Resource = Resource()) -> None:
        """Return if ``user`` may do ``action`` to ``resource``; else ``ForbiddenError``."""
        allowed, determining = self.decide(user, action, resource)
        if allowed:
            return
        what = ACTIONS.get(action, action)
        refusals = [p for p in determining if p.effect == "forbid"]
        if refusals:
            rule = refusals[0]
            raise ForbiddenError(f"{user.name} may not {what}: {rule.reason} (rule {rule.id})")
        raise ForbiddenError(
            f"{user.name} ({user.role}) may not {what}: the role does not allow it"
        )
