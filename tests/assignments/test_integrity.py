"""What the routes' and records' dropped foreign-key constraints protected (decision 0072) still holds:
Django cascades every delete, and the sweep removes what a delete racing the engine left behind."""

import pytest

from assignments import tasks
from assignments.models import UserAssignment
from assignments.services.engine import assignment_materialise
from certifications.models import AuditEvent, AuditLearner, CertificationRecord
from tests.factories.directory import UserFactory

from .helpers import audience_assignment

pytestmark = pytest.mark.django_db


@pytest.fixture
def assigned(now):
    users = UserFactory.create_batch(3)
    assignment = audience_assignment(users)
    assignment_materialise(assignment_id=assignment.pk, now=now)
    assert UserAssignment.objects.count() == 3 and CertificationRecord.objects.count() == 3
    return assignment, users


def test_deleting_a_user_deletes_their_routes_records_and_change_log(assigned, settings, now):
    assignment, users = assigned
    gone = users[0]
    gone.delete()
    assert not UserAssignment.objects.filter(user_id=gone.pk).exists()
    assert not CertificationRecord.objects.filter(user_id=gone.pk).exists()
    assert not AuditEvent.objects.filter(user_id=gone.pk).exists()
    assert UserAssignment.objects.count() == 2 and CertificationRecord.objects.count() == 2


def test_deleting_a_certification_deletes_its_routes_and_records(assigned):
    assignment, _ = assigned
    assignment.certification.delete()
    assert UserAssignment.objects.count() == 0
    assert CertificationRecord.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_deleting_an_assignment_deletes_its_routes(assigned):
    assignment, _ = assigned
    assignment.delete()
    assert not UserAssignment.objects.filter(assignment_id=assignment.pk).exists()


def test_the_sweep_removes_rows_a_racing_delete_left_behind(assigned, now, django_capture_on_commit_callbacks):
    """An INSERT racing a delete (the engine assigning 100,000 learners while one is deleted) can write
    rows naming a user that no longer exists: nothing refuses them any more, so the sweep deletes them."""
    assignment, users = assigned
    ghost = users[-1].pk + 1000  # no such user
    UserAssignment.objects.create(
        assignment=assignment, certification=assignment.certification, user_id=ghost, assigned_at=now
    )
    CertificationRecord.objects.create(
        user_id=ghost, certification=assignment.certification, assigned_at=now, updated_at=now
    )
    AuditLearner.objects.create(user_id=ghost, event=AuditEvent.objects.filter(user_id=users[1].pk).first())
    with django_capture_on_commit_callbacks(execute=True):
        tasks.sweep()
    assert not UserAssignment.objects.filter(user_id=ghost).exists()
    assert not CertificationRecord.objects.filter(user_id=ghost).exists()
    assert not AuditLearner.objects.filter(user_id=ghost).exists()
    assert UserAssignment.objects.count() == 3 and CertificationRecord.objects.count() == 3
