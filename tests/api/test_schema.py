"""The whole OpenAPI schema, run property-based by schemathesis against the application (in process,
through WSGI, on the test database): no server error, and every response conforms to the schema
(status code, content type, body)."""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = pytest.mark.django_db

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 10


@pytest.fixture
def app():
    """The WSGI application, sharing the test's transaction (as Django's test client does)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _real_ids(world):
    """Path parameters naming real objects, so that the run reaches past the 404s of random ids
    (an operation that deletes one leaves the later ones to meet a 404, which is fine)."""
    by_prefix = {
        "/api/v1/certifications/": world.certification.pk,
        "/api/v1/groups/": world.group.pk,
        "/api/v1/assignments/": world.certification.assignments.get(type="individual").pk,
        "/api/v1/reports/": world.report.pk,
    }

    def for_path(path: str) -> dict:
        if "{id}" not in path:
            return {}
        ids = {"id": next(pk for prefix, pk in by_prefix.items() if path.startswith(prefix))}
        if "{user_id}" in path:
            ids["user_id"] = world.learner.pk
        return ids

    return for_path


def _run(schema, headers: dict, mode, ids=None) -> list[str]:
    checked = []
    for result in schema.get_all_operations():
        operation = result.ok()
        checked.append(operation.label)
        fixed = ids(operation.path) if ids is not None else {}

        @given(case=operation.as_strategy(generation_mode=mode, path_parameters=fixed or None))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            response = case.call(headers=headers)
            case.validate_response(response, checks=CHECKS, headers=headers)

        run()
    return checked


@pytest.mark.parametrize("ids", ["random", "real"])
@pytest.mark.parametrize("role", ["admin", "learner"])
@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_every_operation_answers_as_its_schema_says(world, token_for, app, role, mode, ids, settings):
    from schemathesis import GenerationMode

    settings.API_RATE_LIMIT = "100000/minute"
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    _, secret = token_for(world.user(role))
    headers = {"Authorization": f"Bearer {secret}"}
    real = _real_ids(world)
    assert real("/api/v1/groups/{id}/members/{user_id}/") == {"id": world.group.pk, "user_id": world.learner.pk}
    checked = _run(schema, headers, GenerationMode(mode), real if ids == "real" else None)
    assert len(checked) >= 25, checked
