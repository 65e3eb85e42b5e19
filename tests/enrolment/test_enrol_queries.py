"""The self-enrol POST in a pinned number of queries (issue 13, decision 0141): what the request
itself needs, not a query per assignment, certification or check. Counts are asserted, never times."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assignments.models import GroupMember, UserAssignment
from certifications.models import CertificationRecord
from tests.enrolment import builders

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

# The request: session, user, time zone, site administrator (4); the certification and the chosen
# group (2); the group's shared lock and its row with its assignment (2); visibility, self-enrolment,
# membership and pending request (1); the membership and its audit event (2); the learner's route and
# record through the per-learner path — locks, allowances, conflicts, the routes (gone, due dates and
# insert in one statement), record, Enrolment message, its outbox row (7: the group's assignment is
# the one read with the group, not read again); the outcome's route (1).
# The test's own transaction adds the service's SAVEPOINT and RELEASE (2); the outbox row's relay runs
# after the commit.
ENROL_QUERIES = 19


def test_a_self_enrolment_takes_a_pinned_number_of_queries(client, learner):
    certification = builders.certification(fullname="Forklift safety")
    group = builders.group(certification)
    client.force_login(learner)
    client.get("/hello/")
    with CaptureQueriesContext(connection) as queries:
        response = client.post(reverse("enrolment:enrol", args=[certification.pk]), {"group": group.pk})
    assert response.status_code == 302
    assert GroupMember.objects.filter(group=group, user=learner, self_enrolled=True).exists()
    assert UserAssignment.objects.filter(user=learner, certification=certification).exists()
    assert CertificationRecord.objects.filter(user=learner, certification=certification).exists()
    assert len(queries) == ENROL_QUERIES + 2
