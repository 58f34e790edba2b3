"""Schemathesis against ``/openapi.json``: property-based requests to every API route, each
sent as an officer and as an auditor (between them every route is allowed to someone). No
request may get a 500, and every response must match the schema the route documents."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from service_kit import Served

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = 12  # per route; about 25 routes, two callers each: well under a minute


@pytest.fixture(scope="module")
def operations(served: Served) -> list[Any]:
    schema = schemathesis.openapi.from_asgi("/openapi.json", served.app)
    return [result.ok() for result in schema.get_all_operations()]


def test_the_schema_documents_every_api_route(served: Served, operations: list[Any]) -> None:
    documented = {(op.method.upper(), op.path) for op in operations}
    routes = {
        (method, route.path)
        for route in served.app.routes
        if getattr(route, "path", "").startswith("/api/") and route.path != "/api/broken-for-test"
        for method in getattr(route, "methods", ())
    }
    assert routes <= documented


def test_no_request_gets_a_500_and_every_response_matches_the_schema(
    served: Served, operations: list[Any]
) -> None:
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(case: Any) -> None:
            for name in ("pete", "audrey"):
                case.call_and_validate(headers=served.auth(name), checks=CHECKS)

        fuzz()
