"""Edges of enrolment requests: junk ids, a deleted group, a request made twice at once."""

import pytest
from django.urls import reverse

from assignments.models import EnrolmentRequest
from assignments.services import groups as services
from certifications.models import AuditEvent
from tests.enrolment import builders

pytestmark = pytest.mark.django_db


@pytest.fixture
def group():
    return builders.group(builders.certification(fullname="Forklift safety"), name="Supervised", requires_approval=True)


@pytest.mark.parametrize("junk", ["0", "-4", str(2**63), "99999999999999999999999", "x"])
def test_junk_request_ids_are_refused_in_words(client, admin_user, group, learner, junk):
    services.group_enrol(group=group, learner=learner)
    client.force_login(admin_user)
    response = client.post(
        reverse("assignments:enrolment_requests"), {"requests": [junk], "decision": "approve"}, follow=True
    )
    assert (
        response.status_code == 200
        and "Select requests from the list. Nothing was changed." in response.content.decode()
    )
    assert EnrolmentRequest.objects.get().status == "pending"


def test_deleting_the_group_audits_its_waiting_requests(group, learner, admin_user):
    services.group_enrol(group=group, learner=learner)
    services.group_delete(group=group, actor=admin_user)
    assert not EnrolmentRequest.objects.exists()
    event = AuditEvent.objects.get(user=learner, action="enrolment_request_cancelled")
    assert event.actor == admin_user and event.after["reason"] == "group deleted"
