"""Concurrent enrol requests from one learner: exactly one membership, no server error (PostgreSQL)."""

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


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_enrol_requests_create_one_membership():
    learner = UserFactory(username="racer")
    cert = builders.certification(fullname="Race")
    groups = [builders.group(cert, name=f"Group {n}") for n in range(3)]
    barrier = threading.Barrier(REQUESTS)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def enrol(n: int) -> None:
        client = Client()
        client.force_login(learner)
        try:
            barrier.wait(timeout=60)
            url = reverse("enrolment:enrol", args=[cert.pk])
            statuses.append(client.post(url, {"group": groups[n % 3].pk}).status_code)
        except BaseException as error:  # noqa: BLE001 - collected and reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=enrol, args=(n,)) for n in range(REQUESTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert len(statuses) == REQUESTS and all(status in (200, 302) for status in statuses)
    assert statuses.count(302) == 1, "exactly one request enrolled; the others got a clear message"
    assert GroupMember.objects.filter(user=learner).count() == 1
    assert AuditEvent.objects.filter(user=learner, subject="group_membership", action="self_enrolled").count() == 1
