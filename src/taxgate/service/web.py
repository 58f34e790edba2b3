"""What every route needs: the running service, the signed-in user, CSRF, and page rendering.

The API authenticates with ``Authorization: Bearer TOKEN``; the console with a session cookie.
A request that changes anything and rides on the cookie must also carry the session's CSRF
token (a form field ``csrf`` or the ``X-CSRF-Token`` header that htmx sends), so another site
cannot make a signed-in browser decide or give a verdict.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
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
from taxgate.service.config import ServiceConfig
from taxgate.service.jobs import Jobs

COOKIE: Final = "taxgate_session"
CSRF_FIELD: Final = "csrf"
CSRF_HEADER: Final = "x-csrf-token"
SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})
TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")


class SignInError(ForbiddenError):
    """No valid token or session: the API answers 401, the console sends to the sign-in page."""

    http_status = 401


@dataclass
class Service:
    config: ServiceConfig
    ledger: Ledger
    authz: Authorizer
    jobs: Jobs

    @property
    def store(self) -> Any:
        return self.ledger.store


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
        user = accounts.user_for_token(svc.store, header[7:].strip())
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
)


def navigation(who: Caller) -> list[tuple[str, str]]:
    """The sections this user's role opens (the others would only answer 403)."""
    return [(label, href) for label, href, action in NAV if who.allows(action)]
