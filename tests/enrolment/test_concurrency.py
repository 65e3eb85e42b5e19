"""Concurrent enrol requests: one learner gets one membership; fifty learners never exceed a group's
maximum; no server error (PostgreSQL)."""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from assignments.models import GroupMember
from certifications.models import AuditEvent
from tests.enrolment import builders
from tests.factories.directory import UserFactory

REQUESTS = 50


def post_at_once(plan: list[tuple[object, str, dict]]) -> list:
    """Each (user, url, data) posted from its own thread and connection, all released together; the
    responses, after asserting that no request raised."""
    barrier = threading.Barrier(len(plan))
    responses: list = []
    errors: list[BaseException] = []

    def post(user, url: str, data: dict) -> None:
        client = Client()
        client.force_login(user)
        try:
            barrier.wait(timeout=60)
            responses.append(client.post(url, data))
        except BaseException as error:  # noqa: BLE001 - collected and reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads: list[threading.Thread] = [threading.Thread(target=post, args=step) for step in plan]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert len(responses) == len(plan)
    return responses


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_enrol_requests_create_one_membership():
    learner = UserFactory(username="racer")
    cert = builders.certification(fullname="Race")
    groups = [builders.group(cert, name=f"Group {n}") for n in range(3)]
    url = reverse("enrolment:enrol", args=[cert.pk])
    statuses = [
        r.status_code for r in post_at_once([(learner, url, {"group": groups[n % 3].pk}) for n in range(REQUESTS)])
    ]

    assert all(status in (200, 302) for status in statuses)
    assert statuses.count(302) == 1, "exactly one request enrolled; the others got a clear message"
    assert GroupMember.objects.filter(user=learner).count() == 1
    assert AuditEvent.objects.filter(user=learner, subject="group_membership", action="self_enrolled").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_learners_racing_for_ten_places_leave_ten_members_and_forty_clear_refusals():
    """The capacity is counted under the group's lock in the transaction that adds the member."""
    cert = builders.certification(fullname="Race")
    group = builders.group(cert, name="Ten places", max_learners=10)
    url = reverse("enrolment:enrol", args=[cert.pk])
    responses = post_at_once([(learner, url, {"group": group.pk}) for learner in UserFactory.create_batch(REQUESTS)])

    assert [r.status_code for r in responses].count(302) == 10
    refusals = [r for r in responses if r.status_code == 200]
    assert len(refusals) == 40 and all("This group is full." in r.content.decode() for r in refusals)
    assert GroupMember.objects.filter(group=group).count() == 10
    assert AuditEvent.objects.filter(subject="group_membership", action="self_enrolled").count() == 10
