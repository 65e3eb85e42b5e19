"""Two workers recomputing the same assignment at once: no duplicates, no errors (PostgreSQL)."""

import threading

import pytest
from django.db import connection

from assignments.models import UserAssignment
from assignments.services.engine import assignment_materialise
from certifications.models import AuditEvent, CertificationRecord
from tests.factories.directory import UserFactory

from .helpers import audience_assignment


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_materialisations_leave_no_duplicate(now):
    users = UserFactory.create_batch(40)
    assignment = audience_assignment(users)
    barrier = threading.Barrier(2)
    errors = []

    def work():
        try:
            barrier.wait()
            assignment_materialise(assignment_id=assignment.pk, now=now)
        except Exception as error:  # noqa: BLE001 - the test reports any error of either thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert UserAssignment.objects.count() == 40
    assert CertificationRecord.objects.count() == 40
    assert AuditEvent.objects.filter(action="route_added").count() == 40


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_learner_recomputes_of_one_certification_leave_no_duplicate(now):
    """Requests for different learners run side by side (shared certification lock), and two for the
    same learner one after the other (the learner's lock)."""
    from assignments.services.engine import learners_recompute

    users = UserFactory.create_batch(3)
    assignment = audience_assignment(users)
    barrier = threading.Barrier(4)
    errors = []
    plan = [[users[0].pk], [users[1].pk], [users[2].pk], [users[2].pk]]

    def work(user_ids):
        try:
            barrier.wait()
            learners_recompute(certification_id=assignment.certification_id, user_ids=user_ids, now=now)
        except Exception as error:  # noqa: BLE001 - the test reports any error of any thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(ids,)) for ids in plan]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert UserAssignment.objects.count() == 3
    assert CertificationRecord.objects.count() == 3
    assert AuditEvent.objects.filter(action="route_added").count() == 3
