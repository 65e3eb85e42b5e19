"""The per-learner path across many certifications: what it shares is paid once, whatever their number.

A few learners recomputed for the assignments of several certifications (a directory event) take
their locks in a fixed number of statements and read the certifications' facts (time allowances,
conflicting certifications) in a fixed number of queries; each further certification adds only its
own route and record statements. Counts are asserted, never times."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assignments.models import AssignmentType, UserAssignment
from assignments.services.engine import learners_recompute_many
from directory.models import AudienceMember
from tests.factories.assignments import AssignmentFactory
from tests.factories.directory import AudienceFactory, UserFactory

pytestmark = pytest.mark.django_db

# Per certification, a learner newly reached: gone, due dates and insert of its routes; the record
# (history probe, insert, progress probe) and its due date; and its Enrolment message (DOMAIN §9): the
# audit marker the message's INSERT … SELECT reads from, that insert, and the delivery's outbox row.
PER_CERTIFICATION = 10


def _statements(certifications: int) -> int:
    audience = AudienceFactory()
    learner = UserFactory()
    ids = [AssignmentFactory(type=AssignmentType.AUDIENCE, audience=audience).pk for _ in range(certifications)]
    AudienceMember.objects.create(audience=audience, user=learner)
    with CaptureQueriesContext(connection) as queries:
        learners_recompute_many(user_ids=[learner.pk], assignment_ids=ids)
    assert UserAssignment.objects.filter(user=learner).count() == certifications
    return len(queries)


def test_shared_work_is_paid_once_whatever_the_number_of_certifications():
    five, fifty = _statements(5), _statements(50)
    slope = (fifty - five) / 45
    if connection.vendor == "postgresql":
        assert slope == PER_CERTIFICATION
    else:  # SQLite: its (no-op) row lock per certification, and no data-modifying CTE, so the route,
        # record and due-date audit rows are statements of their own
        assert slope == PER_CERTIFICATION + 1 + 3
    # Assignments, certifications, locks (2) and facts (2) once, plus each certification's own work.
    assert five - 5 * slope <= 6
