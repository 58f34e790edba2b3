"""Schemathesis against ``/openapi.json``: property-based requests to every API route, each
sent as an officer and as an auditor (between them every route is allowed to someone). No
request may get a 500, and every response must match the schema the route documents."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core import NOT_SET
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
EXAMPLES = 12  # per route; about 35 routes, two callers each: well under a minute
STAY = "ctr-stay-2025-11-21"


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


def test_each_report_route_answers_as_its_schema_says(
    served: Served, operations: list[Any]
) -> None:
    """Fuzzed ids and years find no report; here each report route is called with real ones,
    so a 200 is checked against its documented schema and media type too."""
    by_route = {(op.method.upper(), op.path): op for op in operations}
    period = {"from": "2025-01-01", "to": "2025-12-31"}
    made = served.client.post(
        "/api/reports/disclosures", json=period, headers=served.auth("audrey")
    )
    order = served.client.post(f"/api/reports/order/{STAY}", headers=served.auth("audrey"))
    assert made.status_code == order.status_code == 200, made.text + order.text
    kept = {"report_id": made.json()["id"]}
    compliance = {"order_id": STAY, "report_id": order.json()["id"]}
    calls: list[tuple[str, str, dict[str, str], Any, str]] = [
        ("POST", "/api/reports/disclosures", {}, period, "audrey"),
        ("GET", "/api/reports/disclosures/{report_id}", kept, NOT_SET, "audrey"),
        ("POST", "/api/reports/public", {}, {"period": "2025", "epsilon": 0.2}, "pete"),
        ("GET", "/api/reports/public/{period}", {"period": "2025"}, NOT_SET, "pat"),
        ("POST", "/api/reports/order/{order_id}", {"order_id": STAY}, NOT_SET, "carla"),
        ("GET", "/api/reports/order/{order_id}/{report_id}", compliance, NOT_SET, "carla"),
    ]
    calls += [
        (
            "GET",
            "/api/reports/disclosures/{report_id}/{name}",
            {**kept, "name": name},
            NOT_SET,
            "audrey",
        )
        for name in ("disclosures.csv", "disclosures.html")
    ]
    calls += [
        (
            "GET",
            "/api/reports/public/{period}/{name}",
            {"period": "2025", "name": name},
            NOT_SET,
            "pat",
        )
        for name in ("public.csv", "public.html", "budget.json")
    ]
    calls += [
        (
            "GET",
            "/api/reports/order/{order_id}/{report_id}/{name}",
            {**compliance, "name": name},
            NOT_SET,
            "carla",
        )
        for name in ("compliance.csv", "compliance.html", "proof-bundle.zip")
    ]
    assert {(method, path) for method, path, *_ in calls} == {
        route for route in by_route if route[1].startswith("/api/reports/")
    }
    for method, path, parameters, body, name in calls:
        case = by_route[(method, path)].Case(path_parameters=parameters, body=body)
        response = case.call_and_validate(headers=served.auth(name), checks=CHECKS)
        assert response.status_code == 200, (path, response.text)
