"""What every route needs: the running service, the signed-in user, CSRF, and page rendering.

The API authenticates with ``Authorization: Bearer TOKEN``; the console with a session cookie.
A request that changes anything and rides on the cookie must also carry the session's CSRF
token (a form field ``csrf`` or the ``X-CSRF-Token`` header that htmx sends), so another site
cannot make a signed-in browser decide or give a verdict.
"""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Final

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from taxgate.errors import ForbiddenError
from taxgate.ledger import Ledger
from taxgate.service import accounts
from taxgate.service.accounts import User
from taxgate.service.authz import Authorizer, Resource
from taxgate.service.cache import AsOfSize
from taxgate.service.config import ServiceConfig
from taxgate.service.jobs import Jobs
from taxgate.store import Store

COOKIE: Final = "taxgate_session"
CSRF_FIELD: Final = "csrf"
CSRF_HEADER: Final = "x-csrf-token"
SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})
TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")


class SignInError(ForbiddenError):
    """No valid token or session: the API answers 401, the console sends to the sign-in page."""

    http_status = 401


TOKEN_SECONDS: Final = 10.0  # how long a checked token is trusted before it is looked up again


@dataclass
class Service:
    config: ServiceConfig
    ledger: Ledger
    authz: Authorizer
    jobs: Jobs
    answers: AsOfSize
    _tokens: dict[str, tuple[User, float]] = field(default_factory=dict)

    @property
    def store(self) -> Store:
        return self.ledger.store

    def token_user(self, secret: str) -> User | None:
        """The user of an API token; a script polling the API costs one lookup per token
        every few seconds, not one per request."""
        key, moment = accounts.sha256(secret), time.monotonic()
        known = self._tokens.get(key)
        if known is not None and known[1] > moment:
            return known[0]
        user = accounts.user_for_token(self.store, secret)
        if user is not None:
            if len(self._tokens) > 10_000:
                self._tokens.clear()
            self._tokens[key] = (user, moment + TOKEN_SECONDS)
        return user


def service(request: Request) -> Service:
    found: Service = request.app.state.service
    return found


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/openapi.json"


@dataclass(frozen=True)
class Caller:
    """The signed-in user of one request, and what the request may touch."""

    user: User
    service: Service
    csrf: str  # "" for a bearer token: no cookie, nothing to forge

    def require(self, action: str, resource: Resource = Resource()) -> None:
        self.service.authz.require(self.user, action, resource)

    def allows(self, action: str, resource: Resource = Resource()) -> bool:
        return self.service.authz.allows(self.user, action, resource)

    @property
    def ledger(self) -> Ledger:
        return self.service.ledger


async def caller(request: Request) -> Caller:
    """The signed-in user, or ``SignInError``; checks CSRF on a cookie-borne change."""
    svc = service(request)
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        user = svc.token_user(header[7:].strip())
        if user is None:
            raise SignInError("the bearer token is not valid (mint one: taxgate serve token NAME)")
        return Caller(user, svc, "")
    secret = request.cookies.get(COOKIE, "")
    session = accounts.session_for(svc.store, secret) if secret else None
    if session is None:
        raise SignInError("sign in first: send a bearer token or sign in at /login")
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not sent and "form" in request.headers.get("content-type", ""):
            sent = str((await request.form()).get(CSRF_FIELD, ""))
        if not hmac.compare_digest(sent, session.csrf):
            raise ForbiddenError("the form is stale or came from another site (CSRF): reload it")
    return Caller(session.user, svc, session.csrf)


Signed = Annotated[Caller, Depends(caller)]


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    status: int = 200,
    who: Caller | None = None,
) -> HTMLResponse:
    """A console page; ``who`` fills the navigation for the signed-in user."""
    page = {"request": request, "who": who, "nav": navigation(who) if who else []}
    return TEMPLATES.TemplateResponse(request, template, {**page, **context}, status_code=status)


NAV: Final = (
    ("Decide", "/decide", "decide"),
    ("Batches", "/batches", "batches.read"),
    ("Review", "/review", "review.list"),
    ("Orders", "/orders", "orders.read"),
    ("Ledger", "/ledger", "ledger.read"),
    ("Notices", "/notices", "notices.list"),
    ("Reports", "/reports", "reports.public"),
)


def navigation(who: Caller) -> list[tuple[str, str]]:
    """The sections this user's role opens (the others would only answer 403)."""
    return [(label, href) for label, href, action in NAV if who.allows(action)]
