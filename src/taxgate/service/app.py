"""The FastAPI application: the JSON API under ``/api`` and the console pages beside it.

Both call the same stage functions the CLI calls (``pipeline.decide``, ``review``,
``law.whatif``, the ledger's proofs); the route modules only parse, authorise and present.
A ``TaxgateError`` becomes its ``http_status`` with ``{"error": "<the CLI's one line>"}`` (a
page shows the same line); anything else is a bug: the traceback goes to the server log and
the response says only where to look.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from taxgate.errors import TaxgateError, one_line
from taxgate.service.authz import Authorizer
from taxgate.service.cache import AsOfSize, CachingLedger
from taxgate.service.config import ServiceConfig, open_ledger
from taxgate.service.jobs import Jobs
from taxgate.service.routes import (
    decide,
    ledger,
    orders,
    remedies,
    reports,
    review,
    session,
    validation_line,
)
from taxgate.service.web import Service, SignInError, is_api, render

LOG = logging.getLogger("taxgate.service")
STATIC = Path(__file__).parent / "static"


def create_app(config: ServiceConfig, *, run_jobs: bool = True) -> FastAPI:
    """The service over ``config``'s store. ``run_jobs=False`` leaves unfinished jobs of an
    earlier server alone (a second process reading the same store, e.g. in tests)."""
    ledger_ = CachingLedger(open_ledger(config))
    ledger_.releases()  # the one scan of the log for its batches, before the first request
    jobs = Jobs(ledger_.store)
    if run_jobs:
        failed = jobs.fail_unfinished()
        if failed:
            LOG.warning("%d job(s) left unfinished by an earlier server marked failed", failed)
    service = Service(
        config=config, ledger=ledger_, authz=Authorizer(), jobs=jobs, answers=AsOfSize(ledger_)
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        service.ledger.close()

    app = FastAPI(
        title="taxgate",
        version="1",
        summary="Decide, record by record, whether federal tax information may lawfully leave "
        "the agency, and prove it afterwards.",
        description=(
            "Every route answers a signed-in user: `Authorization: Bearer TOKEN` (tokens from "
            "`taxgate serve token NAME`) or the console's session cookie. A role that may not "
            'do something gets 403 and nothing is recorded. Errors are `{"error": "one line"}`.'
        ),
        lifespan=lifespan,
    )
    app.state.service = service
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (session, decide, review, orders, ledger, remedies, reports):
        app.include_router(module.router)
        app.include_router(module.pages)
    _handlers(app)
    return app


def _error(request: Request, status: int, message: str) -> Response:
    if is_api(request):
        return JSONResponse({"error": message}, status_code=status)
    return render(request, "error.html", {"status": status, "message": message}, status=status)


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(SignInError)
    async def _sign_in(request: Request, exc: SignInError) -> Response:
        if is_api(request):
            return JSONResponse({"error": one_line(exc)}, status_code=exc.http_status)
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    @app.exception_handler(TaxgateError)
    async def _taxgate(request: Request, exc: TaxgateError) -> Response:
        return _error(request, exc.http_status, one_line(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        return _error(request, 422, validation_line(exc.errors()))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        return _error(request, exc.status_code, " ".join(str(exc.detail).split()))

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> Response:
        reference = uuid.uuid4().hex[:12]
        LOG.error("error %s on %s %s", reference, request.method, request.url.path, exc_info=exc)
        return _error(request, 500, f"internal error {reference}; the server log has the details")
