"""Event messages (DOMAIN §9): written in the transaction of their cause, set-based, one per change."""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from assignments.models import AssignmentException, ExceptionStatus, Resolution
from assignments.services.engine import assignment_materialise
from assignments.services.exceptions import exception_resolve
from certifications.models import CertificationRecord, RecordStatus, RenewalStatus
from certifications.periods import MONTHS
from certifications.services import record_progress, records_expire, records_window_open
from courses.models import CourseCompletion
from directory.models import AudienceMember
from notifications.models import CertificationMessage, Delivery, MessageType
from outbox.models import OutboxMessage
from tests.assignments.helpers import audience_assignment
from tests.factories.certifications import CertificationFactory, CourseSetFactory
from tests.factories.courses import CourseFactory
from tests.factories.directory import UserFactory

from .helpers import written

pytestmark = pytest.mark.django_db


def test_a_new_certification_gets_every_default_message_enabled():
    certification = CertificationFactory()
    messages = CertificationMessage.objects.filter(certification=certification)
    assert sorted(messages.values_list("type", flat=True)) == sorted(MessageType.values)
    assert all(m.enabled and m.subject and m.body for m in messages)
    offsets = dict(messages.filter(offset_days__isnull=False).values_list("type", "offset_days"))
    assert offsets == {MessageType.DUE: 7, MessageType.OVERDUE: 1, MessageType.WINDOW_CLOSING: 7}


def test_assignment_writes_one_enrolment_per_learner_in_one_statement(now):
    learners = UserFactory.create_batch(3)
    assignment = audience_assignment(learners)
    with CaptureQueriesContext(connection) as queries:
        assignment_materialise(assignment_id=assignment.pk, now=now)
    assert sorted(written()) == sorted((u.pk, MessageType.ENROLMENT) for u in learners)
    inserts = [q["sql"] for q in queries.captured_queries if 'INSERT INTO "notifications_delivery"' in q["sql"]]
    assert len(inserts) == 1
    assert OutboxMessage.objects.filter(task="notifications.deliver").count() == 1


def test_running_the_assignment_again_writes_no_second_enrolment(now):
    learner = UserFactory()
    assignment = audience_assignment([learner])
    assignment_materialise(assignment_id=assignment.pk, now=now)
    assignment_materialise(assignment_id=assignment.pk, now=now)
    assignment_materialise(assignment_id=assignment.pk, now=now + dt.timedelta(hours=1))
    assert written() == [(learner.pk, MessageType.ENROLMENT)]


def test_a_disabled_message_is_not_written(now):
    learner = UserFactory()
    assignment = audience_assignment([learner])
    CertificationMessage.objects.filter(type=MessageType.ENROLMENT).update(enabled=False)
    assignment_materialise(assignment_id=assignment.pk, now=now)
    assert written() == []


def test_a_rolled_back_assignment_writes_nothing(now):
    learner = UserFactory()
    assignment = audience_assignment([learner])
    with pytest.raises(RuntimeError), transaction.atomic():
        assignment_materialise(assignment_id=assignment.pk, now=now)
        assert written() == [(learner.pk, MessageType.ENROLMENT)]
        raise RuntimeError("roll back")
    assert not Delivery.objects.exists()
    assert not OutboxMessage.objects.filter(task="notifications.deliver").exists()


def test_leaving_the_audience_writes_unenrolment(now):
    learner = UserFactory()
    assignment = audience_assignment([learner])
    assignment_materialise(assignment_id=assignment.pk, now=now)
    AudienceMember.objects.filter(user=learner).delete()
    assignment_materialise(assignment_id=assignment.pk, now=now + dt.timedelta(hours=1))
    assert written() == [(learner.pk, MessageType.ENROLMENT), (learner.pk, MessageType.UNENROLMENT)]


def test_a_route_in_exception_sends_no_enrolment_and_its_resolution_does(now):
    learner = UserFactory()
    certification = CertificationFactory()
    CourseSetFactory(certification=certification, minimum_time_days=30, courses=[CourseFactory()])
    assignment = audience_assignment(
        [learner], certification=certification, due_kind="fixed", due_fixed_at=now + dt.timedelta(days=10)
    )
    assignment_materialise(assignment_id=assignment.pk, now=now)
    assert written() == []
    exception = AssignmentException.objects.get(user=learner, status=ExceptionStatus.OPEN)
    exception_resolve(certification=certification, exception_ids=[exception.pk], resolution=Resolution.ASSIGN, now=now)
    assert written() == [(learner.pk, MessageType.ENROLMENT)]


@pytest.fixture
def certified_learner(now):
    """A learner who certifies on a six-month certification with a two-month window."""
    certification = CertificationFactory(
        active_period_amount=6, active_period_unit=MONTHS, window_period_amount=2, window_period_unit=MONTHS
    )
    course = CourseFactory()
    CourseSetFactory(certification=certification, courses=[course])
    learner = UserFactory()
    assignment = audience_assignment([learner], certification=certification)
    assignment_materialise(assignment_id=assignment.pk, now=now)
    CourseCompletion.objects.create(user=learner, course=course, completed_at=now)
    record_progress(user_id=learner.pk, certification_id=certification.pk, now=now)
    return learner, CertificationRecord.objects.get(user=learner)


def test_certifying_writes_certification_completed(certified_learner):
    learner, record = certified_learner
    assert record.status == RecordStatus.CERTIFIED
    assert written(MessageType.COMPLETED) == [(learner.pk, MessageType.COMPLETED)]


def test_the_window_opening_writes_recertification_window_open_once(certified_learner):
    learner, record = certified_learner
    records_window_open(now=record.window_opens, actor_label="test")
    records_window_open(now=record.window_opens + dt.timedelta(days=1), actor_label="test")
    assert written(MessageType.WINDOW_OPEN) == [(learner.pk, MessageType.WINDOW_OPEN)]


def test_expiry_writes_failure_to_recertify(certified_learner):
    learner, record = certified_learner
    records_window_open(now=record.window_opens, actor_label="test")
    records_expire(now=record.expiry_date, actor_label="test")
    record.refresh_from_db()
    assert (record.status, record.renewal_status) == (RecordStatus.EXPIRED, RenewalStatus.EXPIRED)
    assert written(MessageType.EXPIRED) == [(learner.pk, MessageType.EXPIRED)]


@pytest.mark.parametrize(("ticked", "expected"), [(True, 2), (False, 0)])
def test_send_enrolment_messages_in_the_add_dialog_decides_for_the_whole_background_job(
    client, admin_user, django_capture_on_commit_callbacks, ticked, expected
):
    from django.urls import reverse

    from assignments.models import RecomputeJob
    from tests.factories.directory import AudienceFactory

    audience = AudienceFactory()
    for learner in UserFactory.create_batch(2):
        AudienceMember.objects.create(audience=audience, user=learner)
    certification = CertificationFactory()
    client.force_login(admin_user)
    url = reverse("assignments:add", args=[certification.pk, "audience"])
    assert 'name="send_enrolment_messages" checked' in client.get(url).content.decode()
    data = {"targets": [audience.pk], **({"send_enrolment_messages": "on"} if ticked else {})}
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, data).status_code == 302
    assert RecomputeJob.objects.get().status == RecomputeJob.Status.DONE
    assert CertificationRecord.objects.filter(certification=certification).count() == 2
    assert len(written(MessageType.ENROLMENT)) == expected
