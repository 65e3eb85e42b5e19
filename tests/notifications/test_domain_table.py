"""DOMAIN §9's table, one test per row: each message is written when its row says, and only then.

Time is frozen with time-machine; the periodic work runs through its real Celery tasks (eagerly).
"""

import datetime as dt

import pytest
import time_machine
from django.test import TestCase

from assignments.models import DueKind
from assignments.services import groups
from assignments.services.engine import assignment_materialise
from certifications import tasks as certification_tasks
from certifications.models import CertificationRecord
from certifications.periods import MONTHS
from courses.services import course_complete
from notifications import tasks
from notifications.models import CertificationMessage, MessageType, Notification
from tests.assignments.helpers import audience_assignment
from tests.enrolment import builders
from tests.factories.certifications import CertificationFactory, CourseSetFactory
from tests.factories.courses import CourseFactory
from tests.factories.directory import SiteAdminFactory, UserFactory

from .helpers import deliver_all, written

pytestmark = pytest.mark.django_db

START = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)
DUE = START + dt.timedelta(days=30)


def at(moment):
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def assigned(django_capture_on_commit_callbacks):
    """A learner assigned at START, due in 30 days, on a six-month certification (two-month window)."""
    certification = CertificationFactory(
        active_period_amount=6,
        active_period_unit=MONTHS,
        window_period_amount=2,
        window_period_unit=MONTHS,
        recertification_same_content=True,
    )
    course = CourseFactory()
    CourseSetFactory(certification=certification, courses=[course])
    learner = UserFactory()
    assignment = audience_assignment([learner], certification=certification, due_kind=DueKind.FIXED, due_fixed_at=DUE)
    assignment_materialise(assignment_id=assignment.pk, now=START)
    return learner, certification, course


def certify(learner, course, when, callbacks):
    with at(when), callbacks(execute=True):
        course_complete(user_id=learner.pk, course_id=course.pk, completed_at=when)
    return CertificationRecord.objects.get(user=learner)


def sweep(when):
    with at(when):
        return tasks.sweep_due_messages()


def lifecycle(when):
    # The sweep sends one batch task per certification through the outbox; run them, as a worker would.
    with at(when), TestCase.captureOnCommitCallbacks(execute=True):
        certification_tasks.lifecycle_sweep()


def test_enrolment_when_a_learner_self_enrols_naming_the_group(django_capture_on_commit_callbacks):
    learner = UserFactory()
    group = builders.group(name="Night shift")
    CertificationMessage.objects.filter(type=MessageType.ENROLMENT).update(body="Welcome to {group_name}.")
    with at(START), django_capture_on_commit_callbacks(execute=True):
        groups.group_enrol(group=group, learner=learner, now=START)
    assert written() == [(learner.pk, MessageType.ENROLMENT)]
    assert Notification.objects.get(recipient=learner).body == "Welcome to Night shift."


def test_unenrolment_when_a_learner_withdraws_and_no_due_message_later():
    learner = UserFactory()
    group = builders.group(due_kind=DueKind.FIXED, due_fixed_at=DUE)
    groups.group_enrol(group=group, learner=learner, now=START)
    groups.group_withdraw(group=group, learner=learner, now=START + dt.timedelta(days=1))
    assert sweep(DUE - dt.timedelta(days=7)) == 0
    assert written() == [(learner.pk, MessageType.ENROLMENT), (learner.pk, MessageType.UNENROLMENT)]


def test_certification_due_seven_days_before_the_due_date_when_not_certified(assigned):
    learner, _, _ = assigned
    assert sweep(DUE - dt.timedelta(days=7, seconds=1)) == 0
    assert sweep(DUE - dt.timedelta(days=7)) == 1
    assert sweep(DUE - dt.timedelta(days=6)) == 0, "once per cycle"
    assert written(MessageType.DUE) == [(learner.pk, MessageType.DUE)]


def test_certification_overdue_one_day_after_the_due_date_when_not_certified(assigned):
    learner, _, _ = assigned
    assert sweep(DUE + dt.timedelta(hours=23)) == 0
    assert written() == [(learner.pk, MessageType.ENROLMENT)], "a due date already passed sends no Certification due"
    assert sweep(DUE + dt.timedelta(days=1)) == 1
    assert sweep(DUE + dt.timedelta(days=5)) == 0
    assert written(MessageType.OVERDUE) == [(learner.pk, MessageType.OVERDUE)]


