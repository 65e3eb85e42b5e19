"""The per-learner path across many certifications: a fixed number of statements, whatever their number.

A few learners recomputed for the assignments of several certifications (a directory event) take
their locks in a fixed number of statements, read the certifications' facts (time allowances,
conflicting certifications) in a fixed number of queries, and on PostgreSQL run each step as one
statement over all the assignments (decision 0140). SQLite runs each certification's steps in turn.
Counts are asserted, never times."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assignments.models import AssignmentType, UserAssignment
from assignments.services.engine import learners_recompute_many
from directory.models import AudienceMember
from tests.factories.assignments import AssignmentFactory
from tests.factories.directory import AudienceFactory, UserFactory

pytestmark = pytest.mark.django_db

# SQLite, per certification, a learner newly reached: gone, due dates and insert of its routes; the
# record (history probe, insert, progress probe) and its due date; and its Enrolment message (DOMAIN
# §9): the audit marker the message's INSERT … SELECT reads from, that insert, and the delivery's outbox
# row; its (no-op) row lock; and the route, record and due-date audit rows as statements of their own.
SQLITE_PER_CERTIFICATION = 14
# PostgreSQL, in all: assignments, locks, certifications, facts (2); the routes (gone, due dates and
# insert in one statement); the records (fresh ones with their due date, and whether the learner holds completions),
# the Enrolment messages and their outbox row.
POSTGRES_STATEMENTS = 9


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
    if connection.vendor == "postgresql":
        assert five == fifty == POSTGRES_STATEMENTS
        return
    slope = (fifty - five) / 45
    assert slope == SQLITE_PER_CERTIFICATION
    # Assignments, certifications, locks (2) and facts (2) once, plus each certification's own work.
    assert five - 5 * slope <= 6
