"""Signing in and out of the console, and who is signed in (``GET /api/me``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel

from taxgate.service import accounts
from taxgate.service.routes import api_router, page_router
from taxgate.service.web import COOKIE, Signed, render, service

router = api_router()
pages = page_router()


class Me(BaseModel):
    name: str
    role: str
    agency: str


@router.get("/me", response_model=Me, tags=["session"])
def me(who: Signed) -> Me:
    """The signed-in user and their role."""
    who.require("session.read")
    return Me(name=who.user.name, role=who.user.role, agency=who.user.agency)


def _next(target: str) -> str:
    # Only a path on this site: a sign-in page must not forward anyone elsewhere.
    return target if target.startswith("/") and not target.startswith("//") else "/"


@pages.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", {"next": _next(next), "failed": False})


@pages.post("/login")
def login(
    request: Request,
    name: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    store = service(request).store
    user = accounts.sign_in(store, name, password)
    if user is None:
        context = {"next": _next(next), "failed": True, "name": name}
        return render(request, "login.html", context, status=401)
    secret, _session = accounts.open_session(store, user)
    response = RedirectResponse(_next(next), status_code=303)
    response.set_cookie(
        COOKIE,
        secret,
        max_age=accounts.SESSION_HOURS * 3600,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@pages.post("/logout")
def logout(request: Request, who: Signed) -> Response:
    accounts.close_session(who.service.store, request.cookies.get(COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response