def test_no_due_or_overdue_message_once_certified(assigned, django_capture_on_commit_callbacks):
    learner, _, course = assigned
    certify(learner, course, START + dt.timedelta(days=2), django_capture_on_commit_callbacks)
    assert sweep(DUE - dt.timedelta(days=7)) == 0
    assert sweep(DUE + dt.timedelta(days=1)) == 0


def test_certification_completed_when_the_learner_certifies(assigned, django_capture_on_commit_callbacks):
    learner, _, course = assigned
    record = certify(learner, course, START + dt.timedelta(days=2), django_capture_on_commit_callbacks)
    assert record.status == "certified"
    assert written(MessageType.COMPLETED) == [(learner.pk, MessageType.COMPLETED)]


def test_recertification_window_open_when_the_window_opens(assigned, django_capture_on_commit_callbacks):
    learner, _, course = assigned
    record = certify(learner, course, START + dt.timedelta(days=2), django_capture_on_commit_callbacks)
    lifecycle(record.window_opens - dt.timedelta(minutes=1))
    assert written(MessageType.WINDOW_OPEN) == []
    lifecycle(record.window_opens)
    assert written(MessageType.WINDOW_OPEN) == [(learner.pk, MessageType.WINDOW_OPEN)]


def test_recertification_window_due_to_close_seven_days_before_expiry_unless_renewed(
    assigned, django_capture_on_commit_callbacks
):
    learner, _, course = assigned
    record = certify(learner, course, START + dt.timedelta(days=2), django_capture_on_commit_callbacks)
    lifecycle(record.window_opens)
    assert sweep(record.expiry_date - dt.timedelta(days=8)) == 0
    assert sweep(record.expiry_date - dt.timedelta(days=7)) == 1
    assert sweep(record.expiry_date - dt.timedelta(days=3)) == 0
    assert written(MessageType.WINDOW_CLOSING) == [(learner.pk, MessageType.WINDOW_CLOSING)]


def test_a_recertification_starts_a_new_cycle(assigned, django_capture_on_commit_callbacks):
    learner, _, course = assigned
    first = certify(learner, course, START + dt.timedelta(days=2), django_capture_on_commit_callbacks)
    lifecycle(first.window_opens)
    sweep(first.expiry_date - dt.timedelta(days=7))
    renewed = certify(learner, course, first.expiry_date - dt.timedelta(days=6), django_capture_on_commit_callbacks)
    assert renewed.expiry_date > first.expiry_date
    assert sweep(first.expiry_date - dt.timedelta(days=5)) == 0, "renewed: nothing is closing"
    lifecycle(renewed.window_opens)
    assert sweep(renewed.expiry_date - dt.timedelta(days=7)) == 1
    assert written(MessageType.WINDOW_CLOSING) == [(learner.pk, MessageType.WINDOW_CLOSING)] * 2
    assert written(MessageType.COMPLETED) == [(learner.pk, MessageType.COMPLETED)] * 2


def test_failure_to_recertify_when_the_certification_expires(assigned, django_capture_on_commit_callbacks):
    learner, _, course = assigned
    record = certify(learner, course, START + dt.timedelta(days=2), django_capture_on_commit_callbacks)
    lifecycle(record.window_opens)
    lifecycle(record.expiry_date - dt.timedelta(minutes=1))
    assert written(MessageType.EXPIRED) == []
    lifecycle(record.expiry_date)
    assert written(MessageType.EXPIRED) == [(learner.pk, MessageType.EXPIRED)]


def test_enrolment_awaiting_exception_is_one_daily_digest_to_site_administrators():
    admin, learner = SiteAdminFactory(), UserFactory()
    certification = builders.certification(fullname="Forklift")
    CourseSetFactory(certification=certification, minimum_time_days=30, courses=[CourseFactory()])
    group = builders.group(certification, due_kind=DueKind.FIXED, due_fixed_at=START + dt.timedelta(days=5))
    groups.group_enrol(group=group, learner=learner, now=START)
    assert written() == [], "a route in exception sends no Enrolment"
    with at(START + dt.timedelta(hours=1)):
        assert tasks.daily_digest() == 1
        assert tasks.daily_digest() == 0, "one a day"
    digest = Notification.objects.get(recipient=admin)
    assert digest.subject == "Enrolments awaiting you"
    assert "- Forklift: 1 learner" in digest.body
    assert not Notification.objects.filter(recipient=learner).exists()
    deliver_all(START)
    with at(START + dt.timedelta(days=1)):
        assert tasks.daily_digest() == 1
