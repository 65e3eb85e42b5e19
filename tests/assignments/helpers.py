"""Small builders the engine tests share."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from assignments.models import Assignment, AssignmentType, DueKind, UserAssignment
from directory.models import AudienceMember
from tests.factories.assignments import AssignmentFactory
from tests.factories.certifications import CertificationFactory
from tests.factories.directory import AudienceFactory


def audience_assignment(members=(), certification=None, **fields) -> Assignment:
    audience = AudienceFactory()
    for user in members:
        AudienceMember.objects.create(audience=audience, user=user)
    return AssignmentFactory(
        certification=certification or CertificationFactory(),
        type=AssignmentType.AUDIENCE,
        audience=audience,
        **fields,
    )


def relative_due(event: str, amount: int = 1, unit: str = "days", **targets) -> dict:
    """The fields of a due date ``amount`` ``unit`` after ``event``."""
    return {"due_kind": DueKind.RELATIVE, "due_amount": amount, "due_unit": unit, "due_event": event, **targets}


def route(assignment, user) -> UserAssignment:
    return UserAssignment.objects.get(assignment=assignment, user=user)


def writes_during(fn) -> tuple[object, list[str]]:
    """Run ``fn`` and return its result and the SQL statements that wrote (INSERT/UPDATE/DELETE)."""
    with CaptureQueriesContext(connection) as ctx:
        result = fn()
    writes = [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE", "WITH"))
    ]
    return result, writes
